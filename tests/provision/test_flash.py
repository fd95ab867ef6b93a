"""``flash`` against a simulated ESP32 ROM bootloader spoken to by real esptool."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from esp32_mock_bootloader import MockHandle
from esptool.cmds import detect_chip, run_stub

from provision.errors import Fault, ProvisionError
from provision.flash import flash
from provision.ui import Ui
from tests.provision.conftest import Images
from tests.support.provision import PtyBoard

UI = Ui("en", quiet=True)


def read_flash_md5(url: str, offset: int, size: int) -> str:
    esp = run_stub(detect_chip(url, connect_mode="no-reset", connect_attempts=2))
    try:
        return esp.flash_md5sum(offset, size)
    finally:
        esp._port.close()


@pytest.mark.parametrize(
    ("chip", "image_chip", "offset"),
    [("esp32", "ESP32", 0x1000), ("esp32s3", "ESP32-S3", 0x0), ("esp32c3", "ESP32-C3", 0x0)],
)
def test_flash_writes_at_chip_offset(
    bootloader: Callable[[str], MockHandle], images: Images, chip: str, image_chip: str, offset: int
) -> None:
    mock = bootloader(chip)
    image = images.path(image_chip)

    result = flash(UI, mock.url(), image, images.listing, no_reset=True)

    data = image.read_bytes()
    assert result.chip == image_chip
    assert result.offset == offset
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert read_flash_md5(mock.url(), offset, len(data)) == hashlib.md5(data).hexdigest()


def test_chip_mismatch_writes_nothing(
    bootloader: Callable[[str], MockHandle], images: Images
) -> None:
    mock = bootloader("esp32s3")
    image = images.path("ESP32")

    with pytest.raises(ProvisionError) as caught:
        flash(UI, mock.url(), image, images.listing, no_reset=True)

    assert caught.value.fault is Fault.CHIP_MISMATCH
    assert caught.value.params["board"] == "ESP32-S3"
    assert caught.value.params["image_chip"] == "ESP32"
    erased = hashlib.md5(b"\xff" * 4096).hexdigest()
    assert read_flash_md5(mock.url(), 0x0, 4096) == erased


class CuttingProxy:
    """Forwards a TCP connection and drops it after ``limit`` bytes from the client."""

    def __init__(self, upstream_port: int, limit: int) -> None:
        self.upstream_port = upstream_port
        self.limit = limit
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.cut = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        client, _ = self.server.accept()
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        sent = 0

        def back() -> None:
            try:
                while data := upstream.recv(65536):
                    client.sendall(data)
            except OSError:
                pass

        threading.Thread(target=back, daemon=True).start()
        try:
            while data := client.recv(65536):
                sent += len(data)
                if sent > self.limit:
                    self.cut.set()
                    break
                upstream.sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()
            self.server.close()


def test_interrupted_write_is_reported(
    bootloader: Callable[[str], MockHandle], images: Images, monkeypatch: pytest.MonkeyPatch
) -> None:
    # esptool reopens a lost port and waits one second per attempt (7 by
    # default) for the chip to come back. One attempt keeps that path short.
    monkeypatch.setattr("esptool.cmds.DEFAULT_CONNECT_ATTEMPTS", 1)
    mock = bootloader("esp32")
    image = images.path("ESP32")
    # The stub flasher and the handshake take well under 40 KiB; the 64 KiB
    # of random image data cannot be compressed, so the cut lands mid-write.
    proxy = CuttingProxy(mock.port(), limit=len(image.read_bytes()) // 2 + 20_000)

    with pytest.raises(ProvisionError) as caught:
        flash(UI, proxy.url, image, images.listing, no_reset=True)

    assert proxy.cut.is_set()
    assert caught.value.fault is Fault.FLASH_WRITE_FAILED


def test_unapproved_image_is_rejected_before_connecting(tmp_path: Path, images: Images) -> None:
    rogue = tmp_path / "rogue.bin"
    rogue.write_bytes(images.path("ESP32").read_bytes() + b"tampered")

    with pytest.raises(ProvisionError) as caught:
        flash(UI, "/dev/does-not-exist", rogue, images.listing)

    assert caught.value.fault is Fault.IMAGE_UNKNOWN


def test_approved_file_without_esp_header_is_rejected(tmp_path: Path) -> None:
    import json

    text = tmp_path / "firmware.uf2"
    text.write_bytes(b"UF2\n" + bytes(100))
    listing = tmp_path / "list.json"
    sha = hashlib.sha256(text.read_bytes()).hexdigest()
    listing.write_text(
        json.dumps({"images": [{"file": text.name, "chip": "ESP32", "sha256": sha}]})
    )

    with pytest.raises(ProvisionError) as caught:
        flash(UI, "/dev/does-not-exist", text, listing)

    assert caught.value.fault is Fault.IMAGE_INVALID


def test_missing_port_names_the_port(images: Images) -> None:
    with pytest.raises(ProvisionError) as caught:
        flash(UI, "/dev/ttyUSB-missing", images.path("ESP32"), images.listing)

    assert caught.value.fault is Fault.NO_PORT
    assert caught.value.params["port"] == "/dev/ttyUSB-missing"


def test_board_running_firmware_asks_for_download_mode(
    images: Images, pty_board: Callable[..., PtyBoard]
) -> None:
    # A board that runs MicroPython instead of its ROM bootloader: the
    # technician has not pressed BOOT, or chose the wrong port.
    board = pty_board()

    with pytest.raises(ProvisionError) as caught:
        flash(UI, board.port, images.path("ESP32"), images.listing, no_reset=True)

    assert caught.value.fault is Fault.NOT_IN_DOWNLOAD_MODE
    assert caught.value.params["port"] == board.port

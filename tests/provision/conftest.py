"""Fixtures of the technician tool's tests: fake firmware images and simulated boards."""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from esp32_mock_bootloader import MockHandle, mock_bootloader

from broker.secure import SecureBroker
from tests.support.dispatch import DispatchServer
from tests.support.gateway import GatewayProcess
from tests.support.provision import PtyBoard

IMAGE_CHIP_IDS = {"ESP32": 0, "ESP32-S3": 9, "ESP32-C3": 5}


def fake_image(chip_id: int, size: int = 64 * 1024) -> bytes:
    """Return an ESP image header for ``chip_id`` followed by random (incompressible) bytes."""
    common = bytes([0xE9, 1, 0x02, 0x20]) + struct.pack("<I", 0x40080000)
    extended = bytes([0xEE, 0, 0, 0]) + struct.pack("<H", chip_id) + bytes(10)
    header = common + extended
    return header + os.urandom(size - len(header))


@dataclass
class Images:
    """Fake images per chip name and the approved list that names them."""

    directory: Path
    listing: Path

    def path(self, chip: str) -> Path:
        return self.directory / f"micropython-{chip.lower()}.bin"


@pytest.fixture
def images(tmp_path: Path) -> Images:
    directory = tmp_path / "images"
    directory.mkdir()
    entries = []
    for chip, chip_id in IMAGE_CHIP_IDS.items():
        path = directory / f"micropython-{chip.lower()}.bin"
        path.write_bytes(fake_image(chip_id))
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        entries.append({"file": path.name, "chip": chip, "sha256": sha})
    listing = directory / "approved.json"
    listing.write_text(json.dumps({"images": entries}))
    return Images(directory, listing)


@pytest.fixture
def bootloader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], MockHandle]]:
    """Start simulated ROM bootloaders (``esp32-mock-bootloader``) by chip name."""
    monkeypatch.setenv("ESP32_MOCK_BOOTLOADER_STATE_DIR", str(tmp_path / "mock-state"))
    started: list[MockHandle] = []

    def start(chip: str) -> MockHandle:
        handle = mock_bootloader(chip=chip)
        started.append(handle)
        return handle

    yield start
    for handle in started:
        handle.stop()


@pytest.fixture
def pty_board(tmp_path: Path) -> Iterator[Callable[..., PtyBoard]]:
    """Simulated MicroPython boards on pseudo-terminals; options switch faults on."""
    boards: list[PtyBoard] = []

    def make(**options: object) -> PtyBoard:
        board = PtyBoard(tmp_path / f"board-fs-{len(boards)}", **options)
        boards.append(board)
        return board

    yield make
    for board in boards:
        board.close()


@dataclass
class Services:
    """A secure broker, the dispatch API creating broker accounts, and the gateway."""

    broker: SecureBroker
    dispatch: DispatchServer
    gateway: GatewayProcess


@pytest.fixture(scope="package")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """Started once for the register and setup tests; each test uses its own device ids.

    User ``teknisi-1`` (technician), password ``DEFAULT_PASSWORD``.
    """
    root = tmp_path_factory.mktemp("provision-services")
    broker = SecureBroker(root / "broker")
    broker.start()
    dispatch = DispatchServer(
        f"sqlite:///{root / 'dispatch.db'}",
        root / "dispatch",
        extra_env={"AMPERA_BROKER_ADMIN_URL": broker.admin_url},
    )
    gateway = GatewayProcess(root, broker.gateway_url, dispatch.url, token=dispatch.gateway_token)
    try:
        dispatch.start()
        gateway.start()
        dispatch.create_user("teknisi-1", "technician")
        yield Services(broker, dispatch, gateway)
    finally:
        gateway.terminate()
        dispatch.stop()
        broker.kill()

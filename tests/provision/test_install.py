"""``install`` against a simulated MicroPython board on a pseudo-terminal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from provision.errors import Fault, ProvisionError
from provision.install import install
from provision.ui import Ui
from tests.support.provision import PtyBoard

UI = Ui("en", quiet=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def firmware(tmp_path: Path) -> Path:
    directory = tmp_path / "firmware"
    (directory / "lib").mkdir(parents=True)
    (directory / "main.py").write_text("import app\napp.run()\n" * 40)
    (directory / "boot.py").write_text("# boot\n")
    (directory / "lib" / "app.py").write_bytes(bytes(range(256)) * 12)
    (directory / "lib" / "__pycache__").mkdir()
    (directory / "lib" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0" * 10)
    return directory


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"device_id": "btn-0001", "wifi": {"ssid": "x", "password": "y"}}))
    return path


def test_files_arrive_intact_and_board_resets(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board()

    result = install(UI, board.port, config, firmware, extra={"/ca.crt": b"CA"}, pause_s=0)

    root = board.device.root
    assert sorted(result.files) == [
        "/boot.py",
        "/ca.crt",
        "/config.json",
        "/lib/app.py",
        "/main.py",
    ]
    for name in ("main.py", "boot.py", "lib/app.py"):
        assert sha256(root / name) == sha256(firmware / name)
    assert sha256(root / "config.json") == sha256(config)
    assert (root / "ca.crt").read_bytes() == b"CA"
    assert not list(root.rglob("*.new"))
    assert not (root / "lib" / "__pycache__").exists()
    assert board.device.resets == 1


def test_unchanged_files_are_not_sent_again(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board()
    install(UI, board.port, config, firmware, pause_s=0)
    config.write_text(json.dumps({"device_id": "btn-0001", "changed": True}))
    # Every write would now be corrupted twice: only config.json may be sent.
    board.device.corrupt_writes = 1

    install(UI, board.port, config, firmware, pause_s=0)

    assert board.device.corrupt_writes == 0
    assert sha256(board.device.root / "config.json") == sha256(config)
    assert board.device.resets == 2


def test_busy_board_is_interrupted(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board(busy_interrupts=3)

    install(UI, board.port, config, firmware, pause_s=0)

    assert board.device.interrupts_seen >= 3
    assert sha256(board.device.root / "main.py") == sha256(firmware / "main.py")


def test_board_rebooting_on_interrupt_is_retried(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board(busy_interrupts=1, reboot_on_interrupt_s=0.5)

    install(UI, board.port, config, firmware, pause_s=0.2, timeout_s=0.5)

    assert board.device.resets == 2  # the maintenance restart, then the final reset
    assert sha256(board.device.root / "main.py") == sha256(firmware / "main.py")


def test_single_corrupted_transfer_is_detected_and_resent(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board(corrupt_writes=1)

    install(UI, board.port, config, firmware, pause_s=0)

    assert board.device.corrupt_writes == 0
    for name in ("main.py", "boot.py", "lib/app.py"):
        assert sha256(board.device.root / name) == sha256(firmware / name)


def test_repeated_corruption_stops_without_replacing_file(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board(corrupt_writes=2)
    # The first file copied is boot.py (sorted); an old one must survive.
    (board.device.root / "boot.py").write_text("# old boot\n")

    with pytest.raises(ProvisionError) as caught:
        install(UI, board.port, config, firmware, pause_s=0)

    assert caught.value.fault is Fault.TRANSFER_CORRUPTED
    assert caught.value.params["name"] == "/boot.py"
    assert (board.device.root / "boot.py").read_text() == "# old boot\n"
    assert not list(board.device.root.rglob("*.new"))
    assert board.device.resets == 0


def test_silent_board_fails_after_retries(
    pty_board: Callable[..., PtyBoard], firmware: Path, config: Path
) -> None:
    board = pty_board(dead=True)

    with pytest.raises(ProvisionError) as caught:
        install(UI, board.port, config, firmware, pause_s=0, attempts=2, timeout_s=0.3)

    assert caught.value.fault is Fault.REPL_NOT_ANSWERING
    assert caught.value.params["attempts"] == 2


def test_missing_config_is_reported_before_connecting(firmware: Path, tmp_path: Path) -> None:
    with pytest.raises(ProvisionError) as caught:
        install(UI, "/dev/does-not-exist", tmp_path / "nope.json", firmware, pause_s=0)

    assert caught.value.fault is Fault.CONFIG_MISSING


def test_empty_firmware_dir_is_reported(tmp_path: Path, config: Path) -> None:
    (tmp_path / "empty").mkdir()

    with pytest.raises(ProvisionError) as caught:
        install(UI, "/dev/does-not-exist", config, tmp_path / "empty", pause_s=0)

    assert caught.value.fault is Fault.FIRMWARE_DIR_MISSING


def test_missing_port_is_reported(firmware: Path, config: Path) -> None:
    with pytest.raises(ProvisionError) as caught:
        install(UI, "/dev/ttyUSB-missing", config, firmware, pause_s=0)

    assert caught.value.fault is Fault.NO_PORT

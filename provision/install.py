"""Copy the firmware's Python files and config.json to a MicroPython board.

Talks to the board's raw REPL through mpremote's ``SerialTransport`` (used
as a library). Each file is written under a temporary name and its SHA-256
is computed on the board. Only a file whose hash matches the local file is
renamed into place, so a broken transfer never leaves a half-written
``main.py`` for the board to run. Files whose hash on the board already
matches are not sent again, so a second install after a config change is
quick.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import serial
from mpremote.transport import TransportError, TransportExecError
from mpremote.transport_serial import SerialTransport

from provision.errors import Fault, ProvisionError
from provision.ports import available_ports, check_port
from provision.ui import Ui

logger = logging.getLogger(__name__)

DEFAULT_FIRMWARE_DIR = Path(__file__).resolve().parent.parent / "firmware" / "micropython"

# Raw REPL entry: a busy board may need several Ctrl-C before it listens,
# and opening the port again right after closing it fails on some USB
# bridges, so attempts are spaced by a pause.
REPL_ATTEMPTS = 4
# Bytes per exec() on the board; larger chunks are faster but use more RAM
# on the board for the decoded literal.
CHUNK_BYTES = 512
SKIPPED_NAMES = {"__pycache__", ".DS_Store"}
SKIPPED_SUFFIXES = {".pyc", ".md"}


@dataclass(frozen=True)
class FileToInstall:
    source: Path | None
    data: bytes
    target: str  # absolute path on the board, e.g. "/lib/mqtt.py"

    @property
    def sha256(self) -> bytes:
        return hashlib.sha256(self.data).digest()


@dataclass(frozen=True)
class InstallResult:
    files: list[str]


def collect_files(
    firmware_dir: Path, config: Path, extra: dict[str, bytes] | None = None
) -> list[FileToInstall]:
    """Return every firmware file (recursively), then config.json and ``extra`` files."""
    firmware_dir = Path(firmware_dir)
    files = []
    if firmware_dir.is_dir():
        for path in sorted(firmware_dir.rglob("*")):
            relative = path.relative_to(firmware_dir)
            if not path.is_file() or set(relative.parts) & SKIPPED_NAMES:
                continue
            if path.suffix in SKIPPED_SUFFIXES:
                continue
            target = "/" + relative.as_posix()
            files.append(FileToInstall(path, path.read_bytes(), target))
    if not files:
        raise ProvisionError(Fault.FIRMWARE_DIR_MISSING, path=str(firmware_dir))
    if not Path(config).is_file():
        raise ProvisionError(Fault.CONFIG_MISSING, path=str(config))
    files.append(FileToInstall(Path(config), Path(config).read_bytes(), "/config.json"))
    for target, data in (extra or {}).items():
        files.append(FileToInstall(None, data, target))
    return files


class Board:
    """One raw-REPL session with a MicroPython board."""

    def __init__(
        self,
        port: str,
        attempts: int = REPL_ATTEMPTS,
        pause_s: float = 0.5,
        timeout_s: float = 3.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.port = port
        self.attempts = attempts
        self.pause_s = pause_s
        self.timeout_s = timeout_s
        self.sleep = sleep
        self.transport: Any = None

    def open(self) -> None:
        check_port(self.port)
        last_error = ""
        for attempt in range(1, self.attempts + 1):
            try:
                # Without a read timeout, mpremote blocks for ever on a
                # pseudo-terminal whose board sends nothing.
                self.transport = SerialTransport(
                    self.port, baudrate=115200, timeout=min(self.timeout_s, 2.0)
                )
            except (TransportError, serial.SerialException, OSError) as exc:
                raise ProvisionError(Fault.PORT_BUSY, port=self.port, detail=str(exc)) from exc
            try:
                self._enter_raw_repl()
                logger.info("raw_repl_entered port=%s attempt=%d", self.port, attempt)
                return
            except (TransportError, serial.SerialException, OSError) as exc:
                last_error = str(exc) or type(exc).__name__
                logger.warning(
                    "raw_repl_failed port=%s attempt=%d error=%r", self.port, attempt, last_error
                )
                self.close()
                self.sleep(self.pause_s)
        raise ProvisionError(
            Fault.REPL_NOT_ANSWERING,
            port=self.port,
            attempts=self.attempts,
            detail=last_error,
            available=available_ports(),
        )

    def _enter_raw_repl(self) -> None:
        # A program caught in a loop may miss one Ctrl-C; send a few first.
        self.transport.serial.write(b"\r\x03\x03")
        self.sleep(0.05)
        # mpremote prints what it read when entering fails; keep that out
        # of the technician's screen and in the debug log instead.
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            try:
                self.transport.enter_raw_repl(soft_reset=False, timeout_overall=self.timeout_s)
            finally:
                if captured.getvalue():
                    logger.debug("raw_repl_output text=%r", captured.getvalue()[-200:])

    def close(self) -> None:
        if self.transport is None:
            return
        with contextlib.suppress(Exception):
            if self.transport.in_raw_repl:
                self.transport.exit_raw_repl()
        with contextlib.suppress(Exception):
            self.transport.close()
        self.transport = None

    def run(self, action: str, code: str) -> bytes:
        try:
            return self.transport.exec(code)
        except TransportExecError as exc:
            detail = exc.error_output.strip().splitlines()[-1:] or [""]
            raise ProvisionError(
                Fault.REPL_COMMAND_FAILED, action=action, detail=detail[0]
            ) from exc
        except (TransportError, serial.SerialException, OSError) as exc:
            raise ProvisionError(Fault.REPL_COMMAND_FAILED, action=action, detail=str(exc)) from exc

    def make_dirs(self, target: str) -> None:
        parent = PurePosixPath(target).parent
        for depth in range(1, len(parent.parts)):
            directory = "/" + "/".join(parent.parts[1 : depth + 1])
            self.run(
                f"mkdir {directory}",
                f"import os\ntry:\n os.mkdir({directory!r})\nexcept OSError:\n pass",
            )

    def existing_hash(self, target: str) -> bytes | None:
        """Return the SHA-256 of a file already on the board, or None when there is none."""
        try:
            return bytes(self.transport.fs_hashfile(target, "sha256"))
        except OSError:
            return None
        except TransportExecError as exc:
            detail = exc.error_output.strip().splitlines()[-1:] or [""]
            raise ProvisionError(
                Fault.REPL_COMMAND_FAILED, action=f"hash {target}", detail=detail[0]
            ) from exc
        except (TransportError, serial.SerialException) as exc:
            raise ProvisionError(
                Fault.REPL_COMMAND_FAILED, action=f"hash {target}", detail=str(exc)
            ) from exc

    def write_file(self, item: FileToInstall, on_bytes: Callable[[int], None]) -> bytes:
        """Write ``item`` to a temporary name and return the board's SHA-256 of it."""
        temporary = item.target + ".new"
        self.make_dirs(item.target)
        try:
            self.transport.fs_writefile(
                temporary,
                item.data,
                chunk_size=CHUNK_BYTES,
                progress_callback=lambda done, total: on_bytes(done),
            )
            return self.transport.fs_hashfile(temporary, "sha256")
        except TransportExecError as exc:
            detail = exc.error_output.strip().splitlines()[-1:] or [""]
            raise ProvisionError(
                Fault.REPL_COMMAND_FAILED, action=f"write {item.target}", detail=detail[0]
            ) from exc
        except (TransportError, serial.SerialException, OSError) as exc:
            raise ProvisionError(
                Fault.REPL_COMMAND_FAILED, action=f"write {item.target}", detail=str(exc)
            ) from exc

    def commit_file(self, item: FileToInstall) -> None:
        temporary = item.target + ".new"
        self.run(
            f"rename {item.target}",
            "import os\n"
            f"try:\n os.remove({item.target!r})\nexcept OSError:\n pass\n"
            f"os.rename({temporary!r}, {item.target!r})",
        )

    def discard_file(self, item: FileToInstall) -> None:
        with contextlib.suppress(ProvisionError):
            self.run(
                f"remove {item.target}.new",
                f"import os\ntry:\n os.remove({item.target + '.new'!r})\nexcept OSError:\n pass",
            )

    def reset(self) -> None:
        """Start the new firmware with a hard reset; the board sends no reply afterwards."""
        with contextlib.suppress(Exception):
            self.transport.exec_raw_no_follow("import machine\nmachine.reset()")


def install(
    ui: Ui,
    port: str,
    config: Path,
    firmware_dir: Path = DEFAULT_FIRMWARE_DIR,
    extra: dict[str, bytes] | None = None,
    pause_s: float = 0.5,
    reset: bool = True,
    attempts: int = REPL_ATTEMPTS,
    timeout_s: float = 3.0,
) -> InstallResult:
    """Copy and verify every file, then reset the board; raise ProvisionError on a fault."""
    files = collect_files(firmware_dir, config, extra)
    board = Board(port, attempts=attempts, pause_s=pause_s, timeout_s=timeout_s)
    with ui.bar("step.repl", None, port=port):
        board.open()
    try:
        total = sum(len(item.data) for item in files)
        done_before = 0
        with ui.bar("step.copy_files", total, in_bytes=True, count=len(files)) as update:
            for item in files:

                def on_bytes(sent: int, base: int = done_before) -> None:
                    update(base + sent)

                _install_one(board, item, on_bytes)
                done_before += len(item.data)
                update(done_before)
        if reset:
            board.reset()
    finally:
        board.close()
        # A USB bridge reopened too soon after closing may miss the first bytes.
        time.sleep(pause_s)
    ui.say("step.install_done", count=len(files))
    logger.info("install_done port=%s files=%d", port, len(files))
    return InstallResult(files=[item.target for item in files])


def _install_one(board: Board, item: FileToInstall, on_bytes: Callable[[int], None]) -> None:
    if board.existing_hash(item.target) == item.sha256:
        logger.debug("file_unchanged target=%s", item.target)
        return
    # One retry: a single flipped byte on a noisy cable should not stop the job.
    for attempt in (1, 2):
        device_hash = board.write_file(item, on_bytes)
        if device_hash == item.sha256:
            board.commit_file(item)
            logger.debug("file_installed target=%s bytes=%d", item.target, len(item.data))
            return
        board.discard_file(item)
        logger.warning(
            "file_hash_mismatch target=%s attempt=%d device=%s expected=%s",
            item.target,
            attempt,
            device_hash.hex(),
            item.sha256.hex(),
        )
    raise ProvisionError(
        Fault.TRANSFER_CORRUPTED,
        name=item.target,
        device_hash=device_hash.hex()[:16],
        file_hash=item.sha256.hex()[:16],
    )

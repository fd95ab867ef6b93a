"""Write a MicroPython image to an ESP32-family board with esptool's Python API.

The order of work keeps a wrong image off the board. First the image's hash
and header are checked, then the tool connects, detects the chip and
compares it with the image header. Only then does it erase, write at the
chip's bootloader offset (0x1000 on the ESP32, 0x0 on the S3 and C3) and
compare the flash MD5 with the file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import serial
from esp_pylib.logger import EspLog
from esptool.cmds import attach_flash, detect_chip, erase_flash, reset_chip, run_stub, write_flash
from esptool.logger import TemplateLogger
from esptool.logger import log as esptool_log
from esptool.util import FatalError

from provision.errors import Fault, ProvisionError
from provision.images import CHIP_NAMES, DEFAULT_IMAGES_LIST, check_image
from provision.ports import available_ports, check_port
from provision.ui import Ui

logger = logging.getLogger(__name__)

# A board in download mode replies to the first sync. More attempts only
# delay the message that asks the technician to press BOOT.
CONNECT_ATTEMPTS = 3
ROM_BAUD = 115200
# Four times the ROM's rate, so writing takes about a quarter of the time.
# esptool 5.6's CLI stays at 115200 unless told otherwise; the CP2102 and
# CH340 bridges of common DevKits handle 460800. Poor cables need --baud 115200.
DEFAULT_WRITE_BAUD = 460800


@dataclass(frozen=True)
class FlashResult:
    chip: str
    offset: int
    sha256: str
    size: int


class _EsptoolToLogging(TemplateLogger):
    """Sends esptool's console output to ``logging`` and its progress to a callback."""

    def __init__(self) -> None:
        self.on_progress: Callable[[int, int], None] | None = None

    def print(self, *args: Any, **kwargs: Any) -> None:
        text = " ".join(str(arg) for arg in args).strip()
        if text:
            logger.debug("esptool message=%r", text)

    def note(self, message: str) -> None:
        logger.debug("esptool note=%r", message)

    def warning(self, message: str) -> None:
        logger.debug("esptool warning=%r", message)

    def error(self, message: str) -> None:
        logger.debug("esptool error=%r", message)

    def stage(self, finish: bool = False) -> None:
        pass

    def progress_bar(
        self,
        cur_iter: int,
        total_iters: int,
        prefix: str = "",
        suffix: str = "",
        bar_length: int = 30,
    ) -> None:
        if self.on_progress is not None:
            self.on_progress(cur_iter, total_iters)

    def set_verbosity(self, verbosity: str) -> None:
        pass


@contextmanager
def _quiet_esptool() -> Iterator[_EsptoolToLogging]:
    previous = EspLog.instance
    sink = _EsptoolToLogging()
    esptool_log.set_logger(sink)
    try:
        yield sink
    finally:
        EspLog.instance = previous


def flash(
    ui: Ui,
    port: str,
    image: Path,
    images_list: Path = DEFAULT_IMAGES_LIST,
    no_reset: bool = False,
    baud: int = DEFAULT_WRITE_BAUD,
) -> FlashResult:
    """Check, erase, write and verify; raise ProvisionError naming the fault.

    ``baud`` is the rate used after the stub flasher starts; the ROM
    bootloader always syncs at 115200.
    """
    checked = check_image(image, images_list)
    check_port(port)
    with _quiet_esptool() as sink:
        esp = _connect(ui, port, no_reset, baud)
        try:
            board = esp.CHIP_NAME
            ui.say("step.detected", chip=board)
            if esp.IMAGE_CHIP_ID != checked.chip_id:
                raise ProvisionError(
                    Fault.CHIP_MISMATCH,
                    board=board,
                    image=checked.path.name,
                    image_chip=CHIP_NAMES.get(checked.chip_id, str(checked.chip_id)),
                )
            offset = esp.BOOTLOADER_FLASH_OFFSET
            _write(ui, sink, esp, checked.data, offset)
            if no_reset:
                ui.say("step.press_reset")
            else:
                reset_chip(esp, "hard-reset")
        finally:
            _close(esp)
    ui.say("step.flash_done", image=checked.path.name, offset=offset, sha256=checked.sha256[:16])
    logger.info(
        "flash_done port=%s chip=%s offset=0x%x sha256=%s", port, board, offset, checked.sha256
    )
    return FlashResult(chip=board, offset=offset, sha256=checked.sha256, size=len(checked.data))


def _connect(ui: Ui, port: str, no_reset: bool, baud: int) -> Any:
    mode = "no-reset" if no_reset else "default-reset"
    with ui.bar("step.connect", None, port=port):
        try:
            esp = detect_chip(port, ROM_BAUD, connect_mode=mode, connect_attempts=CONNECT_ATTEMPTS)
        except serial.SerialException as exc:
            raise ProvisionError(Fault.PORT_BUSY, port=port, detail=str(exc)) from exc
        except (FatalError, OSError) as exc:
            raise ProvisionError(
                Fault.NOT_IN_DOWNLOAD_MODE,
                port=port,
                detail=_first_line(exc),
                available=available_ports(),
            ) from exc
        try:
            esp = run_stub(esp)
            if baud != ROM_BAUD:
                esp.change_baud(baud)
            return esp
        except (FatalError, OSError, serial.SerialException) as exc:
            _close(esp)
            raise ProvisionError(
                Fault.NOT_IN_DOWNLOAD_MODE,
                port=port,
                detail=_first_line(exc),
                available=available_ports(),
            ) from exc


def _write(ui: Ui, sink: _EsptoolToLogging, esp: Any, data: bytes, offset: int) -> None:
    try:
        attach_flash(esp)
        with ui.bar("step.erase", None):
            erase_flash(esp)
        with ui.bar("step.write", len(data), in_bytes=True) as update:
            sink.on_progress = lambda done, total: update(done * len(data) // max(total, 1))
            write_flash(esp, [(offset, data)])
            sink.on_progress = None
        with ui.bar("step.verify_flash", None):
            device_md5 = esp.flash_md5sum(offset, len(data))
    except (FatalError, OSError, serial.SerialException) as exc:
        raise ProvisionError(Fault.FLASH_WRITE_FAILED, detail=_first_line(exc)) from exc
    file_md5 = hashlib.md5(data).hexdigest()
    if isinstance(device_md5, bytes):
        device_md5 = device_md5.hex()
    if device_md5 != file_md5:
        raise ProvisionError(Fault.FLASH_VERIFY_FAILED, device_md5=device_md5, file_md5=file_md5)


def _close(esp: Any) -> None:
    try:
        esp._port.close()  # esptool 5.6 has no public close; the CLI does the same.
    except (OSError, AttributeError):
        pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]

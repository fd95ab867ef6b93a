"""Field faults the technician tool reports, each with a message key and its values."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Fault(StrEnum):
    """Kind of field fault. Its value is the message key in ``provision.i18n``."""

    NO_PORT = "no_port"
    PORT_BUSY = "port_busy"
    NOT_IN_DOWNLOAD_MODE = "not_in_download_mode"
    IMAGE_MISSING = "image_missing"
    IMAGE_UNKNOWN = "image_unknown"
    IMAGE_INVALID = "image_invalid"
    IMAGE_LIST_MISMATCH = "image_list_mismatch"
    CHIP_MISMATCH = "chip_mismatch"
    FLASH_WRITE_FAILED = "flash_write_failed"
    FLASH_VERIFY_FAILED = "flash_verify_failed"
    REPL_NOT_ANSWERING = "repl_not_answering"
    REPL_COMMAND_FAILED = "repl_command_failed"
    TRANSFER_CORRUPTED = "transfer_corrupted"
    FIRMWARE_DIR_MISSING = "firmware_dir_missing"
    CONFIG_MISSING = "config_missing"
    DISPATCH_UNREACHABLE = "dispatch_unreachable"
    LOGIN_FAILED = "login_failed"
    NOT_ALLOWED = "not_allowed"
    TEST_INCIDENTS_FORBIDDEN = "test_incidents_forbidden"
    DEVICE_EXISTS = "device_exists"
    REQUEST_REJECTED = "request_rejected"
    INVALID_DEVICE_ID = "invalid_device_id"
    MISSING_OPTION = "missing_option"
    DEVICE_OFFLINE = "device_offline"
    NO_TEST_ALERT = "no_test_alert"
    INTERRUPTED = "interrupted"


class ProvisionError(Exception):
    """A fault the technician can act on; the CLI prints its message and next step."""

    def __init__(self, fault: Fault, **params: Any) -> None:
        self.fault = fault
        self.params = params
        super().__init__(f"{fault.value}: {params}")

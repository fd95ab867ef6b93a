"""Serial ports: check that a port exists before a tool tries to open it."""

from __future__ import annotations

import os

from serial.tools import list_ports

from provision.errors import Fault, ProvisionError


def available_ports() -> str:
    """Return the serial ports present, comma-separated, or '-' when there are none."""
    names = sorted(port.device for port in list_ports.comports())
    return ", ".join(names) or "-"


def check_port(port: str) -> None:
    """Raise ProvisionError(NO_PORT) for a device path that does not exist.

    pyserial URLs (``socket://``, ``rfc2217://``) are passed through: only
    opening them shows whether a board replies.
    """
    if "://" in port:
        return
    if not os.path.exists(port):
        raise ProvisionError(Fault.NO_PORT, port=port, available=available_ports())

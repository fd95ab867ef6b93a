"""The device's ``config.json``: WiFi, broker, credentials, pins and timings.

The firmware reads this file at boot (``firmware/micropython/``; its schema
is described in docs/firmware.md). It contains the WiFi and broker
passwords, so only its owner may read it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

# Version of the file's layout that firmware/micropython/ampera/config.py reads.
SCHEMA = 1
CA_TARGET = "ca.crt"


def build_config(
    device_id: str,
    wifi_ssid: str,
    wifi_password: str,
    mqtt_url: str,
    mqtt_username: str,
    mqtt_password: str,
    ca_file: Path | None = None,
    pins: dict[str, int] | None = None,
    timings: dict[str, int] | None = None,
    test_at_boot: bool = False,
) -> dict[str, Any]:
    """Return the config.json content; ``ca_file`` is copied to the board as ``ca.crt``.

    ``pins`` and ``timings`` hold only what the technician overrides: the
    firmware fills in its own defaults (the reference pin map and gesture
    timings in firmware/micropython/ampera/config.py) and rejects unknown
    keys, so the two lists cannot drift apart here.
    """
    return {
        "schema": SCHEMA,
        "device_id": device_id,
        "wifi": {"ssid": wifi_ssid, "password": wifi_password},
        "mqtt": {
            "url": mqtt_url,
            "username": mqtt_username,
            "password": mqtt_password,
            "ca": CA_TARGET if ca_file is not None else None,
        },
        "pins": dict(pins or {}),
        "timings": dict(timings or {}),
        "test_at_boot": test_at_boot,
    }


def write_config(path: Path, config: dict[str, Any]) -> Path:
    """Write the file with mode 0600, because it contains passwords."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle, indent=2)
        handle.write("\n")
    return path


def parse_assignments(items: list[str] | None, option: str) -> dict[str, int]:
    """Parse ``name=integer`` pairs from repeated command-line options."""
    result = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name or not value.strip().lstrip("-").isdigit():
            raise ValueError(f"{option} expects name=integer, got {item!r}")
        result[name.strip()] = int(value)
    return result

"""Register a device with the dispatch API and write its config.json."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from protocol.topics import is_valid_device_id
from provision.device_config import build_config, write_config
from provision.dispatch_client import DispatchClient
from provision.errors import Fault, ProvisionError
from provision.ui import Ui

logger = logging.getLogger(__name__)


@dataclass
class RegisterOptions:
    device_id: str
    wifi_ssid: str
    wifi_password: str
    mqtt_url: str
    out: Path
    label: str | None = None
    lat: float | None = None
    lon: float | None = None
    kind: str = "button"
    ca_file: Path | None = None
    pins: dict[str, int] = field(default_factory=dict)
    timings: dict[str, int] = field(default_factory=dict)
    test_at_boot: bool = False


def check_device_id(device_id: str) -> None:
    if not is_valid_device_id(device_id):
        raise ProvisionError(Fault.INVALID_DEVICE_ID, device_id=device_id)


def check_mqtt_url(url: str, ca_file: Path | None) -> None:
    """Accept what the firmware accepts: mqtt:// or mqtts:// with a CA file, no credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname or "@" in parts.netloc:
        raise ProvisionError(
            Fault.REQUEST_REJECTED,
            status="-",
            detail=f"--mqtt-url {url!r}: expected mqtt://host:port or mqtts://host:port",
        )
    if parts.scheme == "mqtts" and ca_file is None:
        raise ProvisionError(Fault.MISSING_OPTION, option="--ca-file")


def register(ui: Ui, client: DispatchClient, options: RegisterOptions) -> Path:
    """Create the device in the API and write config.json with the credentials it returns once."""
    check_device_id(options.device_id)
    check_mqtt_url(options.mqtt_url, options.ca_file)
    body = {"device_id": options.device_id, "kind": options.kind}
    for name in ("label", "lat", "lon"):
        value = getattr(options, name)
        if value is not None:
            body[name] = value
    with ui.bar("step.register", None, device_id=options.device_id):
        created = client.register_device(body)
    credentials = created["mqtt"]
    config = build_config(
        device_id=options.device_id,
        wifi_ssid=options.wifi_ssid,
        wifi_password=options.wifi_password,
        mqtt_url=options.mqtt_url,
        mqtt_username=credentials["username"],
        mqtt_password=credentials["password"],
        ca_file=options.ca_file,
        pins=options.pins,
        timings=options.timings,
        test_at_boot=options.test_at_boot,
    )
    path = write_config(options.out, config)
    ui.say("step.register_done", device_id=options.device_id, path=str(path))
    logger.info("device_registered device_id=%s config=%s", options.device_id, path)
    return path

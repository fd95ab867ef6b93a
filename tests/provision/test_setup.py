"""A blank simulated board through ``ampera-provision setup`` to a verified test alert.

Everything but the board is real: Mosquitto with the secure configuration
(dynamic-security accounts, ACLs), the dispatch API creating the device's
broker account, the gateway forwarding the test alert, and esptool and
mpremote talking to the simulated board. After ``install`` resets the
board, a stand-in for the firmware reads the ``config.json`` that landed in
the board's file system and connects with the credentials in it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from esp32_mock_bootloader import mock_bootloader

from simulator.connection import parse_broker_url
from simulator.device import SimDevice
from tests.provision.conftest import Images, Services
from tests.support.dispatch import DEFAULT_PASSWORD
from tests.support.provision import PtyBoard

REPO = Path(__file__).resolve().parents[2]
FIRMWARE_DIR = REPO / "firmware" / "micropython"


@dataclass
class Site:
    """The shared services plus this test's blank board and its device id."""

    services: Services
    board: PtyBoard
    device_id: str
    devices: list[SimDevice]


@pytest.fixture
def site(
    services: Services,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Site]:
    monkeypatch.setenv("ESP32_MOCK_BOOTLOADER_STATE_DIR", str(tmp_path / "mock-state"))
    # The services are shared by the module, so each test registers its own id.
    device_id = "btn-setup-" + hashlib.sha1(request.node.name.encode()).hexdigest()[:8]
    bootloader = mock_bootloader(chip="esp32")
    devices: list[SimDevice] = []
    board_root = tmp_path / "board-fs"

    def run_firmware() -> None:
        # Stands in for main.py after the reset: the board joins the broker
        # with the credentials and CA file from its own file system.
        config = json.loads((board_root / "config.json").read_text())
        ca = board_root / config["mqtt"]["ca"] if config["mqtt"]["ca"] else None
        url = parse_broker_url(config["mqtt"]["url"], ca_file=str(ca) if ca else None)
        device = SimDevice(config["device_id"], "button", url, password=config["mqtt"]["password"])
        devices.append(device)
        device.connect(timeout_s=15)
        if config["test_at_boot"]:
            device.test()

    board = PtyBoard(board_root, bootloader_port=bootloader.port(), on_reset=run_firmware)
    try:
        yield Site(services, board, device_id, devices)
    finally:
        for device in devices:
            device.close()
        board.close()
        bootloader.stop()


def setup_command(site: Site, images: Images, tmp_path: Path, *extra: str) -> list[str]:
    broker = site.services.broker
    return [
        str(Path(sys.executable).parent / "ampera-provision"),
        "--lang",
        "en",
        "setup",
        "--port",
        site.board.port,
        "--image",
        str(images.path("ESP32")),
        "--images-list",
        str(images.listing),
        "--no-reset",
        "--dispatch-url",
        site.services.dispatch.url,
        "--username",
        "teknisi-1",
        "--device-id",
        site.device_id,
        "--label",
        "Pasar 16 Ilir, pintu 2",
        "--lat",
        "-2.9761",
        "--lon",
        "104.7754",
        "--wifi-ssid",
        "Warung-Bu-Sri",
        "--mqtt-url",
        f"mqtts://127.0.0.1:{broker.tls_port}",
        "--ca-file",
        str(broker.ca_file),
        "--firmware-dir",
        str(FIRMWARE_DIR),
        "--repl-pause-s",
        "0.1",
        "--repl-timeout-s",
        "0.5",
        "--timeout-s",
        "40",
        "--poll-s",
        "0.3",
        "--state-dir",
        str(tmp_path / "provision"),
        "--test-at-boot",
        *extra,
    ]


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "AMPERA_PROVISION_PASSWORD": DEFAULT_PASSWORD,
        "AMPERA_WIFI_PASSWORD": "wifi-rahasia",
    }
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.slow
def test_blank_board_to_verified_test_alert(site: Site, images: Images, tmp_path: Path) -> None:
    result = run(setup_command(site, images, tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASS:" in result.stdout
    assert f"Done: {site.device_id} is installed and verified." in result.stdout
    assert site.board.bootloader_sessions >= 1
    root = site.board.device.root
    for path in FIRMWARE_DIR.rglob("*.py"):
        installed = root / path.relative_to(FIRMWARE_DIR)
        assert installed.read_bytes() == path.read_bytes(), installed
    config = json.loads((root / "config.json").read_text())
    assert config["device_id"] == site.device_id
    assert config["mqtt"]["username"] == site.device_id
    assert (root / "ca.crt").read_bytes() == site.services.broker.ca_file.read_bytes()
    dispatch = site.services.dispatch
    with dispatch.client(dispatch.token_for("operator")) as client:
        items = client.get("/v1/incidents", params={"test": "true"}).json()["items"]
        device = client.get(f"/v1/devices/{site.device_id}").json()
    assert [item["device_id"] for item in items if item["device_id"] == site.device_id] == [
        site.device_id
    ]
    assert device["online"] is True
    state = json.loads((tmp_path / "provision" / site.device_id / "state.json").read_text())
    assert list(state["completed"]) == ["flash", "register", "install", "verify"]


@pytest.mark.slow
def test_setup_resumes_after_install_failure(site: Site, images: Images, tmp_path: Path) -> None:
    site.board.device.dead = True
    first = run(setup_command(site, images, tmp_path))

    assert first.returncode == 1
    assert "did not answer the MicroPython REPL" in first.stderr
    state_file = tmp_path / "provision" / site.device_id / "state.json"
    assert list(json.loads(state_file.read_text())["completed"]) == ["flash", "register"]

    site.board.device.dead = False
    second = run(setup_command(site, images, tmp_path))

    # Registering again would be refused: the device exists. Resuming skips it.
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Step register already done, skipped." in second.stdout
    assert "PASS:" in second.stdout


def test_written_config_passes_firmware_validation(tmp_path: Path) -> None:
    from provision.device_config import build_config

    spec = importlib.util.spec_from_file_location(
        "ampera_firmware_config", FIRMWARE_DIR / "ampera" / "config.py"
    )
    assert spec is not None and spec.loader is not None
    firmware_config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(firmware_config)
    written = build_config(
        "btn-ilir-timur-0007",
        "Warung-Bu-Sri",
        "wifi-rahasia",
        "mqtts://broker.example:8883",
        "btn-ilir-timur-0007",
        "pw",
        ca_file=tmp_path / "ca.crt",
        pins={"button": 14},
        timings={"hold_min_ms": 2500},
        test_at_boot=True,
    )

    checked = firmware_config.validate(json.loads(json.dumps(written)))

    assert checked["pins"]["button"] == 14
    assert checked["timings"]["hold_min_ms"] == 2500
    assert checked["mqtt"]["tls"] is True
    assert checked["test_at_boot"] is True

"""config.json validation: defaults, and errors that name the field and value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ampera import config

from tests.firmware.fakes import make_config


def test_valid_config_fills_defaults():
    cfg = config.validate(make_config())
    assert cfg["mqtt"]["username"] == "btn-test-0001"
    assert (cfg["mqtt"]["host"], cfg["mqtt"]["port"], cfg["mqtt"]["tls"]) == (
        "127.0.0.1",
        1883,
        False,
    )
    assert cfg["timings"]["hold_min_ms"] == 3000
    assert cfg["queue_max"] == 32
    assert cfg["power"] == "mains"


def test_mqtts_url_with_default_port():
    raw = make_config(mqtt={"url": "mqtts://broker.polresta.example", "ca": "ca.pem"})
    cfg = config.validate(raw)
    assert (cfg["mqtt"]["port"], cfg["mqtt"]["tls"]) == (8883, True)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"device_id": "Btn_1"}, "device_id"),
        ({"device_id": "-ab"}, "device_id"),
        ({"device_id": None}, "device_id"),
        ({"wifi": {"password": "x"}}, "wifi.ssid"),
        ({"wifi": {"ssid": "x", "channel": 6}}, "wifi.channel"),
        ({"mqtt": {"url": "http://x"}}, "mqtt.url"),
        ({"mqtt": {"url": "mqtt://x:99999"}}, "mqtt.url"),
        ({"mqtt": {"url": "mqtt://user:pw@x"}}, "mqtt.url"),
        ({"mqtt": {"url": "mqtts://x"}}, "mqtt.ca"),
        ({"mqtt": {"url": "mqtt://x", "keepalive_s": 5}}, "mqtt.keepalive_s"),
        ({"pins": {"button": 4, "cancel": 4}}, "pins"),
        ({"pins": {"button": "4"}}, "pins.button"),
        ({"timings": {"hold_min_ms": 50}}, "timings.hold_min_ms"),
        ({"timings": {"press_min_ms": 1500, "hold_min_ms": 1000}}, "timings.press_min_ms"),
        ({"timings": {"cancel_hold_ms": 9000}}, "timings.cancel_hold_ms"),
        ({"timings": {"debounce_ms": True}}, "timings.debounce_ms"),
        ({"timings": {"hold_ms": 3000}}, "timings.hold_ms"),
        ({"power": "solar"}, "power"),
        ({"power": "battery", "battery": None, "pins": {"button": 4}}, "power"),
        ({"buzzer_mode": "loud"}, "buzzer_mode"),
        ({"queue_max": 0}, "queue_max"),
        ({"schema": 2}, "schema"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_config_names_the_field(overrides, field):
    with pytest.raises(config.ConfigError) as caught:
        config.validate(make_config(**overrides))
    assert caught.value.field == field
    assert field in str(caught.value)


def test_password_errors_do_not_show_the_value():
    raw = make_config(wifi={"ssid": "x", "password": 12345678})
    with pytest.raises(config.ConfigError) as caught:
        config.validate(raw)
    assert caught.value.field == "wifi.password"
    assert "12345678" not in str(caught.value)
    assert "got int" in str(caught.value)


def test_missing_file_says_how_to_fix(tmp_path: Path):
    with pytest.raises(config.ConfigError) as caught:
        config.load(str(tmp_path / "config.json"))
    assert "missing" in str(caught.value)
    assert "ampera-provision" in str(caught.value)


def test_file_that_is_not_json(tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text("{device_id: btn}")
    with pytest.raises(config.ConfigError, match="not valid JSON"):
        config.load(str(path))


def test_load_reads_the_file(tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(make_config()))
    assert config.load(str(path))["device_id"] == "btn-test-0001"


def test_config_written_by_technician_tool_is_valid(tmp_path: Path):
    from provision.device_config import build_config, write_config

    raw = build_config(
        device_id="btn-ilir-timur-0007",
        wifi_ssid="polsek-it1",
        wifi_password="rahasia-wifi",
        mqtt_url="mqtts://broker.polresta.example:8883",
        mqtt_username="btn-ilir-timur-0007",
        mqtt_password="rahasia-mqtt",
        ca_file=tmp_path / "ca.pem",
    )
    path = write_config(tmp_path / "config.json", raw)
    cfg = config.load(str(path))
    assert cfg["device_id"] == "btn-ilir-timur-0007"
    assert cfg["mqtt"]["tls"] is True
    assert cfg["mqtt"]["ca"] == "ca.crt"

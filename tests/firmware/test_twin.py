"""The device twin (the firmware's modules under CPython) against a real Mosquitto."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker.server import MosquittoProcess
from protocol import topics
from protocol.events import parse_event
from simulator.twin import Twin, twin_config
from tests.support.gateway import MqttProbe, wait_until

FAST = {"timings": {"backoff_min_ms": 200, "backoff_max_ms": 1000}}


def device_id() -> str:
    return f"btn-twin-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def probe(mosquitto: MosquittoProcess) -> Iterator[MqttProbe]:
    client = MqttProbe(mosquitto.url)
    client.subscribe(topics.PREFIX + "/#")
    yield client
    client.close()


def events_of(probe: MqttProbe, device: str) -> list[bytes]:
    topic = topics.device_topic(device, topics.EVENT)
    with probe._lock:
        return [json.dumps(body).encode() for name, body, _ in probe.messages if name == topic]


def status_of(probe: MqttProbe, device: str) -> list[tuple[dict, bool]]:
    topic = topics.device_topic(device, topics.STATUS)
    with probe._lock:
        return [(body, retained) for name, body, retained in probe.messages if name == topic]


def test_twin_config_takes_credentials_from_url():
    cfg = twin_config("btn-twin-0001", "mqtt://dev:s%40cret@127.0.0.1:1999")
    assert (cfg["mqtt"]["username"], cfg["mqtt"]["password"]) == ("dev", "s@cret")
    assert (cfg["mqtt"]["host"], cfg["mqtt"]["port"]) == ("127.0.0.1", 1999)
    with pytest.raises(ValueError, match="invalid MQTT URL"):
        twin_config("btn-twin-0001", "http://127.0.0.1")


def test_twin_press_publishes_contract_event_and_status(mosquitto, probe, tmp_path: Path):
    device = device_id()
    twin = Twin(device, mosquitto.url, tmp_path / "twin", FAST).start()
    try:
        twin.wait_for(lambda: twin.link_state == "up", what="link up")
        twin.press()
        wait_until(lambda: events_of(probe, device), 10, "event from the twin")
        event = parse_event(events_of(probe, device)[0])
        assert (event.type, event.source, event.seq) == ("press", "button", 0)
        assert event.ts is not None
        assert status_of(probe, device)[0][0] == {"online": True, "fw": "0.1.0"}
        twin.wait_for(lambda: twin.queued == 0, what="queue drained")
    finally:
        twin.stop()
    # The socket closed without DISCONNECT: the broker publishes the last will.
    wait_until(lambda: status_of(probe, device)[-1][0] == {"online": False}, 10, "last will")


def test_twin_keeps_presses_while_broker_down(mosquitto, probe, tmp_path: Path):
    device = device_id()
    twin = Twin(device, mosquitto.url, tmp_path / "twin", FAST).start()
    try:
        twin.wait_for(lambda: twin.link_state == "up", what="link up")
        mosquitto.stop()
        twin.press()
        twin.wait_for(lambda: twin.queued == 1 and twin.link_state != "up", what="queued offline")
        twin.wait_for_led("queued_offline")
        mosquitto.start()
        twin.wait_for(lambda: twin.queued == 0, timeout_s=20, what="queue drained")
    finally:
        twin.stop()
    # The probe lost its subscription in the broker restart; the drained
    # queue shows that the broker acknowledged the event with a PUBACK.
    assert twin.app.outbox.seq == 1


def test_twin_queue_survives_restart(tmp_path: Path, mosquitto, probe):
    device = device_id()
    mosquitto.stop()
    first = Twin(device, mosquitto.url, tmp_path / "twin", FAST)
    first.press()
    first.run_for(0.5)
    assert first.queued == 1
    first.stop()
    mosquitto.start()
    probe_after = MqttProbe(mosquitto.url)
    probe_after.subscribe(topics.PREFIX + "/#")
    second = Twin(device, mosquitto.url, tmp_path / "twin", FAST).start()
    try:
        wait_until(lambda: events_of(probe_after, device), 15, "queued event after restart")
        assert parse_event(events_of(probe_after, device)[0]).seq == 0
    finally:
        second.stop()
        probe_after.close()


def test_twin_graceful_stop_publishes_offline(mosquitto, probe, tmp_path: Path):
    device = device_id()
    twin = Twin(device, mosquitto.url, tmp_path / "twin", FAST).start()
    twin.wait_for(lambda: twin.link_state == "up", what="link up")
    twin.stop(graceful=True)
    wait_until(lambda: status_of(probe, device)[-1][0] == {"online": False}, 10, "offline status")
    # A clean DISCONNECT, so the offline status came from the twin, not the will.
    log = mosquitto.data_dir / "mosquitto.log"
    wait_until(lambda: f"Client {device} " in log.read_text().split("as " + device)[-1], 10, "log")
    assert f"Client {device} disconnected." in log.read_text()

"""The firmware twin behind the simulator's device interface, against a real Mosquitto."""

import pytest

from protocol import topics
from protocol.events import parse_event
from simulator.connection import parse_broker_url
from simulator.plan import Step
from simulator.runner import Fleet, play
from simulator.twin_device import TwinDevice, twin_url


def test_twin_url_uses_device_account():
    broker = parse_broker_url("mqtts://127.0.0.1:8883", ca_file="/tmp/ca.crt")

    assert twin_url(broker, "secret", "btn-0001") == "mqtts://btn-0001:secret@127.0.0.1:8883"


def test_twin_url_keeps_url_account():
    broker = parse_broker_url("mqtt://shared:pw@127.0.0.1:1883")

    assert twin_url(broker, None, "btn-0001") == "mqtt://shared:pw@127.0.0.1:1883"


def test_twin_url_rejects_websocket():
    with pytest.raises(ValueError, match="TCP or TLS only"):
        twin_url(parse_broker_url("ws://127.0.0.1:9001"), None, "btn-0001")


def test_twin_gestures_publish_contract_events(broker_url, recorder, tmp_path):
    steps = [
        Step(0.0, "btn-twin-0001", "press"),
        Step(0.3, "btn-twin-0001", "cancel", duplicate=True),
        Step(0.0, "btn-twin-0002", "hold"),
    ]
    fleet = Fleet(
        TwinDevice(device_id, broker_url, tmp_path / device_id)
        for device_id in ("btn-twin-0001", "btn-twin-0002")
    )
    fleet.connect()
    try:
        result = play(steps, fleet)
    finally:
        fleet.close()

    first = recorder.on_topic(topics.device_topic("btn-twin-0001", topics.EVENT), 2)
    second = recorder.on_topic(topics.device_topic("btn-twin-0002", topics.EVENT), 1)
    events = [parse_event(message.payload) for message in first]
    assert [event.type for event in events] == ["press", "cancel"]
    assert events[1].alert == events[0].id
    assert [parse_event(message.payload).type for message in second] == ["hold"]
    assert all(event.source == "button" for event in events)
    assert result.unacknowledged == 0
    assert result.duplicates == 0

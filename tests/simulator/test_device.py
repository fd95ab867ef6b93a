import json
import socket
import time

from protocol import topics
from protocol.events import Location, parse_event
from protocol.feedback import FeedbackState, encode_feedback
from simulator.device import SimDevice


def event_messages(recorder, device_id, count=1):
    return recorder.on_topic(topics.device_topic(device_id, topics.EVENT), count)


def test_press_publishes_valid_event(broker_url, recorder):
    device = SimDevice("btn-0001", "button", broker_url, bat=80)
    device.connect()
    sent = device.press()
    assert device.wait_published() == 0
    device.close()

    [message] = event_messages(recorder, "btn-0001")
    event = parse_event(message.payload)
    assert message.payload == sent.payload
    assert message.qos == 1
    assert not message.retain
    assert event.type == "press"
    assert event.source == "button"
    assert event.id == sent.event.id
    assert event.bat == 80
    assert isinstance(event.ts, int)


def test_app_events_carry_location_and_sequence(broker_url, recorder):
    loc = Location(lat=-2.976, lon=104.775, acc_m=15)
    device = SimDevice("app-0001", "app", broker_url, loc=loc, seq_start=41)
    device.connect()
    first = device.press()
    second = device.hold()
    device.wait_published()
    device.close()

    events = [parse_event(message.payload) for message in event_messages(recorder, "app-0001", 2)]
    assert [event.seq for event in events] == [41, 42]
    assert [event.id for event in events] == [first.event.id, second.event.id]
    assert events[0].loc == loc
    assert events[1].type == "hold"


def test_resend_reuses_bytes_and_id(broker_url, recorder):
    device = SimDevice("btn-0002", "button", broker_url)
    device.connect()
    sent = device.press()
    retry = device.resend(sent)
    device.wait_published()
    device.close()

    messages = event_messages(recorder, "btn-0002", 2)
    assert len(messages) == 2
    assert messages[0].payload == messages[1].payload
    assert retry.event.id == sent.event.id
    assert device.seq == 1


def test_cancel_names_latest_press(broker_url, recorder):
    device = SimDevice("btn-0003", "button", broker_url)
    device.connect()
    press = device.press()
    device.cancel()
    device.wait_published()
    device.close()

    cancel = parse_event(event_messages(recorder, "btn-0003", 2)[1].payload)
    assert cancel.type == "cancel"
    assert cancel.alert == press.event.id
    assert cancel.loc is None


def test_unsynced_clock_sends_null_ts(broker_url, recorder):
    device = SimDevice("btn-0004", "button", broker_url, clock=None)
    device.connect()
    device.test()
    device.wait_published()
    device.close()

    [message] = event_messages(recorder, "btn-0004")
    assert b'"ts":null' in message.payload
    assert parse_event(message.payload).ts is None


def test_status_birth_retained_then_offline(broker_url, recorder):
    device = SimDevice("btn-0005", "button", broker_url)
    device.connect()
    device.close()

    statuses = recorder.on_topic(topics.device_topic("btn-0005", topics.STATUS), 2)
    assert [json.loads(m.payload)["online"] for m in statuses] == [True, False]
    assert json.loads(statuses[0].payload)["fw"]
    assert all(m.qos == 1 for m in statuses)


def test_last_will_marks_device_offline(broker_url, recorder):
    device = SimDevice("btn-0006", "button", broker_url)
    device.connect()
    recorder.on_topic(topics.device_topic("btn-0006", topics.STATUS), 1)
    # Cut the TCP connection without a DISCONNECT, as a dead battery would.
    device.client.loop_stop()
    device.client.socket().shutdown(socket.SHUT_RDWR)

    messages = recorder.on_topic(topics.device_topic("btn-0006", topics.STATUS), 2)
    statuses = [json.loads(m.payload) for m in messages]
    assert statuses == [{"online": True, "fw": device.firmware}, {"online": False}]


def test_feedback_is_received(broker_url, recorder):
    device = SimDevice("btn-0007", "button", broker_url)
    device.connect()
    sent = device.press()
    payload = encode_feedback(sent.event.id, FeedbackState.PENDING, remaining_s=2.0)
    recorder.client.publish(topics.device_topic("btn-0007", topics.FEEDBACK), payload, qos=1)

    feedback = device.wait_feedback(lambda entry: entry.state == "pending")
    device.close()

    assert feedback is not None
    assert feedback.alert == sent.event.id
    assert feedback.body["remaining_s"] == 2.0


def test_heartbeat_payload(broker_url, recorder):
    device = SimDevice("btn-0008", "button", broker_url, bat=55)
    device.connect()
    device.heartbeat(queued=2, rssi=-70)
    messages = recorder.on_topic(topics.device_topic("btn-0008", topics.HEARTBEAT), 1)
    device.close()

    body = json.loads(messages[0].payload)
    assert body["bat"] == 55
    assert body["rssi"] == -70
    assert body["queued"] == 2
    assert body["uptime_s"] >= 0


def test_device_reconnects_after_broker_restart(mosquitto, broker_url):
    device = SimDevice("btn-0009", "button", broker_url)
    device.connect()
    first = device.press()
    device.wait_published()

    mosquitto.restart()
    # The client reconnects on its own: paho's version-2 on_disconnect must
    # not raise in the network thread.
    deadline = time.monotonic() + 15
    while device.connect_count < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    second = device.press()
    missing = device.wait_published(10)
    device.close()

    assert device.connect_count == 2
    assert missing == 0
    assert second.event.seq == first.event.seq + 1
    assert second.event.id != first.event.id

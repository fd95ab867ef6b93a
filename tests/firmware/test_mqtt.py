"""The firmware's MQTT 3.1.1 client, byte for byte against a recording transport."""

from __future__ import annotations

import pytest
from ampera.mqtt import Client, NetworkError

from tests.firmware.fakes import FakeBroker, mqtt_string, packet, split_packets


def new_client(**kwargs) -> Client:
    defaults = dict(
        client_id="btn-test-0001",
        username="btn-test-0001",
        password="pw",
        keepalive_s=60,
        will=("ampera/v1/dev/btn-test-0001/status", b'{"online":false}', 1, True),
    )
    defaults.update(kwargs)
    return Client(**defaults)


def test_connect_packet_bytes():
    broker = FakeBroker()
    client = new_client()
    assert client.connect(broker.open(), 0) is False
    body = (
        mqtt_string("MQTT")
        + bytes([4, 0b1110_1100, 0, 60])  # user, password, will retain, will QoS 1, will flag
        + mqtt_string("btn-test-0001")
        + mqtt_string("ampera/v1/dev/btn-test-0001/status")
        + mqtt_string('{"online":false}')
        + mqtt_string("btn-test-0001")
        + mqtt_string("pw")
    )
    assert b"".join(broker.wire) == packet(0x10, body)


def test_clean_session_flag_and_no_credentials():
    broker = FakeBroker()
    client = Client("dev-1", keepalive_s=30, clean_session=True)
    client.connect(broker.open(), 0)
    assert broker.connects[0] == mqtt_string("MQTT") + bytes([4, 0x02, 0, 30]) + mqtt_string(
        "dev-1"
    )


def test_refused_connect_raises_network_error():
    broker = FakeBroker()
    broker.refuse = 5
    with pytest.raises(NetworkError, match="not authorised"):
        new_client().connect(broker.open(), 0)


def test_publish_qos1_bytes_and_puback_callback():
    broker = FakeBroker()
    client = new_client()
    client.connect(broker.open(), 0)
    acked = []
    client.on_puback = acked.append
    broker.wire.clear()
    pid = client.publish("a/b", b"hi", 1, False, 10)
    assert b"".join(broker.wire) == packet(
        0x32, mqtt_string("a/b") + pid.to_bytes(2, "big") + b"hi"
    )
    assert client.poll(20) == 1
    assert acked == [pid]


def test_retained_qos0_publish_has_no_packet_id():
    broker = FakeBroker()
    client = new_client()
    client.connect(broker.open(), 0)
    broker.wire.clear()
    assert client.publish("s", b"x", 0, True, 0) is None
    assert b"".join(broker.wire) == packet(0x31, mqtt_string("s") + b"x")


def test_large_payload_uses_multibyte_length():
    broker = FakeBroker()
    client = new_client()
    client.connect(broker.open(), 0)
    client.publish("t", b"x" * 300, 0, False, 0)
    assert broker.published[-1].payload == b"x" * 300


def test_subscribe_and_incoming_qos1_message_is_acked():
    broker = FakeBroker()
    client = new_client()
    client.connect(broker.open(), 0)
    received = []
    client.on_message = lambda topic, data: received.append((topic, data))
    client.subscribe("ampera/v1/dev/btn-test-0001/feedback", 1, 0)
    client.poll(0)
    assert broker.subscribed == ["ampera/v1/dev/btn-test-0001/feedback"]
    broker.wire.clear()
    broker.send_feedback("btn-test-0001", {"alert": "a-1", "state": "confirmed"}, pid=300)
    client.poll(5)
    assert received == [
        ("ampera/v1/dev/btn-test-0001/feedback", b'{"alert": "a-1", "state": "confirmed"}')
    ]
    assert split_packets(b"".join(broker.wire)) == [(0x40, (300).to_bytes(2, "big"))]


def test_keepalive_sends_ping_after_half_the_interval():
    broker = FakeBroker()
    client = new_client(keepalive_s=60)
    client.connect(broker.open(), 0)
    client.keepalive(29_000)
    assert broker.pings == 0
    client.keepalive(30_000)
    assert broker.pings == 1
    client.poll(30_010)
    assert client.ping_sent is None


def test_missing_pingresp_fails_the_link():
    broker = FakeBroker()
    broker.answer_pings = False
    client = new_client(keepalive_s=60)
    client.connect(broker.open(), 0)
    client.keepalive(30_000)
    client.keepalive(60_000)
    with pytest.raises(NetworkError, match="PINGRESP"):
        client.keepalive(90_000)


def test_broken_socket_surfaces_as_network_error():
    broker = FakeBroker()
    client = new_client()
    client.connect(broker.open(), 0)
    broker.drop()
    with pytest.raises(NetworkError):
        client.publish("t", b"x", 1, False, 0)

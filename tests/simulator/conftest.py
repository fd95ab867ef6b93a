"""Fixtures for the simulator tests: a recording MQTT subscriber on the test broker."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import paho.mqtt.client as mqtt
import pytest

from broker.server import MosquittoProcess
from simulator.connection import BrokerUrl, new_client, parse_broker_url


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    qos: int
    retain: bool


class Recorder:
    """A subscriber that keeps every message it receives, in order."""

    def __init__(self, broker: BrokerUrl, topic_filter: str) -> None:
        self.messages: list[Received] = []
        self._changed = threading.Condition()
        self._subscribed = threading.Event()
        self.client = new_client(broker, client_id="test-recorder")
        self.client.on_connect = lambda client, *_: client.subscribe(topic_filter, qos=1)
        self.client.on_subscribe = lambda *_: self._subscribed.set()
        self.client.on_message = self._on_message
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        assert self._subscribed.wait(10), "recorder did not subscribe"

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        with self._changed:
            self.messages.append(
                Received(message.topic, message.payload, message.qos, bool(message.retain))
            )
            self._changed.notify_all()

    def on_topic(self, topic: str, count: int, timeout_s: float = 10.0) -> list[Received]:
        """Wait until ``count`` messages arrived on ``topic``; return those on it."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = [message for message in self.messages if message.topic == topic]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    def on_topic_prefix(
        self, prefix: str, suffix: str, count: int, timeout_s: float = 10.0
    ) -> list[Received]:
        """Wait for ``count`` messages on topics with this prefix and suffix; return them."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = [
                    message
                    for message in self.messages
                    if message.topic.startswith(prefix) and message.topic.endswith(suffix)
                ]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    return found
                self._changed.wait(remaining)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def broker_url(mosquitto: MosquittoProcess) -> BrokerUrl:
    return parse_broker_url(mosquitto.url)


@pytest.fixture
def recorder(broker_url: BrokerUrl) -> Iterator[Recorder]:
    recorder = Recorder(broker_url, "ampera/v1/#")
    yield recorder
    recorder.close()

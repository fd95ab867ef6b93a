"""A secure Mosquitto for tests and a small paho client that records what happens."""

from __future__ import annotations

import queue
import ssl
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

from broker.secure import SecureBroker


@pytest.fixture
def secure_broker(tmp_path: Path) -> Iterator[SecureBroker]:
    """A broker with accounts, ACLs, TLS and WebSocket on free ports; killed after the test."""
    broker = SecureBroker(tmp_path / "secure-broker")
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()


class RecordingClient:
    """A paho client (MQTT 3.1.1) that records CONNACK, SUBACK and messages.

    ``connect()`` returns the CONNACK reason code; messages land in
    ``messages``, a queue of ``(topic, payload)``.
    """

    def __init__(
        self,
        port: int,
        username: str | None = None,
        password: str | None = None,
        client_id: str | None = None,
        clean_session: bool = True,
        transport: str = "tcp",
        ca_file: Path | None = None,
    ) -> None:
        self.port = port
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"test-{uuid.uuid4().hex[:10]}",
            protocol=mqtt.MQTTv311,
            clean_session=clean_session,
            transport=transport,
        )
        if username is not None:
            self.client.username_pw_set(username, password)
        if ca_file is not None:
            self.client.tls_set(ca_certs=str(ca_file), tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.messages: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connack: Any = None
        self.disconnected = threading.Event()
        self._connected = threading.Event()
        self._subacks: dict[int, Any] = {}
        self._suback_event = threading.Condition()
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        self.connack = reason
        self.session_present = flags.session_present
        self._connected.set()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any):
        self.disconnected.set()

    def _on_subscribe(self, client: Any, userdata: Any, mid: int, reasons: Any, props: Any):
        with self._suback_event:
            self._subacks[mid] = reasons
            self._suback_event.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.messages.put((message.topic, message.payload))

    def connect(self, timeout_s: float = 5.0) -> Any:
        self._connected.clear()
        self.disconnected.clear()
        self.client.connect("127.0.0.1", self.port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(timeout_s):
            raise TimeoutError(f"no CONNACK from 127.0.0.1:{self.port}")
        return self.connack

    def subscribe(self, topic: str, qos: int = 1, timeout_s: float = 5.0) -> list[Any]:
        """Subscribe and return the SUBACK reason codes."""
        _, mid = self.client.subscribe(topic, qos)
        with self._suback_event:
            if not self._suback_event.wait_for(lambda: mid in self._subacks, timeout_s):
                raise TimeoutError(f"no SUBACK for {topic}")
            return self._subacks[mid]

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        info.wait_for_publish(5.0)

    def collect(self, wait_s: float) -> list[tuple[str, bytes]]:
        """Return every message that arrives within ``wait_s`` seconds."""
        found = []
        try:
            found.append(self.messages.get(timeout=wait_s))
            while True:
                found.append(self.messages.get(timeout=0.3))
        except queue.Empty:
            return found

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()

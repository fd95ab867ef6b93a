"""One simulated panic button or app user speaking the contract over real MQTT.

A ``SimDevice`` connects with its device id as client id and username,
leaves a retained last will ``{"online": false}``, publishes a retained
``{"online": true, "fw": ...}`` birth, listens on its feedback topic and
publishes QoS 1 events. A retry (``resend``) publishes the very same bytes
with the same event id, as a device does after a lost PUBACK.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import paho.mqtt.client as mqtt

from protocol import topics
from protocol.events import Event, Location, encode_event
from simulator.connection import BrokerUrl, new_client

log = logging.getLogger(__name__)

FIRMWARE_VERSION = "0.1.0-sim"
EVENT_QOS = 1
STATUS_QOS = 1
HEARTBEAT_QOS = 0

EventType = Literal["press", "hold", "cancel", "test"]
Source = Literal["button", "app"]


@dataclass(frozen=True)
class SentEvent:
    """An event as published: the parsed event and the exact bytes on the wire."""

    device_id: str
    event: Event
    payload: bytes
    info: mqtt.MQTTMessageInfo | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class FeedbackMessage:
    """One feedback payload received on the device's feedback topic, with local receive time."""

    alert: str | None
    state: str | None
    body: dict[str, Any]
    received_at: float


class SimDevice:
    """A simulated device over one paho-mqtt client with its own network thread.

    ``clock`` returns Unix seconds and feeds the event's ``ts`` (the device
    clock); ``None`` as ``clock`` sends ``ts: null`` like a device without
    time sync.
    """

    def __init__(
        self,
        device_id: str,
        source: Source,
        broker: BrokerUrl,
        *,
        loc: Location | None = None,
        bat: int | None = None,
        clock: Callable[[], float] | None = time.time,
        seq_start: int = 0,
        firmware: str = FIRMWARE_VERSION,
        password: str | None = None,
    ) -> None:
        if not topics.is_valid_device_id(device_id):
            raise ValueError(f"invalid device id {device_id!r}")
        self.device_id = device_id
        self.source: Source = source
        self.loc = loc
        self.bat = bat
        self.clock = clock
        self.firmware = firmware
        self.seq = seq_start
        self.sent: list[SentEvent] = []
        self.feedback: list[FeedbackMessage] = []
        self._feedback_changed = threading.Condition()
        self._connected = threading.Event()
        self._subscribed = threading.Event()
        self._connect_error: str | None = None
        self.connect_count = 0  # accepted connections, reconnects included
        self._offline: mqtt.MQTTMessageInfo | None = None
        self._boot = uuid.uuid4().hex[:8]
        self._started_at = time.monotonic()

        self.event_topic = topics.device_topic(device_id, topics.EVENT)
        self.feedback_topic = topics.device_topic(device_id, topics.FEEDBACK)
        self.status_topic = topics.device_topic(device_id, topics.STATUS)
        self.heartbeat_topic = topics.device_topic(device_id, topics.HEARTBEAT)

        # A device with its own broker account logs in as its device id, which
        # the broker's ACL pins to its own topics. Without one it uses the
        # URL's credentials (anonymous access or one shared account).
        if password is not None:
            broker = broker.with_credentials(device_id, password)
        self.client = new_client(broker, client_id=device_id)
        self.client.will_set(
            self.status_topic, json.dumps({"online": False}), qos=STATUS_QOS, retain=True
        )
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self._broker = broker

    # -- connection -------------------------------------------------------

    def connect(self, timeout_s: float = 10.0, fail_fast: bool = False) -> None:
        """Connect, subscribe to feedback and publish the retained birth; raise ConnectionError.

        With ``fail_fast`` the first refused or failed connection attempt
        raises at once instead of retrying until ``timeout_s``.
        """
        self.start()
        self.wait_ready(timeout_s, fail_fast)

    def start(self) -> None:
        """Start connecting in the client's network thread without waiting."""
        self.client.connect_async(self._broker.host, self._broker.port, keepalive=60)
        self.client.loop_start()

    def wait_ready(self, timeout_s: float, fail_fast: bool = False) -> None:
        """Wait until the feedback subscription is acknowledged; raise ConnectionError."""
        deadline = time.monotonic() + timeout_s
        while not self._subscribed.wait(0.05):
            if time.monotonic() < deadline and not (fail_fast and self._connect_error):
                continue
            self.client.loop_stop()
            problem = self._connect_error or f"no answer from the broker within {timeout_s} s"
            raise ConnectionError(
                f"device {self.device_id} could not connect to {self._broker.redacted()}: {problem}"
            )

    def close(self, timeout_s: float = 5.0) -> None:
        """Publish the retained offline status and disconnect cleanly."""
        self.announce_offline()
        self.disconnect(time.monotonic() + timeout_s)
        self.stop_network()

    def announce_offline(self) -> None:
        """Publish the retained ``{"online": false}`` status while still connected."""
        if self._connected.is_set():
            self._offline = self.client.publish(
                self.status_topic, json.dumps({"online": False}), qos=STATUS_QOS, retain=True
            )

    def disconnect(self, deadline: float) -> None:
        """Wait until ``deadline`` (monotonic seconds) for the offline status, then disconnect.

        The network thread keeps running until ``stop_network``.
        """
        if self._offline is not None and self._connected.is_set():
            try:
                self._offline.wait_for_publish(max(0.0, deadline - time.monotonic()))
            except (RuntimeError, ValueError):
                pass
            if not self._offline.is_published():
                log.info("status_not_sent device_id=%s", self.device_id)
        self.client.disconnect()

    def stop_network(self) -> None:
        """Stop the network thread; it may sleep up to a second in a reconnect wait."""
        self.client.loop_stop()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.ConnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        if reason_code.is_failure:
            self._connect_error = f"connection refused: {reason_code}"
            log.info("connect_refused device_id=%s reason=%s", self.device_id, reason_code)
            return
        self._connected.set()
        self.connect_count += 1
        # Subscribing inside on_connect subscribes again after every reconnect.
        client.subscribe(self.feedback_topic, qos=1)
        client.publish(
            self.status_topic,
            json.dumps({"online": True, "fw": self.firmware}),
            qos=STATUS_QOS,
            retain=True,
        )

    def _on_connect_fail(self, client: mqtt.Client, userdata: object) -> None:
        self._connect_error = "the connection failed (is the broker running at this address?)"

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[mqtt.ReasonCode],
        properties: object,
    ) -> None:
        if any(code.is_failure for code in reason_codes):
            self._connect_error = f"subscription to {self.feedback_topic} refused"
            return
        self._subscribed.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: mqtt.DisconnectFlags,
        reason_code: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        self._connected.clear()
        if reason_code.is_failure:
            log.info("disconnected device_id=%s reason=%s", self.device_id, reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        try:
            body = json.loads(message.payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            log.warning("feedback_invalid device_id=%s", self.device_id)
            return
        if not isinstance(body, dict):
            return
        entry = FeedbackMessage(body.get("alert"), body.get("state"), body, time.time())
        with self._feedback_changed:
            self.feedback.append(entry)
            self._feedback_changed.notify_all()

    # -- events -----------------------------------------------------------

    def build_event(self, event_type: EventType, alert: str | None = None) -> Event:
        """Return the next event with a fresh id and the next sequence number."""
        event = Event(
            v=1,
            id=f"{self._boot}-{self.seq}",
            type=event_type,
            source=self.source,
            seq=self.seq,
            ts=round(self.clock() * 1000) if self.clock is not None else None,
            loc=self.loc if event_type != "cancel" else None,
            bat=self.bat,
            alert=alert,
        )
        self.seq += 1
        return event

    def send(self, event_type: str, alert: str | None = None) -> SentEvent:
        if event_type not in ("press", "hold", "cancel", "test"):
            raise ValueError(f"unknown event type {event_type!r}")
        event = self.build_event(event_type, alert)  # type: ignore[arg-type]
        payload = encode_event(event)
        info = self.client.publish(self.event_topic, payload, qos=EVENT_QOS)
        sent = SentEvent(self.device_id, event, payload, info)
        self.sent.append(sent)
        log.debug(
            "event_sent device_id=%s event_id=%s type=%s", self.device_id, event.id, event_type
        )
        return sent

    def press(self) -> SentEvent:
        return self.send("press")

    def hold(self) -> SentEvent:
        return self.send("hold")

    def cancel(self, alert: str | None = None) -> SentEvent:
        """Cancel ``alert`` (an event id), by default the device's latest press or hold."""
        if alert is None:
            alert = self.last_alert_event_id()
        return self.send("cancel", alert)

    def last_alert_event_id(self) -> str | None:
        for sent in reversed(self.sent):
            if sent.event.type in ("press", "hold"):
                return sent.event.id
        return None

    def test(self) -> SentEvent:
        return self.send("test")

    def resend(self, sent: SentEvent) -> SentEvent:
        """Publish ``sent`` again byte for byte, as a QoS 1 retry after a lost PUBACK."""
        info = self.client.publish(self.event_topic, sent.payload, qos=EVENT_QOS)
        again = SentEvent(self.device_id, sent.event, sent.payload, info)
        self.sent.append(again)
        return again

    def heartbeat(self, queued: int = 0, rssi: int = -60) -> None:
        body = {
            "bat": self.bat if self.bat is not None else 100,
            "rssi": rssi,
            "uptime_s": int(time.monotonic() - self._started_at),
            "queued": queued,
        }
        self.client.publish(self.heartbeat_topic, json.dumps(body), qos=HEARTBEAT_QOS)

    def wait_published(self, timeout_s: float = 10.0) -> int:
        """Wait for the PUBACK of every event sent; return how many are still unacknowledged."""
        deadline = time.monotonic() + timeout_s
        missing = 0
        for sent in self.sent:
            if sent.info is None:
                continue
            remaining = max(0.0, deadline - time.monotonic())
            try:
                sent.info.wait_for_publish(remaining)
            except (RuntimeError, ValueError):
                pass
            if not sent.info.is_published():
                missing += 1
        return missing

    def wait_more_feedback(self, count: int, timeout_s: float) -> int:
        """Wait until more than ``count`` feedback messages arrived; return how many there are."""
        with self._feedback_changed:
            self._feedback_changed.wait_for(lambda: len(self.feedback) > count, timeout_s)
            return len(self.feedback)

    def wait_feedback(
        self, predicate: Callable[[FeedbackMessage], bool], timeout_s: float = 10.0
    ) -> FeedbackMessage | None:
        """Return the first feedback matching ``predicate``, waiting up to ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._feedback_changed:
            while True:
                for entry in self.feedback:
                    if predicate(entry):
                        return entry
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._feedback_changed.wait(remaining)

"""The broker connection: persistent session, subscriptions, manual acknowledgement.

paho-mqtt 2.2 runs its network loop in its own thread and holds its own
locks while it calls the callbacks here. The callbacks therefore only put
work on a queue or update the status coalescer (whose lock is never held
while calling paho); other threads call ``ack`` and ``publish`` without
holding any lock of ours, so the two lock orders can never cross.
"""

from __future__ import annotations

import json
import logging
import queue
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from gateway.config import Config, redact
from gateway.logs import RateLimitedLog, kv
from gateway.metrics import GatewayMetrics
from protocol import topics

log = logging.getLogger("gateway.mqtt")

SUBSCRIPTIONS = [
    (topics.device_wildcard(topics.EVENT), 1),
    (topics.device_wildcard(topics.HEARTBEAT), 1),
    (topics.device_wildcard(topics.STATUS), 1),
]
ONLINE = json.dumps({"online": True}).encode()
OFFLINE = json.dumps({"online": False}).encode()
KEEPALIVE_S = 30


@dataclass(frozen=True)
class InboundEvent:
    """A message from an event topic, waiting for its decision and acknowledgement.

    ``generation`` counts broker connections: a message is acknowledged only
    on the connection that delivered it, because after a reconnect the broker
    resends it and may reuse its packet id for another message.
    """

    mid: int
    qos: int
    topic: str
    payload: bytes
    retain: bool
    received_ms: int
    generation: int


class MqttAdapter:
    """Owns the paho client; events go to ``events``, status to ``on_status``."""

    def __init__(
        self,
        config: Config,
        metrics: GatewayMetrics,
        events: queue.Queue[object],
        on_status: Callable[[str, str, bytes, bool, int], None],
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.config = config
        self.metrics = metrics
        self.events = events
        self.on_status = on_status
        self.clock_ms = clock_ms
        self.generation = 0
        self.accepting = True
        self.subscribed = threading.Event()
        self.errors = RateLimitedLog(log)
        self._subscribe_mid: int | None = None
        self._ever_connected = False

        client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=config.mqtt_client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            manual_ack=True,
        )
        target = config.mqtt
        if target.username is not None:
            client.username_pw_set(target.username, target.password)
        if target.tls:
            client.tls_set(
                ca_certs=str(config.mqtt_ca_file) if config.mqtt_ca_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
        client.will_set(topics.GATEWAY_STATUS, OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.enable_logger(logging.getLogger("paho"))
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        target = self.config.mqtt
        log.info(
            kv(
                "mqtt_connecting",
                url=redact(self.config.mqtt_url),
                client_id=self.config.mqtt_client_id,
            )
        )
        # connect_async: an unreachable broker at start-up is retried by the
        # network loop instead of raising here.
        self.client.connect_async(target.host, target.port, keepalive=KEEPALIVE_S)
        self.client.loop_start()

    def stop(self, timeout_s: float = 3.0) -> None:
        """Publish the retained offline status, then disconnect without the will."""
        if self.client.is_connected():
            info = self.client.publish(topics.GATEWAY_STATUS, OFFLINE, qos=1, retain=True)
            try:
                info.wait_for_publish(timeout_s)
            except (RuntimeError, ValueError) as exc:
                log.warning(kv("offline_status_not_sent", error=str(exc)))
        self.client.disconnect()
        self.client.loop_stop()
        self.metrics.mqtt_connected.set(0)

    # -- called from other threads -----------------------------------------

    def resubscribe(self) -> None:
        """Renew the subscriptions; the broker then replays its retained messages."""
        if not self.client.is_connected():
            return  # the next CONNACK subscribes anyway
        result, mid = self.client.subscribe(SUBSCRIPTIONS)
        self._subscribe_mid = mid
        log.info(kv("mqtt_resubscribing", rc=mqtt.error_string(result)))

    def ack(self, message: InboundEvent) -> bool:
        """Acknowledge on the connection that delivered it; return False when it is gone."""
        if message.qos == 0 or message.generation != self.generation:
            return False
        self.client.ack(message.mid, message.qos)
        return True

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> None:
        # While disconnected paho queues QoS 1 messages and sends them after
        # the reconnect, so the return code is only logged.
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            self.errors.log(
                logging.WARNING,
                f"publish:{info.rc}",
                "publish_failed",
                topic=topic,
                rc=mqtt.error_string(info.rc),
            )

    # -- paho callbacks (network thread) ----------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        if reason_code.is_failure:
            self.errors.log(
                logging.ERROR,
                f"connack:{reason_code}",
                "mqtt_connect_refused",
                reason=str(reason_code),
                url=redact(self.config.mqtt_url),
            )
            return
        self.generation += 1
        self.metrics.mqtt_connects.inc()
        log.info(
            kv(
                "mqtt_reconnected" if self._ever_connected else "mqtt_connected",
                session_present=flags.session_present,
                generation=self.generation,
            )
        )
        self._ever_connected = True
        # Subscribe after every CONNACK, whatever session_present is: some
        # brokers report no session for a live one, others lose it in failover.
        result, mid = client.subscribe(SUBSCRIPTIONS)
        self._subscribe_mid = mid
        if result != mqtt.MQTT_ERR_SUCCESS:
            log.error(kv("mqtt_subscribe_failed", rc=mqtt.error_string(result)))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:  # type: ignore[no-untyped-def]
        if mid != self._subscribe_mid:
            return
        failed = [str(code) for code in reason_codes if code.is_failure]
        if failed:
            log.error(kv("mqtt_subscription_rejected", reasons=",".join(failed)))
            return
        client.publish(topics.GATEWAY_STATUS, ONLINE, qos=1, retain=True)
        self.metrics.mqtt_connected.set(1)
        self.subscribed.set()
        log.info(kv("mqtt_subscribed", topics=",".join(topic for topic, _ in SUBSCRIPTIONS)))

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:  # type: ignore[no-untyped-def]
        self.metrics.mqtt_disconnects.inc()
        self.metrics.mqtt_connected.set(0)
        self.subscribed.clear()
        if self.accepting:
            self.errors.log(
                logging.WARNING,
                f"disconnect:{reason_code}",
                "mqtt_disconnected",
                reason=str(reason_code),
                will_retry=True,
            )
        else:
            log.info(kv("mqtt_disconnected", reason=str(reason_code)))

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:  # type: ignore[no-untyped-def]
        if not self.accepting:
            return  # not acknowledged: the broker resends it to the next session
        received_ms = self.clock_ms()
        topic = message.topic
        payload = bytes(message.payload)
        if topic.endswith("/" + topics.EVENT):
            self.events.put(
                InboundEvent(
                    mid=message.mid,
                    qos=message.qos,
                    topic=topic,
                    payload=payload,
                    retain=bool(message.retain),
                    received_ms=received_ms,
                    generation=self.generation,
                )
            )
            return
        # Heartbeats and status are not durable: a lost one is replaced by the
        # next, so they are acknowledged at once.
        try:
            self.on_status(topic, topic.rsplit("/", 1)[-1], payload, message.retain, received_ms)
        finally:
            if message.qos > 0:
                client.ack(message.mid, message.qos)

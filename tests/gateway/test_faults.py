"""Crashes, outages and restarts: every alert reaches the API exactly once."""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections import Counter
from collections.abc import Callable

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from broker.server import MosquittoProcess
from protocol import topics
from tests.gateway.conftest import DispatchUnderTest
from tests.support.gateway import GatewayProcess, wait_until

pytestmark = pytest.mark.slow


def start_gateway(
    factory: Callable[..., GatewayProcess], mosquitto: MosquittoProcess, api: DispatchUnderTest
) -> GatewayProcess:
    gateway = factory(
        mqtt_url=mosquitto.url, dispatch_url=api.url, token=api.token, confirm_window_s=0.5
    )
    gateway.start()
    return gateway


def hold_payload(event_id: str) -> bytes:
    event = {"v": 1, "id": event_id, "type": "hold", "source": "button", "seq": 1, "ts": None}
    return json.dumps(event).encode()


class Publisher:
    """Pipelined QoS 1 publisher that remembers which events the broker acknowledged."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("mqtt://").rsplit(":", 1)
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"pub-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        self.client.max_inflight_messages_set(100)
        self.client.connect(host, int(port))
        self.client.loop_start()

    def holds(self, prefix: str, count: int) -> list[str]:
        """Publish one hold from each of ``count`` devices; return the device ids."""
        infos = []
        devices = [f"{prefix}-{index:05d}" for index in range(count)]
        for device in devices:
            topic = topics.device_topic(device, topics.EVENT)
            infos.append(self.client.publish(topic, hold_payload(f"h-{device}"), qos=1))
        for info in infos:
            info.wait_for_publish(60)
        return devices

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def assert_exactly_once(api: DispatchUnderTest, devices: list[str], timeout_s: float) -> None:
    wanted = set(devices)

    def delivered() -> bool:
        return wanted <= {item["device_id"] for item in api.incidents()}

    wait_until(delivered, timeout_s, f"{len(devices)} incidents")
    mine = [item for item in api.incidents() if item["device_id"] in wanted]
    per_device = Counter(item["device_id"] for item in mine)
    assert set(per_device.values()) == {1}
    press_counts = {item["press_count"] for item in mine}
    assert press_counts == {1}


def test_sigkill_before_forwarding_loses_nothing(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    gateway = start_gateway(gateway_factory, mosquitto, api)
    api.stop()
    publisher = Publisher(mosquitto.url)
    try:
        decided = publisher.holds("btn-kill-a", 30)
        gateway.wait_metric(
            "ampera_gateway_events_total", 30, type="hold", decision="confirmed_by_hold"
        )
        gateway.kill()  # decisions committed, nothing forwarded yet
        in_flight = publisher.holds("btn-kill-b", 30)
        gateway.start()
        gateway.kill()  # killed right after it started taking the second group
        api.start()
        gateway.start()

        assert_exactly_once(api, decided + in_flight, timeout_s=30)
    finally:
        publisher.close()


def test_api_outage_delays_but_loses_nothing(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    gateway = start_gateway(gateway_factory, mosquitto, api)
    publisher = Publisher(mosquitto.url)
    try:
        before = publisher.holds("btn-out-a", 10)
        assert_exactly_once(api, before, timeout_s=20)
        api.stop()
        during = publisher.holds("btn-out-b", 40)
        gateway.wait_metric("ampera_gateway_outbox_depth", 1)
        time.sleep(1.0)  # a few failed attempts with backoff
        api.start()

        assert_exactly_once(api, before + during, timeout_s=30)
        gateway.wait_metric("ampera_gateway_forward_errors_total", 1, kind="connect")
    finally:
        publisher.close()


def test_broker_restart_with_events_in_flight(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    gateway = start_gateway(gateway_factory, mosquitto, api)
    assert gateway.process is not None
    # A frozen gateway leaves the burst queued at the broker and in flight on
    # its socket, unacknowledged.
    gateway.process.send_signal(signal.SIGSTOP)
    publisher = Publisher(mosquitto.url)
    acknowledged = publisher.holds("btn-brk-a", 300)
    publisher.close()
    # Graceful stop saves the persistence file with the gateway's session
    # and whatever it has not yet acknowledged.
    mosquitto.stop()
    mosquitto.start()
    gateway.process.send_signal(signal.SIGCONT)
    gateway.wait_metric("ampera_gateway_mqtt_connects_total", 2, timeout_s=40)
    publisher = Publisher(mosquitto.url)
    try:
        after = publisher.holds("btn-brk-b", 20)
        assert_exactly_once(api, acknowledged + after, timeout_s=40)
    finally:
        publisher.close()


def test_burst_beyond_default_queue_while_down(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    # Mosquitto's default max_queued_messages is 1000; the broker config
    # raises it, and this burst is larger than the default.
    gateway = start_gateway(gateway_factory, mosquitto, api)
    assert gateway.terminate() == 0
    publisher = Publisher(mosquitto.url)
    try:
        burst = publisher.holds("btn-burst", 1500)
    finally:
        publisher.close()
    gateway.start()

    assert_exactly_once(api, burst, timeout_s=60)


def test_window_expired_while_down_forwarded_on_start(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    gateway = gateway_factory(
        mqtt_url=mosquitto.url, dispatch_url=api.url, token=api.token, confirm_window_s=1.0
    )
    gateway.start()
    publisher = Publisher(mosquitto.url)
    try:
        topic = topics.device_topic("btn-window-01", topics.EVENT)
        press = {"v": 1, "id": "p-1", "type": "press", "source": "button", "seq": 1, "ts": None}
        publisher.client.publish(topic, json.dumps(press), qos=1).wait_for_publish(10)
    finally:
        publisher.close()
    gateway.wait_metric("ampera_gateway_pending_windows", 1)
    gateway.kill()
    time.sleep(1.2)  # the window ends while the gateway is down

    gateway.start()

    item = wait_until(
        lambda: [i for i in api.incidents() if i["device_id"] == "btn-window-01"],
        what="unconfirmed incident",
    )
    assert [i["state"] for i in item] == ["unconfirmed"]

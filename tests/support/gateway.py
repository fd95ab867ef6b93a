"""Run ``ampera-gateway`` as a real subprocess, and talk to it over MQTT in tests.

Reusable by every test area that needs "a running gateway":

    from tests.support.gateway import GatewayProcess, MqttProbe, scrape_metrics

    gw = GatewayProcess(tmp_path, mqtt_url=mosquitto.url, dispatch_url=api_url,
                        token="t", confirm_window_s=0.5)
    gw.start()              # returns once /metrics reports the broker subscription
    ...
    gw.terminate()          # SIGTERM; returns the exit code

The fixture ``gateway_factory`` (import it into a conftest.py) builds such
processes and stops every one of them after the test.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from prometheus_client.parser import text_string_to_metric_families

from broker.server import free_port
from protocol import topics
from tests.support.processes import ServiceProcess


def scrape_metrics(port: int) -> dict[str, float]:
    """Return every sample on ``/metrics`` as ``name{label="v",...}`` -> value."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f'{key}="{value}"' for key, value in sorted(sample.labels.items()))
            key = f"{sample.name}{{{labels}}}" if labels else sample.name
            samples[key] = sample.value
    return samples


class GatewayProcess(ServiceProcess):
    """``ampera-gateway`` with its own state directory and metrics port."""

    def __init__(
        self,
        tmp_path: Path,
        mqtt_url: str,
        dispatch_url: str,
        token: str = "gateway-test-token",
        confirm_window_s: float = 0.5,
        state_dir: Path | None = None,
        client_id: str | None = None,
        extra_env: dict[str, str] | None = None,
        name: str = "gateway",
    ) -> None:
        self.metrics_port = free_port()
        self.state_dir = state_dir or tmp_path / f"{name}-state"
        self.client_id = client_id or f"ampera-gateway-{uuid.uuid4().hex[:8]}"
        env = {
            "AMPERA_MQTT_URL": mqtt_url,
            "AMPERA_DISPATCH_URL": dispatch_url,
            "AMPERA_GATEWAY_TOKEN": token,
            "AMPERA_STATE_DIR": str(self.state_dir),
            "AMPERA_CONFIRM_WINDOW_S": str(confirm_window_s),
            "AMPERA_MQTT_CLIENT_ID": self.client_id,
            "AMPERA_GATEWAY_METRICS_PORT": str(self.metrics_port),
            "AMPERA_GATEWAY_CHANGES_POLL_S": "0.2",
            "AMPERA_GATEWAY_STATUS_INTERVAL_S": "0.5",
            **(extra_env or {}),
        }
        super().__init__(["ampera-gateway"], env, tmp_path / f"{name}.log", ready=self._subscribed)

    def _subscribed(self) -> bool:
        return self.metrics().get("ampera_gateway_mqtt_connected") == 1.0

    def metrics(self) -> dict[str, float]:
        return scrape_metrics(self.metrics_port)

    def metric(self, name: str, **labels: str) -> float:
        """Return one sample, 0.0 when it is absent (a counter never incremented)."""
        if labels:
            inner = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
            name = f"{name}{{{inner}}}"
        return self.metrics().get(name, 0.0)

    def wait_metric(
        self, name: str, at_least: float, timeout_s: float = 20.0, **labels: str
    ) -> float:
        """Poll ``/metrics`` until the sample reaches ``at_least``; return it."""
        deadline = time.monotonic() + timeout_s
        value = 0.0
        while time.monotonic() < deadline:
            value = self.metric(name, **labels)
            if value >= at_least:
                return value
            time.sleep(0.05)
        raise AssertionError(
            f"{name}{labels} stayed at {value} < {at_least} for {timeout_s} s\n{self.log_tail()}"
        )


class MqttProbe:
    """A plain MQTT 3.1.1 client that publishes events and records feedback."""

    def __init__(self, url: str, client_id: str | None = None) -> None:
        host, port = url.removeprefix("mqtt://").rsplit(":", 1)
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id or f"probe-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        self.messages: list[tuple[str, dict[str, Any] | bytes, bool]] = []
        self._lock = threading.Lock()
        self.client.on_message = self._on_message
        self.client.connect(host, int(port))
        self.client.loop_start()

    def _on_message(self, client, userdata, message) -> None:  # type: ignore[no-untyped-def]
        try:
            body: dict[str, Any] | bytes = json.loads(message.payload)
        except ValueError:
            body = message.payload
        with self._lock:
            self.messages.append((message.topic, body, bool(message.retain)))

    def subscribe(self, topic: str) -> None:
        result, _mid = self.client.subscribe(topic, qos=1)
        assert result == mqtt.MQTT_ERR_SUCCESS
        time.sleep(0.1)  # let the SUBACK arrive before the test publishes

    def publish(
        self, topic: str, payload: bytes | dict[str, Any], retain: bool = False, qos: int = 1
    ) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self.client.publish(topic, data, qos=qos, retain=retain)
        info.wait_for_publish(10)

    def publish_event(self, device_id: str, retain: bool = False, **fields: Any) -> dict[str, Any]:
        """Publish one valid event, filling ``v``, ``source``, ``seq`` and ``ts`` when absent."""
        event = {
            "v": 1,
            "id": f"e-{uuid.uuid4().hex[:10]}",
            "type": "press",
            "source": "button",
            "seq": 0,
            "ts": int(time.time() * 1000),
            **fields,
        }
        self.publish(topics.device_topic(device_id, topics.EVENT), event, retain=retain)
        return event

    def feedback(self, device_id: str) -> list[dict[str, Any]]:
        topic = topics.device_topic(device_id, topics.FEEDBACK)
        with self._lock:
            bodies = [body for name, body, _ in self.messages if name == topic]
        return [body for body in bodies if isinstance(body, dict)]

    def wait_feedback(self, device_id: str, state: str, timeout_s: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for body in self.feedback(device_id):
                if body.get("state") == state:
                    return body
            time.sleep(0.02)
        raise AssertionError(
            f"no {state!r} feedback for {device_id} within {timeout_s} s; "
            f"got {self.feedback(device_id)}"
        )

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def gateway_factory(tmp_path: Path) -> Iterator[Callable[..., GatewayProcess]]:
    """Build ``GatewayProcess`` objects (keyword arguments as its constructor); stop all after."""
    made: list[GatewayProcess] = []

    def make(**kwargs: Any) -> GatewayProcess:
        process = GatewayProcess(tmp_path, **kwargs)
        made.append(process)
        return process

    yield make
    for process in made:
        process.kill()


def wait_until(check: Callable[[], Any], timeout_s: float = 20.0, what: str = "condition") -> Any:
    """Poll ``check`` until it returns a true value; return that value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout_s} s")

"""The gateway as a subprocess between a real Mosquitto and the dispatch API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from broker.secure import SecureBroker
from broker.server import MosquittoProcess
from protocol import topics
from tests.gateway.conftest import DispatchUnderTest, RealApi, StubBackedApi
from tests.support.dispatch import DispatchServer
from tests.support.gateway import GatewayProcess, MqttProbe, wait_until

WINDOW_S = 0.5

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DispatchUnderTest]:
    """One real dispatch API for this module; each test uses its own device ids."""
    path = tmp_path_factory.mktemp("dispatch")
    with DispatchServer(f"sqlite:///{path / 'dispatch.db'}", path) as server:
        yield RealApi(server)


@pytest.fixture
def probe(mosquitto: MosquittoProcess) -> Iterator[MqttProbe]:
    client = MqttProbe(mosquitto.url)
    client.subscribe(topics.PREFIX + "/#")
    yield client
    client.close()


@pytest.fixture
def gateway(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> GatewayProcess:
    process = gateway_factory(
        mqtt_url=mosquitto.url,
        dispatch_url=api.url,
        token=api.token,
        confirm_window_s=WINDOW_S,
    )
    process.start()
    return process


def incidents_of(api: DispatchUnderTest, device_id: str) -> list[dict[str, Any]]:
    return [item for item in api.incidents() if item["device_id"] == device_id]


def wait_incident(
    api: DispatchUnderTest, device_id: str, state: str, timeout_s: float = 15.0
) -> dict[str, Any]:
    def found() -> dict[str, Any] | None:
        items = [i for i in incidents_of(api, device_id) if i["state"] == state]
        return items[0] if items else None

    return wait_until(found, timeout_s, f"{state} incident of {device_id}")


def test_press_becomes_unconfirmed_after_window(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    event = probe.publish_event("btn-press-01", type="press")

    pending = probe.wait_feedback("btn-press-01", "pending")
    incident = wait_incident(api, "btn-press-01", "unconfirmed")

    assert pending["alert"] == event["id"]
    assert 0 < pending["remaining_s"] <= WINDOW_S
    assert probe.wait_feedback("btn-press-01", "unconfirmed")["alert"] == event["id"]
    assert incident["first_event_id"] == event["id"]
    assert incident["press_count"] == 1


def test_hold_confirms_at_once(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    probe.publish_event("btn-hold-01", type="hold")

    probe.wait_feedback("btn-hold-01", "confirmed")
    incident = wait_incident(api, "btn-hold-01", "confirmed")

    assert incident["press_count"] == 1
    assert probe.feedback("btn-hold-01")[0]["state"] == "confirmed"


def test_press_then_cancel_is_mis_press(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    press = probe.publish_event("btn-cancel-01", type="press")
    probe.publish_event("btn-cancel-01", type="cancel", alert=press["id"])

    probe.wait_feedback("btn-cancel-01", "cancelled")
    wait_incident(api, "btn-cancel-01", "cancelled")
    time.sleep(WINDOW_S + 0.3)  # past the window: nothing more may arrive

    states = [item["state"] for item in incidents_of(api, "btn-cancel-01")]
    assert states == ["cancelled"]
    gateway.wait_metric(
        "ampera_gateway_alerts_ended_total", 1, source="button", outcome="cancelled"
    )


def test_same_event_three_times_is_one_incident(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    event = probe.publish_event("btn-dup-01", type="hold")
    for _ in range(2):
        probe.publish(topics.device_topic("btn-dup-01", topics.EVENT), event)

    wait_incident(api, "btn-dup-01", "confirmed")
    gateway.wait_metric("ampera_gateway_duplicates_total", 2, kind="duplicate")

    items = incidents_of(api, "btn-dup-01")
    assert len(items) == 1
    assert items[0]["press_count"] == 1


def test_bad_input_rejected_and_counted(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    event_topic = topics.device_topic("btn-bad-01", topics.EVENT)
    probe.publish(event_topic, b"{not json")
    probe.publish(event_topic, b'{"v": 1, "id": "x"}')
    probe.publish(event_topic, json.dumps({"pad": "x" * 2000}).encode())
    probe.publish(event_topic, b"\xff\xfe")
    probe.publish("ampera/v1/dev/BAD_ID/event", b'{"v": 1}')
    probe.publish("ampera/v1/dev/btn-bad-01/heartbeat", b"[1, 2]")

    for reason, count in [
        ("invalid_json", 1),
        ("schema", 1),
        ("oversize", 1),
        ("invalid_utf8", 1),
        ("bad_topic", 1),
        ("not_object", 1),
    ]:
        gateway.wait_metric("ampera_gateway_rejected_total", count, reason=reason)

    # Still working after the bad input.
    probe.publish_event("btn-bad-01", type="hold")
    wait_incident(api, "btn-bad-01", "confirmed")
    assert gateway.process is not None
    assert gateway.process.poll() is None
    assert "message_rejected reason=oversize" in gateway.log_path.read_text()


def test_test_event_travels_marked_test(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    probe.publish_event("btn-test-01", type="test")

    probe.wait_feedback("btn-test-01", "test")
    item = wait_until(lambda: incidents_of(api, "btn-test-01"), what="test incident")[0]

    assert item["test"] is True


def test_retained_event_processed_once(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    probe: MqttProbe,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    # Published before the gateway exists: it arrives with the retain flag.
    probe.publish_event("btn-retain-01", type="hold", retain=True)
    gateway = gateway_factory(
        mqtt_url=mosquitto.url, dispatch_url=api.url, token=api.token, confirm_window_s=WINDOW_S
    )
    gateway.start()
    wait_incident(api, "btn-retain-01", "confirmed")
    assert gateway.terminate() == 0

    gateway.start()  # the broker replays the retained event at the new subscription
    gateway.wait_metric("ampera_gateway_duplicates_total", 1, kind="retained_replay_ignored")

    items = incidents_of(api, "btn-retain-01")
    assert len(items) == 1
    assert items[0]["press_count"] == 1


def test_events_while_down_delivered_on_return(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    probe: MqttProbe,
    gateway: GatewayProcess,
) -> None:
    assert gateway.terminate() == 0
    offline = [m for m in probe.messages if m[0] == topics.GATEWAY_STATUS]
    assert offline[-1][1] == {"online": False}

    sent = [probe.publish_event(f"btn-away-{index:02d}", type="hold") for index in range(5)]
    gateway.start()

    for index in range(5):
        wait_incident(api, f"btn-away-{index:02d}", "confirmed")
    firsts = {item["first_event_id"] for item in api.incidents()}
    assert {event["id"] for event in sent} <= firsts


def test_gateway_status_online_retained(
    mosquitto: MosquittoProcess, gateway: GatewayProcess
) -> None:
    late = MqttProbe(mosquitto.url)
    try:
        late.subscribe(topics.GATEWAY_STATUS)
        status = wait_until(
            lambda: [m for m in late.messages if m[0] == topics.GATEWAY_STATUS],
            what="retained gateway status",
        )
    finally:
        late.close()

    assert status[0][1] == {"online": True}
    assert status[0][2] is True  # retained, so late subscribers see it


def test_heartbeat_forwarded_as_device_status(gateway: GatewayProcess, probe: MqttProbe) -> None:
    probe.publish(
        topics.device_topic("btn-beat-01", topics.HEARTBEAT),
        {"bat": 81, "rssi": -60, "uptime_s": 100, "queued": 0},
    )

    gateway.wait_metric("ampera_gateway_device_status_posts_total", 1, result="ok")


def test_staff_actions_reach_device_as_feedback(
    gateway: GatewayProcess, api: DispatchUnderTest, probe: MqttProbe
) -> None:
    assert isinstance(api, RealApi)
    event = probe.publish_event("btn-staff-01", type="hold")
    incident = wait_incident(api, "btn-staff-01", "confirmed")
    staff = api.server.client(api.staff_token)

    staff.post(f"/v1/incidents/{incident['id']}/acknowledge").raise_for_status()
    acknowledged = probe.wait_feedback("btn-staff-01", "acknowledged")
    staff.post(f"/v1/incidents/{incident['id']}/dispatch", json={"unit": "R-1"}).raise_for_status()
    probe.wait_feedback("btn-staff-01", "dispatched")
    staff.post(
        f"/v1/incidents/{incident['id']}/resolve", json={"outcome": "genuine", "note": "ok"}
    ).raise_for_status()
    probe.wait_feedback("btn-staff-01", "resolved")

    assert acknowledged["alert"] == event["id"]
    # The resolved incident is closed in the gateway: a new hold is a new incident.
    gateway.wait_metric("ampera_gateway_events_total", 1, type="none", decision="closed_by_staff")
    second = probe.publish_event("btn-staff-01", type="hold")
    wait_until(
        lambda: [
            i for i in incidents_of(api, "btn-staff-01") if i["first_event_id"] == second["id"]
        ],
        what="second incident",
    )
    assert len(incidents_of(api, "btn-staff-01")) == 2


def test_tls_and_accounts_with_secure_broker(
    tmp_path: Path,
    stub_api: DispatchUnderTest,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    broker = SecureBroker(tmp_path / "secure", devices={"btn-tls-01": "device-pass-1"})
    broker.start()
    try:
        gateway = gateway_factory(
            mqtt_url=broker.url(broker.gateway_username, broker.gateway_password, "mqtts"),
            dispatch_url=stub_api.url,
            token=stub_api.token,
            extra_env={"AMPERA_MQTT_CA_FILE": str(broker.ca_file)},
        )
        gateway.start()
        device = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id="btn-tls-01",
            protocol=mqtt.MQTTv311,
        )
        device.username_pw_set("btn-tls-01", "device-pass-1")
        device.connect("127.0.0.1", broker.port)
        device.loop_start()
        event = {"v": 1, "id": "t-1", "type": "hold", "source": "button", "seq": 1, "ts": None}
        topic = topics.device_topic("btn-tls-01", topics.EVENT)
        device.publish(topic, json.dumps(event), qos=1).wait_for_publish(10)
        device.disconnect()
        device.loop_stop()

        wait_incident(stub_api, "btn-tls-01", "confirmed")
        assert "mqtt_subscribed" in gateway.log_path.read_text()
        assert broker.gateway_password not in gateway.log_path.read_text()
    finally:
        broker.kill()


def test_last_will_marks_killed_gateway_offline(
    mosquitto: MosquittoProcess, gateway: GatewayProcess
) -> None:
    gateway.kill()  # no clean disconnect: the broker publishes the will

    def retained_status() -> list[tuple[str, Any, bool]]:
        late = MqttProbe(mosquitto.url)
        try:
            late.subscribe(topics.GATEWAY_STATUS)
            time.sleep(0.2)
            return [m for m in late.messages if m[0] == topics.GATEWAY_STATUS]
        finally:
            late.close()

    status = wait_until(
        lambda: [m for m in retained_status() if m[1] == {"online": False}],
        what="retained offline will",
    )
    assert status[0][2] is True


def test_resubscribe_records_live_retained_event(
    mosquitto: MosquittoProcess,
    api: DispatchUnderTest,
    probe: MqttProbe,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    gateway = gateway_factory(
        mqtt_url=mosquitto.url,
        dispatch_url=api.url,
        token=api.token,
        extra_env={"AMPERA_GATEWAY_RESUBSCRIBE_S": "1"},
    )
    gateway.start()

    # Received live, so without the retain flag; the renewed subscription
    # replays it flagged, and the gateway then remembers it for good.
    probe.publish_event("btn-resub-01", type="hold", retain=True)
    wait_incident(api, "btn-resub-01", "confirmed")
    gateway.wait_metric("ampera_gateway_duplicates_total", 1, kind="retained_replay_ignored")

    assert len(incidents_of(api, "btn-resub-01")) == 1
    assert "mqtt_resubscribing" in gateway.log_path.read_text()


def test_fresh_gateway_skips_feed_history(
    mosquitto: MosquittoProcess,
    stub_api: DispatchUnderTest,
    probe: MqttProbe,
    gateway_factory: Callable[..., GatewayProcess],
) -> None:
    assert isinstance(stub_api, StubBackedApi)
    old = {"alert_id": "a-old", "device_id": "btn-feed-01", "first_event_id": "old-1"}
    stub_api.stub.add_change(state="acknowledged", test=False, **old)
    gateway = gateway_factory(
        mqtt_url=mosquitto.url, dispatch_url=stub_api.url, token=stub_api.token
    )
    gateway.start()
    gateway.wait_metric("ampera_gateway_changes_total", 1, state="acknowledged")

    new = {"alert_id": "a-new", "device_id": "btn-feed-01", "first_event_id": "new-1"}
    stub_api.stub.add_change(state="dispatched", test=False, **new)
    dispatched = probe.wait_feedback("btn-feed-01", "dispatched")

    assert dispatched["alert"] == "new-1"
    assert [body["alert"] for body in probe.feedback("btn-feed-01")] == ["new-1"]

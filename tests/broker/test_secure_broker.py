"""The secure broker configuration against a real Mosquitto 2.0.

Negative checks ("nothing arrives") end with a message the same client may
send: the broker keeps one publisher's messages in order towards one
subscriber, so once that marker arrives, a forbidden message sent before it
would already have arrived too. No test waits for a fixed time to pass.
"""

from __future__ import annotations

import json

import pytest

from broker.secure import SecureBroker
from dispatch.broker_accounts import BrokerAccountsError, DynsecAccounts
from protocol.topics import GATEWAY_STATUS, device_topic
from tests.support.broker import RecordingClient


def gateway_client(broker: SecureBroker, **options: object) -> RecordingClient:
    client = RecordingClient(
        broker.port, broker.gateway_username, broker.gateway_password, **options
    )
    assert client.connect().value == 0
    return client


def device_client(broker: SecureBroker, device_id: str, password: str) -> RecordingClient:
    client = RecordingClient(broker.port, device_id, password, client_id=device_id)
    assert client.connect().value == 0
    return client


def subscribe_all_device_topics(gateway: RecordingClient) -> None:
    for suffix in ("event", "status", "heartbeat"):
        reasons = gateway.subscribe(f"ampera/v1/dev/+/{suffix}")
        assert not reasons[0].is_failure


def test_device_cannot_publish_on_another_devices_topics(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.admin_url)
    password = accounts.create_device("btn-0001")
    accounts.create_device("btn-0002")
    gateway = gateway_client(secure_broker)
    subscribe_all_device_topics(gateway)
    device = device_client(secure_broker, "btn-0001", password)

    for suffix in ("event", "status", "heartbeat"):
        device.publish(device_topic("btn-0002", suffix), b'{"forged": true}')
    device.publish(device_topic("btn-0001", "event"), b'{"marker": true}')

    received = gateway.collect(wait_s=5)
    assert received == [(device_topic("btn-0001", "event"), b'{"marker": true}')]


def test_device_publishes_on_its_own_topics(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    gateway = gateway_client(secure_broker)
    subscribe_all_device_topics(gateway)
    device = device_client(secure_broker, "btn-0001", password)

    for suffix in ("event", "status", "heartbeat"):
        device.publish(device_topic("btn-0001", suffix), suffix.encode())

    topics = [topic for topic, _ in gateway.collect(wait_s=5)]
    assert topics == [device_topic("btn-0001", s) for s in ("event", "status", "heartbeat")]


def test_device_reads_only_its_own_feedback(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.admin_url)
    password = accounts.create_device("btn-0001")
    device = device_client(secure_broker, "btn-0001", password)

    own = device.subscribe(device_topic("btn-0001", "feedback"))
    other = device.subscribe(device_topic("btn-0002", "feedback"))
    everything = device.subscribe("ampera/#")

    assert not own[0].is_failure
    assert other[0].is_failure
    assert everything[0].is_failure


def test_device_cannot_impersonate_the_gateway(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    observer = gateway_client(secure_broker)
    assert not observer.subscribe(GATEWAY_STATUS)[0].is_failure
    assert not observer.subscribe("ampera/v1/dev/+/event")[0].is_failure
    device = device_client(secure_broker, "btn-0001", password)

    device.publish(GATEWAY_STATUS, b'{"online": false}', retain=True)
    device.publish(device_topic("btn-0001", "feedback"), b'{"state": "resolved"}')
    device.publish(device_topic("btn-0001", "event"), b"marker")

    assert observer.collect(wait_s=5) == [(device_topic("btn-0001", "event"), b"marker")]


def test_gateway_sends_feedback_but_not_events(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    device = device_client(secure_broker, "btn-0001", password)
    assert not device.subscribe(device_topic("btn-0001", "feedback"))[0].is_failure
    gateway = gateway_client(secure_broker)
    subscribe_all_device_topics(gateway)

    gateway.publish(device_topic("btn-0001", "event"), b"forged by gateway")
    device.publish(device_topic("btn-0001", "event"), b"marker")
    gateway.publish(device_topic("btn-0001", "feedback"), b'{"state": "confirmed"}')

    assert gateway.collect(wait_s=5) == [(device_topic("btn-0001", "event"), b"marker")]
    assert device.collect(wait_s=5) == [
        (device_topic("btn-0001", "feedback"), b'{"state": "confirmed"}')
    ]


def test_anonymous_client_is_refused(secure_broker: SecureBroker) -> None:
    client = RecordingClient(secure_broker.port)

    reason = client.connect()

    assert reason.is_failure
    assert "authori" in str(reason).lower()


def test_wrong_password_is_refused(secure_broker: SecureBroker) -> None:
    DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    client = RecordingClient(secure_broker.port, "btn-0001", "not-the-password")

    assert client.connect().is_failure


def test_revoked_device_is_disconnected_and_refused(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.admin_url)
    password = accounts.create_device("btn-0001")
    device = device_client(secure_broker, "btn-0001", password)

    accounts.revoke_device("btn-0001")

    assert device.disconnected.wait(5)
    device.close()
    again = RecordingClient(secure_broker.port, "btn-0001", password)
    assert again.connect().is_failure


def test_revoking_twice_is_harmless(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.admin_url)
    accounts.create_device("btn-0001")

    accounts.revoke_device("btn-0001")
    accounts.revoke_device("btn-0001")


def test_registering_again_replaces_the_password(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.admin_url)
    old = accounts.create_device("btn-0001")

    new = accounts.create_device("btn-0001")

    assert new != old
    assert RecordingClient(secure_broker.port, "btn-0001", old).connect().is_failure
    device = device_client(secure_broker, "btn-0001", new)
    assert not device.subscribe(device_topic("btn-0001", "feedback"))[0].is_failure


def test_device_account_cannot_manage_accounts(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    as_device = DynsecAccounts(secure_broker.url("btn-0001", password), timeout_s=3)

    with pytest.raises(BrokerAccountsError, match="admin role"):
        as_device.create_device("btn-0002")


def test_wrong_admin_password_is_a_clear_error(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.url(secure_broker.admin_username, "wrong"))

    with pytest.raises(BrokerAccountsError, match="rejected the admin account"):
        accounts.create_device("btn-0001")


def test_tls_listener_works_with_development_ca(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    client = RecordingClient(
        secure_broker.tls_port, "btn-0001", password, ca_file=secure_broker.ca_file
    )

    assert client.connect().value == 0
    assert not client.subscribe(device_topic("btn-0001", "feedback"))[0].is_failure


def test_tls_listener_rejects_unknown_ca(secure_broker: SecureBroker, tmp_path) -> None:
    from broker.secure import make_dev_ca

    other = make_dev_ca(tmp_path / "other-ca")
    client = RecordingClient(secure_broker.tls_port, "x", "y", ca_file=other / "ca.crt")

    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        client.connect()


def test_websocket_login_with_app_account(secure_broker: SecureBroker) -> None:
    accounts = DynsecAccounts(secure_broker.admin_url)
    password = accounts.create_device("app-5f0c1d2e")
    gateway = gateway_client(secure_broker)
    subscribe_all_device_topics(gateway)
    app = RecordingClient(secure_broker.ws_port, "app-5f0c1d2e", password, transport="websockets")

    assert app.connect().value == 0
    app.publish(device_topic("app-5f0c1d2e", "event"), b'{"type": "press"}')

    assert gateway.collect(wait_s=5) == [
        (device_topic("app-5f0c1d2e", "event"), b'{"type": "press"}')
    ]


def test_gateway_session_survives_broker_restart(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    gateway = gateway_client(secure_broker, client_id="ampera-gateway-1", clean_session=False)
    assert not gateway.subscribe("ampera/v1/dev/+/event")[0].is_failure
    gateway.close()
    device = device_client(secure_broker, "btn-0001", password)
    sent = [json.dumps({"id": f"e-{n}"}).encode() for n in range(5)]
    for payload in sent:
        device.publish(device_topic("btn-0001", "event"), payload)
    device.close()

    secure_broker.restart()
    returning = RecordingClient(
        secure_broker.port,
        secure_broker.gateway_username,
        secure_broker.gateway_password,
        client_id="ampera-gateway-1",
        clean_session=False,
    )
    assert returning.connect().value == 0

    assert returning.session_present
    assert [payload for _, payload in returning.collect(wait_s=10)] == sent


def test_accounts_created_at_runtime_survive_restart(secure_broker: SecureBroker) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")

    secure_broker.restart()

    device = device_client(secure_broker, "btn-0001", password)
    assert not device.subscribe(device_topic("btn-0001", "feedback"))[0].is_failure


def test_new_instance_on_same_directory_keeps_accounts(
    secure_broker: SecureBroker,
) -> None:
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    secure_broker.stop()

    again = SecureBroker(secure_broker.data_dir)
    again.start()
    try:
        assert again.admin_password == secure_broker.admin_password
        assert again.gateway_password == secure_broker.gateway_password
        DynsecAccounts(again.admin_url).create_device("btn-0002")
        device = RecordingClient(again.port, "btn-0001", password)
        assert device.connect().value == 0
    finally:
        again.kill()


def test_offline_gateway_gets_burst_beyond_default_queue(secure_broker: SecureBroker) -> None:
    # Mosquitto's default max_queued_messages (1000) would drop the rest of
    # this burst silently; the configuration must keep every message.
    burst = 1500
    password = DynsecAccounts(secure_broker.admin_url).create_device("btn-0001")
    gateway = gateway_client(secure_broker, client_id="ampera-gateway-1", clean_session=False)
    assert not gateway.subscribe("ampera/v1/dev/+/event")[0].is_failure
    gateway.close()
    device = device_client(secure_broker, "btn-0001", password)
    infos = [
        device.client.publish(device_topic("btn-0001", "event"), str(n).encode(), qos=1)
        for n in range(burst)
    ]
    for info in infos:
        info.wait_for_publish(10)
    device.close()

    returning = gateway_client(secure_broker, client_id="ampera-gateway-1", clean_session=False)

    payloads = [int(payload) for _, payload in returning.collect(wait_s=10)]
    assert len(payloads) == burst
    assert sorted(payloads) == list(range(burst))

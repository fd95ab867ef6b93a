"""POST /v1/devices and citizen registration create real broker accounts (dynamic security)."""

from __future__ import annotations

from pathlib import Path

import httpx

from broker.secure import SecureBroker
from tests.support.broker import RecordingClient, secure_broker  # noqa: F401  (fixture)
from tests.support.dispatch import DispatchServer, bearer


def connack(broker: SecureBroker, username: str, password: str) -> int:
    client = RecordingClient(broker.port, username=username, password=password)
    try:
        return int(client.connect().value)
    finally:
        client.close()


def test_device_accounts_are_created_and_revoked(
    secure_broker: SecureBroker,  # noqa: F811
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'dispatch.db'}"
    env = {
        "AMPERA_BROKER_ADMIN_URL": secure_broker.admin_url,
        "AMPERA_MQTT_WS_URL": f"ws://127.0.0.1:{secure_broker.ws_port}",
    }
    with DispatchServer(url, tmp_path / "state", extra_env=env) as server:
        headers = bearer(server.token_for("technician"))
        created = httpx.post(
            f"{server.url}/v1/devices",
            json={"device_id": "btn-dynsec-1", "kind": "button"},
            headers=headers,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        password = created.json()["mqtt"]["password"]
        assert connack(secure_broker, "btn-dynsec-1", password) == 0

        citizen = httpx.post(
            f"{server.url}/v1/citizens",
            json={
                "email": "rina@example.id",
                "name": "Rina",
                "phone": "081234567",
                "password": "rahasia-rina",
            },
            timeout=30,
        ).json()
        assert connack(secure_broker, citizen["device_id"], citizen["mqtt"]["password"]) == 0
        assert citizen["mqtt"]["ws_url"] == env["AMPERA_MQTT_WS_URL"]

        revoked = httpx.post(
            f"{server.url}/v1/devices/btn-dynsec-1/revoke", headers=headers, timeout=30
        )
        assert revoked.status_code == 200
        assert connack(secure_broker, "btn-dynsec-1", password) != 0


def test_broker_down_gives_503_and_no_device(tmp_path: Path) -> None:
    from tests.support.dispatch import free_port

    url = f"sqlite:///{tmp_path / 'dispatch.db'}"
    env = {"AMPERA_BROKER_ADMIN_URL": f"mqtt://admin:secret@127.0.0.1:{free_port()}"}
    with DispatchServer(url, tmp_path / "state", extra_env=env) as server:
        headers = bearer(server.token_for("admin"))
        response = httpx.post(
            f"{server.url}/v1/devices",
            json={"device_id": "btn-nobroker", "kind": "button"},
            headers=headers,
            timeout=60,
        )
        assert response.status_code == 503
        assert "btn-nobroker" in response.json()["detail"]
        listed = httpx.get(
            f"{server.url}/v1/devices", params={"include_revoked": "true"}, headers=headers
        )
        assert listed.json()["items"] == []

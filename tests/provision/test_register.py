"""``register`` against the real dispatch API and a secure broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from broker.server import free_port
from protocol.topics import device_topic
from provision.dispatch_client import DispatchClient
from provision.errors import Fault, ProvisionError
from provision.register import RegisterOptions, register
from provision.ui import Ui
from tests.provision.conftest import Services
from tests.support.broker import RecordingClient
from tests.support.dispatch import DEFAULT_PASSWORD, bearer

UI = Ui("en", quiet=True)


def options(
    tmp_path: Path, device_id: str, mqtt_url: str = "mqtt://b.example:1883"
) -> RegisterOptions:
    return RegisterOptions(
        device_id=device_id,
        wifi_ssid="Warung",
        wifi_password="wifi-pass",
        mqtt_url=mqtt_url,
        out=tmp_path / device_id / "config.json",
        label="Pasar 16 Ilir",
        lat=-2.9761,
        lon=104.7754,
    )


def technician(url: str) -> DispatchClient:
    client = DispatchClient(url)
    client.login("teknisi-1", DEFAULT_PASSWORD)
    return client


def test_register_returns_working_broker_credentials(services: Services, tmp_path: Path) -> None:
    broker, url = services.broker, services.dispatch.url
    client = technician(url)

    path = register(UI, client, options(tmp_path, "btn-reg-0001"))

    config = json.loads(path.read_text())
    device = RecordingClient(broker.port, config["mqtt"]["username"], config["mqtt"]["password"])
    assert device.connect().value == 0
    assert not device.subscribe(device_topic("btn-reg-0001", "feedback"))[0].is_failure
    assert config["wifi"] == {"ssid": "Warung", "password": "wifi-pass"}


def test_register_twice_reports_device_exists(services: Services, tmp_path: Path) -> None:
    url = services.dispatch.url
    client = technician(url)
    register(UI, client, options(tmp_path, "btn-reg-0002"))

    with pytest.raises(ProvisionError) as caught:
        register(UI, client, options(tmp_path / "again", "btn-reg-0002"))

    assert caught.value.fault is Fault.DEVICE_EXISTS
    assert not (tmp_path / "again").exists()


def test_wrong_password_is_login_failed(services: Services) -> None:
    url = services.dispatch.url

    with pytest.raises(ProvisionError) as caught:
        DispatchClient(url).login("teknisi-1", "wrong-password")

    assert caught.value.fault is Fault.LOGIN_FAILED


def test_mqtts_without_ca_is_refused_before_registering(services: Services, tmp_path: Path) -> None:
    url = services.dispatch.url
    client = technician(url)

    with pytest.raises(ProvisionError) as caught:
        register(UI, client, options(tmp_path, "btn-reg-0003", "mqtts://b.example:8883"))

    assert caught.value.fault is Fault.MISSING_OPTION
    assert caught.value.params["option"] == "--ca-file"
    assert client.device("btn-reg-0003") is None


def test_technician_reads_test_incidents_only(services: Services) -> None:
    client = technician(services.dispatch.url)

    assert isinstance(client.test_incidents(), list)
    assert client.http.get("/v1/incidents", headers=bearer(client.token)).status_code == 403


def test_unreachable_dispatch_is_reported() -> None:
    with pytest.raises(ProvisionError) as caught:
        DispatchClient(f"http://127.0.0.1:{free_port()}").login("a", "b")

    assert caught.value.fault is Fault.DISPATCH_UNREACHABLE


def test_not_allowed_action_is_translated(capsys: pytest.CaptureFixture[str]) -> None:
    error = ProvisionError(Fault.NOT_ALLOWED, action="action.read_test_incidents", status=403)

    Ui("id").error(error)

    assert "Akun ini tidak boleh membaca insiden uji (HTTP 403)." in capsys.readouterr().err

"""The production configuration, started by a real Mosquitto with local paths and ports."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from broker import dynsec
from broker.secure import find_dynsec_plugin, make_dev_ca
from broker.server import BROKER_DIR, MosquittoProcess, free_port
from dispatch.broker_accounts import DynsecAccounts
from protocol.topics import device_topic
from tests.support.broker import RecordingClient

PROD = BROKER_DIR / "prod" / "mosquitto.conf"


@pytest.fixture
def prod_broker(tmp_path: Path) -> Iterator[tuple[MosquittoProcess, dict[str, int]]]:
    """Start broker/prod/mosquitto.conf with its paths and ports moved into tmp_path."""
    data = tmp_path / "prod"
    certs = make_dev_ca(data / "certs")
    dynsec.write_config(
        data / "dynamic-security.json",
        dynsec.build_config(("ampera-admin", "admin-pass-1"), ("ampera-gateway", "gw-pass-1")),
    )
    ports = {"tls": free_port(), "ws": free_port()}
    text = PROD.read_text()
    replacements = {
        "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so": find_dynsec_plugin(),
        "/var/lib/mosquitto/": f"{data}/",
        "/etc/mosquitto/certs": str(certs),
        "/var/log/mosquitto/mosquitto.log": f"{data}/mosquitto.log",
        "log_dest syslog\n": "",
        "listener 1883 127.0.0.1": "listener {port} 127.0.0.1",
        "listener 8883\n": f"listener {ports['tls']} 127.0.0.1\n",
        "listener 8080 127.0.0.1": f"listener {ports['ws']} 127.0.0.1",
    }
    for old, new in replacements.items():
        assert old in text, f"production config no longer contains {old!r}"
        text = text.replace(old, new)
    template = data / "mosquitto.conf.in"
    template.write_text(text)
    broker = MosquittoProcess(data, template=str(template))
    broker.start()
    try:
        yield broker, ports
    finally:
        broker.kill()


def test_production_config_enforces_accounts(
    prod_broker: tuple[MosquittoProcess, dict[str, int]],
) -> None:
    broker, ports = prod_broker
    accounts = DynsecAccounts(f"mqtt://ampera-admin:admin-pass-1@127.0.0.1:{broker.port}")

    password = accounts.create_device("btn-0001")

    assert RecordingClient(broker.port).connect().is_failure
    tls = RecordingClient(
        ports["tls"], "btn-0001", password, ca_file=broker.data_dir / "certs" / "ca.crt"
    )
    assert tls.connect().value == 0
    assert not tls.subscribe(device_topic("btn-0001", "feedback"))[0].is_failure
    assert tls.subscribe(device_topic("btn-0002", "feedback"))[0].is_failure
    app = RecordingClient(ports["ws"], "btn-0001", password, transport="websockets")
    assert app.connect().value == 0

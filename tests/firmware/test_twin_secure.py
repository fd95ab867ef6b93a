"""The device twin over TLS with a broker account, against the secure Mosquitto."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from broker.secure import SecureBroker
from protocol import topics
from protocol.events import parse_event
from simulator.twin import Twin
from tests.support.broker import RecordingClient

DEVICE = "btn-tls-twin-01"
PASSWORD = "device-pass-twin-1"


@pytest.fixture
def broker(tmp_path: Path):
    secure = SecureBroker(tmp_path / "secure", devices={DEVICE: PASSWORD})
    secure.start()
    yield secure
    secure.kill()


def test_twin_publishes_over_tls_with_its_account(broker: SecureBroker, tmp_path: Path):
    listener = RecordingClient(broker.port, broker.gateway_username, broker.gateway_password)
    listener.connect()
    listener.subscribe(topics.device_topic(DEVICE, topics.EVENT))
    url = broker.url(DEVICE, PASSWORD, "mqtts")
    config = {"mqtt": {"ca": str(broker.ca_file)}}
    with Twin(DEVICE, url, tmp_path / "twin", config) as twin:
        twin.wait_for(lambda: twin.link_state == "up", what="TLS link up")
        twin.press()
        received = listener.collect(10)
    listener.close()
    assert len(received) == 1
    assert parse_event(received[0][1]).type == "press"


def test_twin_with_wrong_password_keeps_press_queued(
    broker: SecureBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    url = broker.url(DEVICE, "wrong-password", "mqtts")
    config = {"mqtt": {"ca": str(broker.ca_file)}}
    caplog.set_level(logging.INFO, logger="simulator.twin")
    twin = Twin(DEVICE, url, tmp_path / "twin", config)
    twin.press()
    twin.run_for(1.0)
    assert twin.link_state == "offline"
    assert twin.queued == 1
    refused = [r.getMessage() for r in caplog.records if "link_down" in r.getMessage()]
    assert refused
    assert "refused the connection" in refused[0]
    assert "wrong-password" not in caplog.text

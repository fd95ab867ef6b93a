import subprocess
import sys
import time
from pathlib import Path

import pytest

from protocol import topics
from protocol.events import parse_event
from simulator.services import Service, ServiceFailed

AMPERA_SIM = str(Path(sys.executable).parent / "ampera-sim")


def run_sim(*args, url, timeout=30):
    return subprocess.run(
        [AMPERA_SIM, "--mqtt-url", url, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_press_command_publishes_and_reports(mosquitto, recorder):
    result = run_sim(
        "press",
        "--device",
        "btn-cli-0001",
        "--lat",
        "-2.97",
        "--lon",
        "104.75",
        "--duplicate",
        "--wait",
        "0.3",
        url=mosquitto.url,
    )

    assert result.returncode == 0, result.stderr
    assert "Terkirim: press" in result.stdout
    assert "Dikirim ulang" in result.stdout
    assert "Tidak ada umpan balik" in result.stdout
    messages = recorder.on_topic(topics.device_topic("btn-cli-0001", topics.EVENT), 2)
    assert messages[0].payload == messages[1].payload
    assert parse_event(messages[0].payload).loc.lat == -2.97


def test_press_cancel_after_sends_cancel(mosquitto, recorder):
    result = run_sim(
        "--lang",
        "en",
        "press",
        "--device",
        "btn-cli-0002",
        "--cancel-after",
        "0.1",
        "--wait",
        "0.1",
        url=mosquitto.url,
    )

    assert result.returncode == 0, result.stderr
    assert "Sent: cancel" in result.stdout
    press, cancel = (
        parse_event(message.payload)
        for message in recorder.on_topic(topics.device_topic("btn-cli-0002", topics.EVENT), 2)
    )
    assert cancel.type == "cancel"
    assert cancel.alert == press.id


def test_invalid_url_is_rejected():
    result = run_sim("press", "--device", "btn-0001", url="http://127.0.0.1:1")

    assert result.returncode == 2
    assert "scheme must be one of" in result.stderr


def test_unreachable_broker_fails_clearly(tmp_path):
    from broker.server import free_port

    result = run_sim("test", "--device", "btn-0001", url=f"mqtt://127.0.0.1:{free_port()}")

    assert result.returncode == 1
    assert "Gagal terhubung" in result.stdout


def test_failed_service_reports_log_tail(tmp_path):
    service = Service(
        "broken",
        ["python", "-c", "print('cannot open the state'); raise SystemExit(3)"],
        {},
        tmp_path / "broken.log",
        ready=lambda: False,
    )

    with pytest.raises(ServiceFailed) as caught:
        service.start(timeout_s=20)

    assert "exited with code 3" in str(caught.value)
    assert "cannot open the state" in caught.value.log_tail


def test_hold_reports_feedback_of_open_incident(mosquitto):
    # A gesture that attaches to an open incident gets feedback named by that
    # incident's first event id, not by the id just sent.
    from simulator.connection import new_client, parse_broker_url

    device_id = "btn-cli-0003"
    broker = parse_broker_url(mosquitto.url)
    gateway = new_client(broker, client_id="test-fake-gateway")

    def answer(client, userdata, message):
        body = b'{"alert":"earlier-press-id","state":"confirmed"}'
        client.publish(topics.device_topic(device_id, topics.FEEDBACK), body, qos=1)

    gateway.on_connect = lambda client, *_: client.subscribe(
        topics.device_topic(device_id, topics.EVENT), qos=1
    )
    gateway.on_message = answer
    gateway.connect(broker.host, broker.port)
    gateway.loop_start()
    try:
        time.sleep(0.5)  # let the subscription settle before the device publishes
        result = run_sim("hold", "--device", device_id, "--wait", "10", url=mosquitto.url)
    finally:
        gateway.loop_stop()
        gateway.disconnect()

    assert result.returncode == 0, result.stderr
    assert "terkonfirmasi" in result.stdout
    assert "Tidak ada umpan balik" not in result.stdout

"""Settings: flags over environment over defaults, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gateway.config import DEMO_TOKEN, ConfigError, parse, redact

TOKEN_ENV = {"AMPERA_GATEWAY_TOKEN": "t"}


def test_defaults() -> None:
    config = parse([], TOKEN_ENV)

    assert config.mqtt.host == "127.0.0.1"
    assert config.mqtt.port == 1883
    assert config.confirm_window_s == {"button": 10.0, "app": 10.0}
    assert config.mqtt_client_id == "ampera-gateway"
    assert config.batch_max < 100


def test_flag_overrides_environment() -> None:
    config = parse(["--confirm-window-s", "3"], {**TOKEN_ENV, "AMPERA_CONFIRM_WINDOW_S": "7"})

    assert config.confirm_window_s == {"button": 3.0, "app": 3.0}


def test_window_per_source_override() -> None:
    config = parse(
        ["--confirm-window-app-s", "4"],
        {**TOKEN_ENV, "AMPERA_CONFIRM_WINDOW_S": "8", "AMPERA_CONFIRM_WINDOW_BUTTON_S": "12"},
    )

    assert config.confirm_window_s == {"button": 12.0, "app": 4.0}


def test_mqtt_url_with_credentials_and_tls() -> None:
    config = parse(["--mqtt-url", "mqtts://gw:p%40ss@broker.local"], TOKEN_ENV)

    assert config.mqtt.tls is True
    assert config.mqtt.port == 8883
    assert config.mqtt.username == "gw"
    assert config.mqtt.password == "p@ss"


def test_redact_hides_password() -> None:
    assert redact("mqtt://gw:secret@h:1883") == "mqtt://gw:***@h:1883"


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        ([], {}, "AMPERA_GATEWAY_TOKEN"),
        (["--mqtt-url", "http://h:1883"], TOKEN_ENV, "mqtt:// or mqtts://"),
        (["--mqtt-url", "mqtt://h:99999"], TOKEN_ENV, "port"),
        (["--dispatch-url", "localhost:8000"], TOKEN_ENV, "AMPERA_DISPATCH_URL"),
        (["--confirm-window-s", "ten"], TOKEN_ENV, "expected a number"),
        (["--confirm-window-s", "-1"], TOKEN_ENV, "at least 0"),
        (["--metrics-port", "70000"], TOKEN_ENV, "0-65535"),
        (["--mqtt-ca-file", "/nonexistent/ca.pem"], TOKEN_ENV, "AMPERA_MQTT_CA_FILE"),
        (["--sqlite-synchronous", "OFF"], TOKEN_ENV, "FULL or NORMAL"),
        (["--log-level", "LOUD"], TOKEN_ENV, "AMPERA_LOG_LEVEL"),
    ],
)
def test_bad_setting_names_the_fix(argv: list[str], env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(argv, env)

    assert message in str(caught.value)


def test_demo_mode_needs_no_token() -> None:
    assert parse([], {"AMPERA_DEMO": "1"}).gateway_token == DEMO_TOKEN
    assert parse(["--demo"], {}).demo is True


def test_cli_exits_2_with_one_line(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "--mqtt-url", "ftp://x"],
        capture_output=True,
        text=True,
        env={"AMPERA_GATEWAY_TOKEN": "t", "PATH": "/usr/bin:/bin"},
        timeout=30,
    )

    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "AMPERA_MQTT_URL" in result.stderr


def test_resubscribe_interval_bounded_by_dedup_period() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(["--resubscribe-s", str(48 * 3600)], TOKEN_ENV)

    assert "AMPERA_GATEWAY_RESUBSCRIBE_S" in str(caught.value)

"""Gateway settings from command-line flags and AMPERA_* environment variables.

A flag wins over its environment variable, which wins over the default.
Invalid settings raise ``ConfigError`` with one line that names the value and
what to set; the CLI prints it and exits with code 2.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from gateway.logic import DEFAULT_CONFIRM_WINDOW_S, DEFAULT_MERGE_HORIZON_S

DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"
DEFAULT_DISPATCH_URL = "http://127.0.0.1:8000"
DEFAULT_STATE_DIR = "var/gateway"
DEFAULT_CLIENT_ID = "ampera-gateway"
# Port 9189 is not a default of any common Prometheus exporter.
DEFAULT_METRICS_PORT = 9189
# Kept below the broker's max_inflight_messages (100 in broker/dev), because
# messages are acknowledged only after the batch that contains them commits.
# In a drain bounded by fsync, 90 gave about 1.5 times the rate of 50.
DEFAULT_BATCH_MAX = 90
DEFAULT_BATCH_WAIT_MS = 2.0
# Renewing the subscriptions makes the broker replay its retained messages,
# so an event first seen live is seen with the retain flag, and remembered for
# good, well within the 48 h that seen ids are kept.
DEFAULT_RESUBSCRIBE_S = 12 * 3600.0
MAX_RESUBSCRIBE_S = 36 * 3600.0
# Sent in demo mode when no token is set; the demo must start the dispatch API
# with the same AMPERA_GATEWAY_TOKEN.
DEMO_TOKEN = "ampera-demo-gateway-token"

SOURCES = ("button", "app")


class ConfigError(ValueError):
    """A missing or invalid setting; the message names it and the variable to set."""


@dataclass(frozen=True)
class MqttTarget:
    host: str
    port: int
    tls: bool
    username: str | None
    password: str | None


@dataclass(frozen=True)
class Config:
    mqtt_url: str
    mqtt: MqttTarget
    mqtt_client_id: str
    mqtt_ca_file: Path | None
    dispatch_url: str
    gateway_token: str
    state_dir: Path
    confirm_window_s: dict[str, float]
    merge_horizon_s: float
    metrics_host: str
    metrics_port: int
    batch_max: int
    batch_wait_ms: float
    changes_poll_s: float
    status_interval_s: float
    resubscribe_s: float
    sqlite_synchronous: str
    demo: bool
    log_level: str


# (flag, environment variable, help) for every setting; defaults sit in parse().
OPTIONS: list[tuple[str, str, str]] = [
    ("--mqtt-url", "AMPERA_MQTT_URL", "broker URL, mqtt://user:pass@host:port or mqtts://..."),
    ("--mqtt-client-id", "AMPERA_MQTT_CLIENT_ID", "stable MQTT client id of the gateway session"),
    ("--mqtt-ca-file", "AMPERA_MQTT_CA_FILE", "CA certificate file for mqtts:// (PEM)"),
    ("--dispatch-url", "AMPERA_DISPATCH_URL", "base URL of the dispatch API"),
    ("--gateway-token", "AMPERA_GATEWAY_TOKEN", "bearer token presented to the dispatch API"),
    ("--state-dir", "AMPERA_STATE_DIR", "directory of the gateway's durable state"),
    (
        "--confirm-window-s",
        "AMPERA_CONFIRM_WINDOW_S",
        f"confirm window of a single press in seconds, every source (default "
        f"{DEFAULT_CONFIRM_WINDOW_S:g})",
    ),
    (
        "--confirm-window-button-s",
        "AMPERA_CONFIRM_WINDOW_BUTTON_S",
        "confirm window for physical buttons in seconds (overrides --confirm-window-s)",
    ),
    (
        "--confirm-window-app-s",
        "AMPERA_CONFIRM_WINDOW_APP_S",
        "confirm window for the phone app in seconds (overrides --confirm-window-s)",
    ),
    (
        "--merge-horizon-s",
        "AMPERA_MERGE_HORIZON_S",
        f"seconds after an incident's last event during which new presses attach to it "
        f"(default {DEFAULT_MERGE_HORIZON_S:g})",
    ),
    ("--metrics-host", "AMPERA_GATEWAY_METRICS_HOST", "listen address of /metrics"),
    (
        "--metrics-port",
        "AMPERA_GATEWAY_METRICS_PORT",
        f"port of /metrics (default {DEFAULT_METRICS_PORT}; 0 picks a free port and logs it)",
    ),
    (
        "--batch-max",
        "AMPERA_GATEWAY_BATCH_MAX",
        f"events per group commit (default {DEFAULT_BATCH_MAX}); keep below the broker's "
        "max_inflight_messages",
    ),
    (
        "--batch-wait-ms",
        "AMPERA_GATEWAY_BATCH_WAIT_MS",
        f"milliseconds a group commit waits to fill (default {DEFAULT_BATCH_WAIT_MS:g})",
    ),
    (
        "--changes-poll-s",
        "AMPERA_GATEWAY_CHANGES_POLL_S",
        "seconds between polls of the API change feed (default 1)",
    ),
    (
        "--status-interval-s",
        "AMPERA_GATEWAY_STATUS_INTERVAL_S",
        "seconds between posts of coalesced device status (default 5)",
    ),
    (
        "--resubscribe-s",
        "AMPERA_GATEWAY_RESUBSCRIBE_S",
        f"seconds between renewals of the subscriptions, which make the broker replay "
        f"retained events (default {DEFAULT_RESUBSCRIBE_S:g}; must stay below the 48 h dedup "
        "period)",
    ),
    (
        "--sqlite-synchronous",
        "AMPERA_GATEWAY_SQLITE_SYNCHRONOUS",
        "FULL (default: a commit survives a power cut) or NORMAL (survives a crash of the "
        "process only, several times faster)",
    ),
    ("--log-level", "AMPERA_LOG_LEVEL", "DEBUG, INFO, WARNING or ERROR (default INFO)"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ampera-gateway",
        description="MQTT gateway of Ampera Panic: dedup, confirm window, durable forwarding.",
    )
    for flag, env, help_text in OPTIONS:
        parser.add_argument(flag, default=None, help=f"{help_text} [env {env}]")
    parser.add_argument(
        "--demo",
        action="store_true",
        default=None,
        help="demo mode: no gateway token needed [env AMPERA_DEMO=1]",
    )
    return parser


def parse_mqtt_url(url: str) -> MqttTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts"):
        raise ConfigError(
            f"invalid MQTT URL {redact(url)!r}: the scheme must be mqtt:// or mqtts://; "
            "set AMPERA_MQTT_URL or --mqtt-url"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(
            f"invalid MQTT URL {redact(url)!r}: the port is not a number from 1 to 65535; "
            "set AMPERA_MQTT_URL or --mqtt-url"
        ) from None
    if not parts.hostname:
        raise ConfigError(
            f"invalid MQTT URL {redact(url)!r}: the host is missing; "
            "set AMPERA_MQTT_URL or --mqtt-url"
        )
    tls = parts.scheme == "mqtts"
    return MqttTarget(
        host=parts.hostname,
        port=port or (8883 if tls else 1883),
        tls=tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def redact(url: str) -> str:
    """Return ``url`` with its password replaced, safe to log."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def _number(value: str, flag: str, env: str, minimum: float, integer: bool = False) -> float:
    try:
        number = int(value) if integer else float(value)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise ConfigError(
            f"invalid {flag} {value!r}: expected {kind}; set {env} or {flag}"
        ) from None
    if number < minimum:
        raise ConfigError(f"invalid {flag} {value!r}: must be at least {minimum:g}; set {env}")
    return number


def parse(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Build the configuration; raise ConfigError with a one-line fix on bad input."""
    env = os.environ if environ is None else environ
    args = build_parser().parse_args(argv)

    def value(flag: str, default: str | None = None) -> str | None:
        attr = flag.lstrip("-").replace("-", "_")
        from_flag = getattr(args, attr)
        if from_flag is not None:
            return str(from_flag)
        env_name = next(name for option, name, _ in OPTIONS if option == flag)
        from_env = env.get(env_name)
        return from_env if from_env not in (None, "") else default

    demo = bool(args.demo) or env.get("AMPERA_DEMO", "").lower() in ("1", "true", "yes")

    mqtt_url = value("--mqtt-url", DEFAULT_MQTT_URL) or DEFAULT_MQTT_URL
    mqtt = parse_mqtt_url(mqtt_url)

    ca_text = value("--mqtt-ca-file")
    ca_file = Path(ca_text) if ca_text else None
    if ca_file is not None and not ca_file.is_file():
        raise ConfigError(
            f"CA file {str(ca_file)!r} not found; set AMPERA_MQTT_CA_FILE to a PEM file"
        )

    dispatch_url = (value("--dispatch-url", DEFAULT_DISPATCH_URL) or "").rstrip("/")
    dispatch_parts = urlsplit(dispatch_url)
    if dispatch_parts.scheme not in ("http", "https") or not dispatch_parts.hostname:
        raise ConfigError(
            f"invalid dispatch URL {dispatch_url!r}: expected http://host:port; "
            "set AMPERA_DISPATCH_URL or --dispatch-url"
        )

    token = value("--gateway-token")
    if not token:
        if not demo:
            raise ConfigError(
                "missing gateway token: set AMPERA_GATEWAY_TOKEN (or --gateway-token) to the "
                "token the dispatch API expects, or run with --demo / AMPERA_DEMO=1"
            )
        token = DEMO_TOKEN

    window_all = _number(
        value("--confirm-window-s", str(DEFAULT_CONFIRM_WINDOW_S)) or "",
        "--confirm-window-s",
        "AMPERA_CONFIRM_WINDOW_S",
        0,
    )
    windows = {}
    for source in SOURCES:
        flag = f"--confirm-window-{source}-s"
        text = value(flag)
        env_name = f"AMPERA_CONFIRM_WINDOW_{source.upper()}_S"
        windows[source] = _number(text, flag, env_name, 0) if text else window_all

    horizon = _number(
        value("--merge-horizon-s", str(DEFAULT_MERGE_HORIZON_S)) or "",
        "--merge-horizon-s",
        "AMPERA_MERGE_HORIZON_S",
        0,
    )
    metrics_port = int(
        _number(
            value("--metrics-port", str(DEFAULT_METRICS_PORT)) or "",
            "--metrics-port",
            "AMPERA_GATEWAY_METRICS_PORT",
            0,
            integer=True,
        )
    )
    if metrics_port > 65535:
        raise ConfigError(
            f"invalid --metrics-port {metrics_port}: must be 0-65535; "
            "set AMPERA_GATEWAY_METRICS_PORT"
        )
    batch_max = int(
        _number(
            value("--batch-max", str(DEFAULT_BATCH_MAX)) or "",
            "--batch-max",
            "AMPERA_GATEWAY_BATCH_MAX",
            1,
            integer=True,
        )
    )
    batch_wait_ms = _number(
        value("--batch-wait-ms", str(DEFAULT_BATCH_WAIT_MS)) or "",
        "--batch-wait-ms",
        "AMPERA_GATEWAY_BATCH_WAIT_MS",
        0,
    )
    changes_poll_s = _number(
        value("--changes-poll-s", "1") or "",
        "--changes-poll-s",
        "AMPERA_GATEWAY_CHANGES_POLL_S",
        0.05,
    )
    status_interval_s = _number(
        value("--status-interval-s", "5") or "",
        "--status-interval-s",
        "AMPERA_GATEWAY_STATUS_INTERVAL_S",
        0.05,
    )
    resubscribe_s = _number(
        value("--resubscribe-s", str(DEFAULT_RESUBSCRIBE_S)) or "",
        "--resubscribe-s",
        "AMPERA_GATEWAY_RESUBSCRIBE_S",
        1,
    )
    if resubscribe_s > MAX_RESUBSCRIBE_S:
        raise ConfigError(
            f"invalid --resubscribe-s {resubscribe_s:g}: must be at most {MAX_RESUBSCRIBE_S:g} "
            "so retained events are replayed within the dedup period; "
            "set AMPERA_GATEWAY_RESUBSCRIBE_S"
        )
    synchronous = (value("--sqlite-synchronous", "FULL") or "FULL").upper()
    if synchronous not in ("FULL", "NORMAL"):
        raise ConfigError(
            f"invalid --sqlite-synchronous {synchronous!r}: use FULL or NORMAL; "
            "set AMPERA_GATEWAY_SQLITE_SYNCHRONOUS"
        )
    log_level = (value("--log-level", "INFO") or "INFO").upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(
            f"invalid --log-level {log_level!r}: use DEBUG, INFO, WARNING or ERROR; "
            "set AMPERA_LOG_LEVEL"
        )

    return Config(
        mqtt_url=mqtt_url,
        mqtt=mqtt,
        mqtt_client_id=value("--mqtt-client-id", DEFAULT_CLIENT_ID) or DEFAULT_CLIENT_ID,
        mqtt_ca_file=ca_file,
        dispatch_url=dispatch_url,
        gateway_token=token,
        state_dir=Path(value("--state-dir", DEFAULT_STATE_DIR) or DEFAULT_STATE_DIR),
        confirm_window_s=windows,
        merge_horizon_s=horizon,
        metrics_host=value("--metrics-host", "127.0.0.1") or "127.0.0.1",
        metrics_port=metrics_port,
        batch_max=batch_max,
        batch_wait_ms=batch_wait_ms,
        changes_poll_s=changes_poll_s,
        status_interval_s=status_interval_s,
        resubscribe_s=resubscribe_s,
        sqlite_synchronous=synchronous,
        demo=demo,
        log_level=log_level,
    )

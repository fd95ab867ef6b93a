"""Coalesce heartbeats and status messages and post them to ``/v1/ingest/device-status``.

This path is not durable on purpose: the latest message per device is kept
in memory and posted every few seconds, and a lost post is replaced by the
next heartbeat.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import httpx

from gateway.logic import iso_utc
from gateway.logs import RateLimitedLog
from gateway.metrics import GatewayMetrics
from protocol import topics
from protocol.events import RejectReason

log = logging.getLogger("gateway.device_status")

DEVICE_STATUS_PATH = "/v1/ingest/device-status"
MAX_PAYLOAD_BYTES = 1024
# field -> (type, minimum, maximum) per topic suffix; the ranges are the
# ingest endpoint's, so one odd heartbeat cannot make the whole post invalid.
HEARTBEAT_FIELDS: dict[str, tuple[type, int, int]] = {
    "bat": (int, 0, 100),
    "rssi": (int, -200, 50),
    "uptime_s": (int, 0, 2**53),
    "queued": (int, 0, 2**31),
}
STATUS_FIELDS: dict[str, tuple[type, int, int]] = {"online": (bool, 0, 1), "fw": (str, 0, 32)}
ALL_FIELDS = ("online", "fw", "bat", "rssi", "uptime_s", "queued")


class StatusRejected(ValueError):
    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_status(suffix: str, payload: bytes) -> dict[str, Any] | None:
    """Return the known fields of a heartbeat or status payload; None for an empty one.

    An empty payload is how a retained status is cleared, so it is no error.
    """
    if not payload:
        return None
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise StatusRejected(RejectReason.OVERSIZE, f"{len(payload)} bytes")
    try:
        data = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise StatusRejected(RejectReason.INVALID_UTF8, "payload is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise StatusRejected(RejectReason.INVALID_JSON, str(exc)) from None
    if not isinstance(data, dict):
        raise StatusRejected(RejectReason.NOT_OBJECT, f"a JSON {type(data).__name__}")
    fields = HEARTBEAT_FIELDS if suffix == topics.HEARTBEAT else STATUS_FIELDS
    result: dict[str, Any] = {}
    for name, (kind, minimum, maximum) in fields.items():
        if name not in data or data[name] is None:
            continue
        value = data[name]
        # bool is an int in Python; a heartbeat number must not be true/false.
        valid = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if valid and kind is int:
            valid = minimum <= value <= maximum
        elif valid and kind is str:
            valid = len(value) <= maximum
        if not valid:
            raise StatusRejected(RejectReason.SCHEMA, f"field {name!r} has value {value!r}")
        result[name] = value
    return result


class StatusCoalescer:
    """Keep the latest known fields per device until the next post."""

    def __init__(self, metrics: GatewayMetrics) -> None:
        self.metrics = metrics
        self.errors = RateLimitedLog(log)
        self._lock = threading.Lock()
        self._devices: dict[str, dict[str, Any]] = {}

    def offer(self, topic: str, suffix: str, payload: bytes, retained: bool, now_ms: int) -> None:
        """Take one heartbeat or status message; called on the MQTT network thread."""
        parsed_topic = topics.parse_device_topic(topic)
        if parsed_topic is None:
            self._reject(RejectReason.BAD_TOPIC, topic, "topic or device id is invalid")
            return
        device_id = parsed_topic[0]
        try:
            fields = parse_status(suffix, payload)
        except StatusRejected as exc:
            self._reject(exc.reason, topic, str(exc))
            return
        if fields is None:
            return
        # A retained status is replayed at every subscribe, so its arrival
        # tells nothing about when the device was last seen.
        seen_at = None if retained else iso_utc(now_ms)
        with self._lock:
            entry = self._devices.setdefault(device_id, {"device_id": device_id})
            entry.update(fields)
            if seen_at is not None:
                entry["last_seen_at"] = seen_at

    def _reject(self, reason: RejectReason, topic: str, detail: str) -> None:
        self.metrics.rejects.labels(reason=reason.value).inc()
        self.errors.log(
            logging.WARNING,
            f"status:{reason}",
            "message_rejected",
            reason=reason.value,
            topic=topic,
            detail=detail,
        )

    def take(self) -> list[dict[str, Any]]:
        with self._lock:
            devices, self._devices = self._devices, {}
        # NOTE: the ingest endpoint requires last_seen_at, so a device known only
        # from a retained status replayed at subscribe time is not posted.
        return [
            {**{name: None for name in ALL_FIELDS}, **entry}
            for entry in devices.values()
            if "last_seen_at" in entry
        ]


class StatusPoster:
    """Thread body that posts the coalesced status every ``interval_s``."""

    def __init__(
        self,
        coalescer: StatusCoalescer,
        client: httpx.Client,
        metrics: GatewayMetrics,
        interval_s: float,
        stop: threading.Event,
    ) -> None:
        self.coalescer = coalescer
        self.client = client
        self.metrics = metrics
        self.interval_s = interval_s
        self.stop = stop
        self.errors = RateLimitedLog(log)

    def run(self) -> None:
        while not self.stop.wait(self.interval_s):
            self.post_once()

    def post_once(self) -> None:
        devices = self.coalescer.take()
        if not devices:
            return
        try:
            response = self.client.post(DEVICE_STATUS_PATH, json={"devices": devices})
            ok = response.status_code == 200
            problem = f"HTTP {response.status_code}: {response.text[:200]}"
        except httpx.HTTPError as exc:
            ok = False
            problem = f"{type(exc).__name__}: {exc}"
        self.metrics.status_posts.labels(result="ok" if ok else "failed").inc()
        if not ok:
            self.errors.log(
                logging.WARNING,
                f"status_post:{problem[:40]}",
                "device_status_post_failed",
                devices=len(devices),
                error=problem,
            )

"""Deliver outbox snapshots to ``POST /v1/ingest/alerts`` until the API accepts them.

A snapshot leaves the outbox only after a 200, so an API outage of any
length delays alerts but loses none. The API applies each
``(alert_id, version)`` once, so a resent batch duplicates nothing. The
synchronous ``httpx.Client`` is used because the async client cost about
four times the CPU per request on this workload.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from gateway.logs import RateLimitedLog, kv
from gateway.metrics import GatewayMetrics
from gateway.store import OutboxRow, Store

log = logging.getLogger("gateway.forwarder")

ALERTS_PATH = "/v1/ingest/alerts"
# The API accepts 1 to 500 snapshots per request.
MAX_BATCH = 500
REQUEST_TIMEOUT_S = 10.0
# Status codes that reject the request body: the batch is split, and a snapshot
# rejected on its own is parked. Any other failure is retried, because it may pass.
INVALID_STATUSES = (400, 422)


class TransientError(Exception):
    """The request failed in a way that a later retry may fix (network, 5xx, 401)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Backoff:
    """Capped exponential backoff with jitter: each delay is in [d/2, d], d doubling to a cap."""

    def __init__(self, first_s: float = 0.2, cap_s: float = 5.0) -> None:
        self.first_s = first_s
        self.cap_s = cap_s
        self.failures = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap_s, self.first_s * 2**self.failures)
        self.failures += 1
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0


def latest_versions(rows: list[OutboxRow]) -> list[OutboxRow]:
    """Keep only the newest version of each alert; a snapshot is the alert's full view."""
    newest: dict[str, OutboxRow] = {}
    for row in rows:
        kept = newest.get(row.alert_id)
        if kept is None or row.version > kept.version:
            newest[row.alert_id] = row
    return sorted(newest.values(), key=lambda row: row.seq)


class Forwarder:
    """The outbox worker; ``run`` is the body of its thread."""

    def __init__(
        self,
        store_factory: Callable[[], Store],
        client: httpx.Client,
        metrics: GatewayMetrics,
        wake: threading.Event,
        stop: threading.Event,
        clock_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.store_factory = store_factory
        self.client = client
        self.metrics = metrics
        self.wake = wake
        self.stop = stop
        self.clock_ms = clock_ms
        self.backoff = Backoff()
        self.errors = RateLimitedLog(log)
        self.failing_since: float | None = None

    def run(self) -> None:
        store = self.store_factory()
        try:
            while not self.stop.is_set():
                if not self.forward_once(store):
                    self.wake.wait(1.0)
                    self.wake.clear()
        finally:
            store.close()

    def flush(self, deadline_s: float) -> int:
        """Forward the outbox contents until it is empty or the deadline passes.

        Used on graceful stop; returns the snapshots left, which stay durable
        for the next start.
        """
        store = self.store_factory()
        try:
            end = time.monotonic() + deadline_s
            while time.monotonic() < end:
                try:
                    if not self._send_ready(store):
                        break
                except TransientError:
                    break
            return store.outbox_depth()
        finally:
            store.close()

    def forward_once(self, store: Store) -> bool:
        """Send one batch; return False when the outbox was empty."""
        try:
            return self._send_ready(store)
        except TransientError as exc:
            delay = self.backoff.next_delay()
            self.metrics.forward_errors.labels(kind=exc.kind).inc()
            if self.failing_since is None:
                self.failing_since = time.monotonic()
            self.errors.log(
                logging.WARNING,
                f"forward:{exc.kind}:{exc}",
                "forward_failed",
                kind=exc.kind,
                error=str(exc),
                retry_in_s=round(delay, 2),
                depth=store.outbox_depth(),
            )
            self.stop.wait(delay)
            return True

    def _send_ready(self, store: Store) -> bool:
        rows = store.outbox_batch(MAX_BATCH)
        self.metrics.outbox_depth.set(store.outbox_depth() if len(rows) == MAX_BATCH else len(rows))
        if not rows:
            return False
        self._deliver(store, rows)
        self.backoff.reset()
        if self.failing_since is not None:
            log.info(
                kv(
                    "forward_recovered",
                    outage_s=round(time.monotonic() - self.failing_since, 1),
                    depth=store.outbox_depth(),
                )
            )
            self.failing_since = None
        self.metrics.outbox_depth.set(store.outbox_depth())
        return True

    def _deliver(self, store: Store, rows: list[OutboxRow]) -> None:
        to_send = latest_versions(rows)
        response = self._post([row.snapshot for row in to_send])
        if response.status_code == 200:
            self._accepted(store, rows, to_send)
            return
        if response.status_code in INVALID_STATUSES:
            self._deliver_one_by_one(store, rows, to_send)
            return
        raise TransientError("http_status", f"HTTP {response.status_code}: {response.text[:200]}")

    def _deliver_one_by_one(
        self, store: Store, rows: list[OutboxRow], to_send: list[OutboxRow]
    ) -> None:
        # One bad snapshot must not hold back the rest: send each alone and park
        # the ones the API still rejects.
        for row in to_send:
            superseded = [
                other for other in rows if other.alert_id == row.alert_id and other.seq != row.seq
            ]
            response = self._post([row.snapshot])
            if response.status_code == 200:
                self._accepted(store, [row, *superseded], [row])
            elif response.status_code in INVALID_STATUSES:
                store.outbox_park(row.seq, response.text[:2000])
                store.outbox_delete(other.seq for other in superseded)
                self.metrics.parked.inc()
                self.metrics.outbox_parked.set(store.parked_count())
                log.error(
                    kv(
                        "snapshot_parked",
                        alert_id=row.alert_id,
                        version=row.version,
                        seq=row.seq,
                        error=response.text[:300],
                    )
                )
            else:
                raise TransientError(
                    "http_status", f"HTTP {response.status_code}: {response.text[:200]}"
                )

    def _accepted(self, store: Store, rows: list[OutboxRow], sent: list[OutboxRow]) -> None:
        store.outbox_delete(row.seq for row in rows)
        now_ms = self.clock_ms()
        for row in sent:
            self.metrics.forward_latency.observe(max(0, now_ms - row.created_ms) / 1000)
        self.metrics.forwarded.inc(len(sent))
        log.debug(kv("snapshots_forwarded", count=len(sent), rows=len(rows)))

    def _post(self, snapshots: list[dict[str, Any]]) -> httpx.Response:
        try:
            response = self.client.post(ALERTS_PATH, json={"alerts": snapshots})
        except httpx.TimeoutException as exc:
            raise TransientError("timeout", f"{type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:
            raise TransientError("connect", f"{type(exc).__name__}: {exc}") from None
        if response.status_code in (401, 403):
            raise TransientError(
                "unauthorized",
                f"HTTP {response.status_code}: the API rejected the gateway token; "
                "check AMPERA_GATEWAY_TOKEN",
            )
        return response

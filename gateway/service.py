"""Wire the gateway together: processor, forwarder, change-feed poller, status poster.

Threads and what they own:

- paho's network thread: receives messages and puts events on a queue.
- processor (``Gateway.run``): the only user of the ``Engine`` and of the
  writing ``Store``; it decides a batch, commits it in one transaction, then
  acknowledges the messages and publishes feedback.
- forwarder: reads the outbox with its own connection and posts snapshots.
- changes poller: reads the API change feed and hands it to the processor.
- status poster: posts coalesced heartbeats and status.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from gateway.config import SOURCES, Config, redact
from gateway.device_status import StatusCoalescer, StatusPoster
from gateway.forwarder import REQUEST_TIMEOUT_S, Forwarder
from gateway.logic import Decision, Engine, Feedback, LogicConfig, Outcome
from gateway.logs import RateLimitedLog, kv
from gateway.metrics import GatewayMetrics
from gateway.mqtt import InboundEvent, MqttAdapter
from gateway.store import Store
from protocol import topics
from protocol.events import InvalidEvent, RejectReason, parse_event
from protocol.feedback import FeedbackState, encode_feedback

log = logging.getLogger("gateway")

CHANGES_PATH = "/v1/ingest/changes"
CHANGES_LIMIT = 500
FEEDBACK_FROM_CHANGES = {
    "acknowledged": FeedbackState.ACKNOWLEDGED,
    "dispatched": FeedbackState.DISPATCHED,
    "resolved": FeedbackState.RESOLVED,
}
PRUNE_INTERVAL_S = 600.0
FLUSH_DEADLINE_S = 3.0


@dataclass(frozen=True)
class ChangeBatch:
    """Changes read from the feed, and the cursor to store once they are handled."""

    changes: list[dict[str, Any]]
    next_cursor: int
    publish: bool = True
    done: threading.Event = field(default_factory=threading.Event)


def wall_ms() -> int:
    return int(time.time() * 1000)


class Gateway:
    def __init__(self, config: Config, clock_ms: Callable[[], int] = wall_ms) -> None:
        self.config = config
        self.clock_ms = clock_ms
        self.metrics = GatewayMetrics()
        self.inbox: queue.Queue[object] = queue.Queue()
        self.stop_event = threading.Event()
        self.forward_wake = threading.Event()
        self.rejects = RateLimitedLog(log)
        self.store = Store(config.state_dir, synchronous=config.sqlite_synchronous)
        self.engine = Engine(
            LogicConfig(
                confirm_window_s=dict(config.confirm_window_s),
                merge_horizon_s=config.merge_horizon_s,
            ),
            self.store.load(),
        )
        self.coalescer = StatusCoalescer(self.metrics)
        self.mqtt = MqttAdapter(config, self.metrics, self.inbox, self.coalescer.offer, clock_ms)
        self.http = httpx.Client(
            base_url=config.dispatch_url,
            headers={"Authorization": f"Bearer {config.gateway_token}"},
            timeout=REQUEST_TIMEOUT_S,
        )
        self.forwarder = Forwarder(
            lambda: Store(config.state_dir, synchronous="NORMAL"),
            self.http,
            self.metrics,
            self.forward_wake,
            self.stop_event,
            clock_ms,
        )
        self.status_poster = StatusPoster(
            self.coalescer, self.http, self.metrics, config.status_interval_s, self.stop_event
        )
        self.initial_cursor = self.store.stored_cursor()
        self.threads: list[threading.Thread] = []
        self.last_prune = 0.0
        self.last_resubscribe = time.monotonic()
        self.metrics_port: int | None = None

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> None:
        self.metrics_port = self.metrics.serve(self.config.metrics_host, self.config.metrics_port)
        log.info(
            kv(
                "gateway_started",
                mqtt_url=redact(self.config.mqtt_url),
                dispatch_url=self.config.dispatch_url,
                state_dir=self.config.state_dir,
                confirm_window_button_s=self.config.confirm_window_s["button"],
                confirm_window_app_s=self.config.confirm_window_s["app"],
                merge_horizon_s=self.config.merge_horizon_s,
                sqlite_synchronous=self.config.sqlite_synchronous,
                metrics=f"http://{self.config.metrics_host}:{self.metrics_port}/metrics",
                demo=self.config.demo,
                pending_windows=self.engine.pending_count(),
                outbox_depth=self.store.outbox_depth(),
            )
        )
        self._update_gauges()
        for source in SOURCES:
            self._set_false_press_rate(source)
        self.metrics.outbox_parked.set(self.store.parked_count())
        for name, target in (
            ("forwarder", self.forwarder.run),
            ("changes", self._poll_changes),
            ("device-status", self.status_poster.run),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self.threads.append(thread)
        # Windows that ran out while the gateway was down are forwarded now,
        # before any new event is taken.
        self._step([], [])
        self.mqtt.start()

    def request_stop(self) -> None:
        """Stop taking messages and end ``run``; safe to call from a signal handler."""
        self.mqtt.accepting = False
        self.inbox.put(None)

    def shutdown(self) -> None:
        """Stop after the processor loop ended: flush, publish offline, close."""
        self.mqtt.accepting = False
        self.stop_event.set()
        self.forward_wake.set()
        for thread in self.threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 1)
        left = self.forwarder.flush(FLUSH_DEADLINE_S)
        self.mqtt.stop()
        self.http.close()
        self.store.close()
        log.info(kv("gateway_stopped", outbox_left=left))

    # -- processor ----------------------------------------------------------

    def run(self) -> None:
        """Process the inbox until ``request_stop``; the caller then calls ``shutdown``."""
        batch_max = self.config.batch_max
        wait_s = self.config.batch_wait_ms / 1000
        stopping = False
        while not stopping:
            first = self._next_item()
            if first is None:
                break
            events: list[InboundEvent] = []
            changes: list[ChangeBatch] = []
            items: list[object] = [first]
            if isinstance(first, InboundEvent):
                deadline = time.monotonic() + wait_s
                while len(items) < batch_max:
                    remaining = deadline - time.monotonic()
                    try:
                        item = (
                            self.inbox.get(timeout=remaining)
                            if remaining > 0
                            else (self.inbox.get_nowait())
                        )
                    except queue.Empty:
                        break
                    if item is None:
                        stopping = True
                        break
                    items.append(item)
            for item in items:
                if isinstance(item, InboundEvent):
                    events.append(item)
                elif isinstance(item, ChangeBatch):
                    changes.append(item)
            self._step(events, changes)
        # Take what is already queued so that it is committed and acknowledged.
        self.mqtt.accepting = False
        left: list[InboundEvent] = []
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, InboundEvent):
                left.append(item)
        for start in range(0, len(left), batch_max):
            self._step(left[start : start + batch_max], [])

    def _next_item(self) -> object | None:
        """Wait for the next inbox item; on a window deadline or timeout run a tick."""
        while True:
            deadline = self.engine.next_deadline_ms()
            timeout = 1.0
            if deadline is not None:
                timeout = min(timeout, max(0.0, (deadline - self.clock_ms()) / 1000))
            try:
                return self.inbox.get(timeout=timeout)
            except queue.Empty:
                self._step([], [])

    def _step(self, events: list[InboundEvent], changes: list[ChangeBatch]) -> None:
        """Decide, commit in one transaction, then acknowledge and publish."""
        now_ms = self.clock_ms()
        outcomes: list[Outcome] = []
        feedback: list[Feedback] = []
        for message in events:
            outcomes.extend(self._decide(message))
        outcomes.extend(self.engine.expire(now_ms))
        cursor = None
        for batch in changes:
            # Staff actions are already durable in the API, so their feedback is
            # published before the cursor that skips them is committed.
            for item in self._apply_changes(batch, now_ms, outcomes):
                self._publish_feedback(item)
            cursor = batch.next_cursor
        pruned_seen: list[tuple[str, str]] = []
        pruned_alerts: list[str] = []
        if time.monotonic() - self.last_prune > PRUNE_INTERVAL_S:
            self.last_prune = time.monotonic()
            pruned_seen, pruned_alerts = self.engine.prune(now_ms)

        if time.monotonic() - self.last_resubscribe > self.config.resubscribe_s:
            self.last_resubscribe = time.monotonic()
            self.mqtt.resubscribe()

        if outcomes or cursor is not None or pruned_seen or pruned_alerts:
            started = time.perf_counter()
            added = self.store.commit(
                outcomes, self.engine.state, now_ms, cursor, pruned_seen, pruned_alerts
            )
            self.metrics.commit_seconds.observe(time.perf_counter() - started)
            if added:
                self.forward_wake.set()
        if events:
            self.metrics.commit_batch.observe(len(events))

        acked_ms = self.clock_ms()
        for message in events:
            self.mqtt.ack(message)
            self.metrics.ack_latency.observe(max(0, acked_ms - message.received_ms) / 1000)
        for outcome in outcomes:
            feedback.extend(outcome.feedback)
            self._record(outcome)
        for item in feedback:
            self._publish_feedback(item)
        for batch in changes:
            batch.done.set()
        self._update_gauges()

    def _decide(self, message: InboundEvent) -> list[Outcome]:
        parsed = topics.parse_device_topic(message.topic)
        if parsed is None:
            self._reject(RejectReason.BAD_TOPIC, message, "topic or device id is invalid")
            return []
        device_id = parsed[0]
        try:
            event = parse_event(message.payload)
        except InvalidEvent as exc:
            self._reject(exc.reason, message, exc.message, device_id)
            return []
        outcomes = self.engine.handle_event(device_id, event, message.received_ms, message.retain)
        return outcomes

    def _reject(
        self, reason: RejectReason, message: InboundEvent, detail: str, device_id: str = ""
    ) -> None:
        self.metrics.rejects.labels(reason=reason.value).inc()
        self.metrics.events.labels(type="unknown", decision=Decision.REJECTED.value).inc()
        self.rejects.log(
            logging.WARNING,
            f"reject:{reason}",
            "message_rejected",
            reason=reason.value,
            topic=message.topic,
            device_id=device_id,
            bytes=len(message.payload),
            detail=detail[:200],
        )

    def _apply_changes(
        self, batch: ChangeBatch, now_ms: int, outcomes: list[Outcome]
    ) -> list[Feedback]:
        feedback = []
        for change in batch.changes:
            state = str(change.get("state", ""))
            self.metrics.changes_seen.labels(state=state or "unknown").inc()
            device_id = change.get("device_id")
            event_id = change.get("first_event_id")
            feedback_state = FEEDBACK_FROM_CHANGES.get(state)
            if (
                batch.publish
                and feedback_state is not None
                and isinstance(device_id, str)
                and isinstance(event_id, str)
                and topics.is_valid_device_id(device_id)
            ):
                feedback.append(Feedback(device_id, event_id, feedback_state))
            if state == "resolved" and isinstance(change.get("alert_id"), str):
                closed = self.engine.close_by_staff(change["alert_id"], now_ms)
                if closed is not None:
                    outcomes.append(closed)
        return feedback

    def _record(self, outcome: Outcome) -> None:
        """Log and count one decision."""
        decision = outcome.decision.value
        self.metrics.count_event(outcome.event_type or "none", decision)
        if outcome.decision in (Decision.DUPLICATE, Decision.RETAINED_REPLAY_IGNORED):
            self.metrics.count_duplicate(decision)
        alert = outcome.alert
        if outcome.counts and alert is not None:
            self.metrics.alerts.labels(source=alert.source, outcome=alert.outcome or "none").inc()
            self._set_false_press_rate(alert.source)
        level = logging.DEBUG if outcome.decision is Decision.DUPLICATE else logging.INFO
        # Duplicates are logged at DEBUG; skip building their line when it is discarded.
        if not log.isEnabledFor(level):
            return
        fields: dict[str, object] = {
            "decision": decision,
            "device_id": outcome.device_id,
            "event_id": outcome.event_id or "",
            "type": outcome.event_type or "",
        }
        if alert is not None:
            fields.update(
                alert_id=alert.alert_id,
                version=alert.version,
                outcome=alert.outcome.value if alert.outcome else "pending",
                press_count=alert.press_count,
            )
        log.log(level, kv("decision", **fields))

    def _publish_feedback(self, item: Feedback) -> None:
        extra: dict[str, object] = {}
        if item.remaining_s is not None:
            extra["remaining_s"] = item.remaining_s
        payload = encode_feedback(item.alert_event_id, item.state, **extra)
        self.mqtt.publish(topics.device_topic(item.device_id, topics.FEEDBACK), payload)
        self.metrics.count_feedback(item.state.value)

    def _update_gauges(self) -> None:
        self.metrics.pending_windows.set(self.engine.pending_count())

    def _set_false_press_rate(self, source: str) -> None:
        counts = self.engine.counts_for("source", source)
        total = sum(counts.values())
        rate = counts["cancelled"] / total if total else 0.0
        self.metrics.false_press_rate.labels(source=source).set(rate)

    # -- change feed ----------------------------------------------------------

    def _poll_changes(self) -> None:
        """Read the change feed about once a second and hand it to the processor."""
        errors = RateLimitedLog(log)
        cursor = self.initial_cursor
        # A gateway with no stored cursor skips the feed's history instead of
        # sending old feedback to every device.
        catching_up = cursor is None
        cursor = cursor or 0
        while not self.stop_event.is_set():
            try:
                response = self.http.get(
                    CHANGES_PATH, params={"after": cursor, "limit": CHANGES_LIMIT}
                )
                if response.status_code != 200:
                    raise httpx.HTTPStatusError(
                        f"HTTP {response.status_code}: {response.text[:200]}",
                        request=response.request,
                        response=response,
                    )
                body = response.json()
                changes = list(body.get("changes") or [])
                next_cursor = int(body.get("next") or cursor)
            except (httpx.HTTPError, ValueError, TypeError) as exc:
                errors.log(
                    logging.WARNING,
                    f"changes:{type(exc).__name__}",
                    "changes_poll_failed",
                    error=str(exc)[:300],
                    cursor=cursor,
                )
                self.stop_event.wait(self.config.changes_poll_s)
                continue
            # The first poll of a fresh state stores its cursor even when the feed
            # is empty, so a restart does not skip history made in between.
            previous = cursor
            if changes or next_cursor != cursor or catching_up:
                batch = ChangeBatch(changes, next_cursor, publish=not catching_up)
                self.inbox.put(batch)
                # Wait until the processor stored the cursor, so a batch is
                # never handed over twice.
                while not batch.done.wait(0.5):
                    if self.stop_event.is_set():
                        return
                cursor = next_cursor
            # A page lists only state changes, so it can read the full limit of
            # entries and still list fewer. Each entry has its own sequence
            # number, so a cursor that moved by less than the limit means the
            # page was not full.
            if next_cursor - previous < CHANGES_LIMIT:
                catching_up = False
                self.stop_event.wait(self.config.changes_poll_s)

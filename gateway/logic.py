"""Decide what each device event means: dedup, confirm window, incident merging.

This module does no I/O and never reads the clock. Every call takes the
gateway's receive time in Unix milliseconds (``now_ms``) and returns
``Outcome`` records that name the decision and carry what the caller must
store, forward and publish. The device's own ``ts`` is only recorded.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from protocol.events import Event
from protocol.feedback import FeedbackState

# Seen event ids are kept this long; the contract requires at least 24 h.
SEEN_TTL_MS = 48 * 3600 * 1000
# Closed alerts stay in memory this long so that a late cancel naming them is
# recognised (and ignored) rather than treated as unknown.
CLOSED_TTL_MS = 48 * 3600 * 1000
# Events kept in one alert's event list; press_count keeps counting past it.
MAX_EVENTS_PER_ALERT = 100

DEFAULT_CONFIRM_WINDOW_S = 10.0
DEFAULT_MERGE_HORIZON_S = 3600.0


class Decision(StrEnum):
    """The named result of one gateway step; logged, counted and stored with the alert."""

    DUPLICATE = "duplicate"
    RETAINED_REPLAY_IGNORED = "retained_replay_ignored"
    WINDOW_OPENED = "window_opened"
    CONFIRMED_BY_HOLD = "confirmed_by_hold"
    CONFIRMED_BY_SECOND_PRESS = "confirmed_by_second_press"
    CANCELLED = "cancelled"
    EXPIRED_UNCONFIRMED = "expired_unconfirmed"
    ATTACHED_TO_OPEN_INCIDENT = "attached_to_open_incident"
    CANCEL_IGNORED = "cancel_ignored"
    CANCEL_AFTER_CONFIRM = "cancel_after_confirm"
    TEST_FORWARDED = "test_forwarded"
    CLOSED_BY_STAFF = "closed_by_staff"
    REJECTED = "rejected"


class Phase(StrEnum):
    """Lifecycle stage of an alert in the gateway's own view."""

    PENDING = "pending"  # confirm window running, nothing forwarded yet
    OPEN = "open"  # forwarded; later events from the device attach to it
    CLOSED = "closed"  # cancelled, resolved by staff, a test, or past the merge horizon


class AlertOutcome(StrEnum):
    """The alert outcome sent to the dispatch API."""

    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"


OUTCOMES = (AlertOutcome.CONFIRMED, AlertOutcome.UNCONFIRMED, AlertOutcome.CANCELLED)


@dataclass(frozen=True)
class LogicConfig:
    """Timing rules; the window is per source (``button``, ``app``)."""

    confirm_window_s: dict[str, float] = field(
        default_factory=lambda: {
            "button": DEFAULT_CONFIRM_WINDOW_S,
            "app": DEFAULT_CONFIRM_WINDOW_S,
        }
    )
    merge_horizon_s: float = DEFAULT_MERGE_HORIZON_S

    def window_ms(self, source: str) -> int:
        return round(self.confirm_window_s.get(source, DEFAULT_CONFIRM_WINDOW_S) * 1000)

    @property
    def merge_horizon_ms(self) -> int:
        return round(self.merge_horizon_s * 1000)


@dataclass
class Alert:
    """The gateway's full record of one alert; stored as JSON and sent as a snapshot."""

    alert_id: str
    device_id: str
    source: str
    test: bool
    phase: Phase
    outcome: AlertOutcome | None
    decision: Decision
    version: int
    first_event_id: str
    first_event_at_ms: int
    last_event_at_ms: int
    window_deadline_ms: int | None
    press_count: int
    cancel_after_confirm: bool = False
    loc: dict[str, Any] | None = None
    bat: int | None = None
    age_at_arrival_ms: int | None = None
    clock_skew_ms: int | None = None
    closed_at_ms: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["events"] = [dict(event) for event in self.events]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Alert:
        values = dict(data)
        values["phase"] = Phase(values["phase"])
        values["decision"] = Decision(values["decision"])
        if values["outcome"] is not None:
            values["outcome"] = AlertOutcome(values["outcome"])
        return cls(**values)

    def has_event(self, event_id: str) -> bool:
        return any(event["id"] == event_id for event in self.events)


@dataclass(frozen=True)
class Feedback:
    """One feedback message for ``ampera/v1/dev/{device_id}/feedback``."""

    device_id: str
    alert_event_id: str
    state: FeedbackState
    remaining_s: float | None = None


@dataclass(frozen=True)
class SeenId:
    device_id: str
    event_id: str
    received_at_ms: int
    retained: bool


@dataclass
class Outcome:
    """What one step decided and what the caller must make durable, forward and publish.

    ``alert`` is the live alert object the step changed; ``snapshot`` is set when
    a new version must go to the dispatch API; ``counts`` lists the
    false-press counters (``("device", id)`` or ``("source", name)``) whose
    values changed.
    """

    decision: Decision
    device_id: str
    event_id: str | None = None
    event_type: str | None = None
    alert: Alert | None = None
    snapshot: dict[str, Any] | None = None
    feedback: list[Feedback] = field(default_factory=list)
    seen: SeenId | None = None
    counts: list[tuple[str, str]] = field(default_factory=list)


# The formatted date and time of the last whole second passed to iso_utc. Each
# event formats the receive time up to three times, mostly within one second.
_last_second: tuple[int, str] = (0, "1970-01-01T00:00:00.")


def iso_utc(ms: int) -> str:
    """Format Unix milliseconds as ISO 8601 UTC with millisecond precision."""
    global _last_second
    second = ms // 1000
    cached_second, prefix = _last_second
    if second != cached_second:
        prefix = datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        _last_second = (second, prefix)
    return prefix + f"{ms % 1000:03d}Z"


def empty_counts() -> dict[str, int]:
    return {outcome.value: 0 for outcome in OUTCOMES}


def false_press_rate(counts: dict[str, int]) -> float:
    """Return cancelled / all ended alerts, 0.0 before the first one."""
    total = sum(counts.values())
    return round(counts["cancelled"] / total, 3) if total else 0.0


@dataclass
class EngineState:
    """Everything the engine decides from; the store saves and reloads it."""

    seen: dict[tuple[str, str], int] = field(default_factory=dict)
    retained: set[tuple[str, str]] = field(default_factory=set)
    alerts: dict[str, Alert] = field(default_factory=dict)
    counts: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)


class Engine:
    """Turn events, window expiries and staff resolutions into decisions.

    The caller must run one step at a time and make each step's outcomes
    durable before it acknowledges the MQTT message or publishes feedback.
    """

    def __init__(
        self,
        config: LogicConfig,
        state: EngineState | None = None,
        new_alert_id: Callable[[], str] | None = None,
    ) -> None:
        self.config = config
        self.state = state or EngineState()
        self.new_alert_id = new_alert_id or (lambda: str(uuid.uuid4()))
        # Indexes over state.alerts, so each event costs the same with many devices.
        self._by_device: dict[str, dict[str, Alert]] = {}
        self._pending: dict[str, Alert] = {}
        for alert in self.state.alerts.values():
            self._track(alert)

    def _track(self, alert: Alert) -> None:
        self._by_device.setdefault(alert.device_id, {})[alert.alert_id] = alert
        if alert.phase is Phase.PENDING:
            self._pending[alert.alert_id] = alert

    def _set_phase(self, alert: Alert, phase: Phase) -> None:
        alert.phase = phase
        if phase is Phase.PENDING:
            self._pending[alert.alert_id] = alert
        else:
            self._pending.pop(alert.alert_id, None)

    def _device_alerts(self, device_id: str) -> Iterable[Alert]:
        return self._by_device.get(device_id, {}).values()

    # -- queries ----------------------------------------------------------

    def pending_alert(self, device_id: str) -> Alert | None:
        for alert in self._device_alerts(device_id):
            if alert.phase is Phase.PENDING:
                return alert
        return None

    def open_alert(self, device_id: str, now_ms: int) -> Alert | None:
        """Return the device's forwarded alert that a new event would attach to."""
        for alert in self._device_alerts(device_id):
            if (
                alert.phase is Phase.OPEN
                and now_ms - alert.last_event_at_ms <= self.config.merge_horizon_ms
            ):
                return alert
        return None

    def pending_count(self) -> int:
        return len(self._pending)

    def next_deadline_ms(self) -> int | None:
        deadlines = [
            alert.window_deadline_ms
            for alert in self._pending.values()
            if alert.window_deadline_ms is not None
        ]
        return min(deadlines) if deadlines else None

    def counts_for(self, kind: str, key: str) -> dict[str, int]:
        counts = self.state.counts.get((kind, key))
        if counts is None:
            counts = self.state.counts[(kind, key)] = empty_counts()
        return counts

    # -- steps ------------------------------------------------------------

    def expire(self, now_ms: int) -> list[Outcome]:
        """Forward every pending alert whose window ended at or before ``now_ms``."""
        due = [
            alert
            for alert in self._pending.values()
            if alert.window_deadline_ms is not None and alert.window_deadline_ms <= now_ms
        ]
        due.sort(key=lambda alert: (alert.window_deadline_ms or 0, alert.alert_id))
        outcomes = []
        for alert in due:
            self._set_phase(alert, Phase.OPEN)
            alert.outcome = AlertOutcome.UNCONFIRMED
            alert.window_deadline_ms = None
            outcome = self._new_version(alert, Decision.EXPIRED_UNCONFIRMED)
            outcome.counts = self._count(alert, None, AlertOutcome.UNCONFIRMED)
            outcome.snapshot = self.snapshot(alert)
            outcome.feedback.append(
                Feedback(alert.device_id, alert.first_event_id, FeedbackState.UNCONFIRMED)
            )
            outcomes.append(outcome)
        return outcomes

    def handle_event(
        self, device_id: str, event: Event, now_ms: int, retained: bool = False
    ) -> list[Outcome]:
        """Decide one valid event received at ``now_ms``; window expiries come first."""
        outcomes = self.expire(now_ms)
        key = (device_id, event.id)
        if key in self.state.retained or (retained and key in self.state.seen):
            seen = None
            if key not in self.state.retained:
                # A message seen live and now replayed from the broker's retained
                # store: remember it for good, since it comes back at every subscribe.
                self.state.retained.add(key)
                seen = SeenId(device_id, event.id, self.state.seen[key], True)
            decision = Decision.RETAINED_REPLAY_IGNORED
            outcomes.append(Outcome(decision, device_id, event.id, event.type, seen=seen))
            return outcomes
        if key in self.state.seen:
            duplicate = Outcome(Decision.DUPLICATE, device_id, event.id, event.type)
            duplicate.feedback = self._repeat_feedback(device_id, event.id, now_ms)
            outcomes.append(duplicate)
            return outcomes

        self.state.seen[key] = now_ms
        if retained:
            self.state.retained.add(key)
        seen = SeenId(device_id, event.id, now_ms, retained)

        if event.type == "test":
            outcome = self._open_test(device_id, event, now_ms)
        elif event.type == "cancel":
            outcome = self._cancel(device_id, event, now_ms)
        else:
            outcome = self._press_or_hold(device_id, event, now_ms)
        outcome.seen = seen
        outcomes.append(outcome)
        return outcomes

    def close_by_staff(self, alert_id: str, now_ms: int) -> Outcome | None:
        """Close the alert after staff resolved its incident, so a new press opens a new one."""
        alert = self.state.alerts.get(alert_id)
        if alert is None or alert.phase is not Phase.OPEN:
            return None
        self._set_phase(alert, Phase.CLOSED)
        alert.closed_at_ms = now_ms
        return Outcome(Decision.CLOSED_BY_STAFF, alert.device_id, alert=alert)

    def prune(self, now_ms: int) -> tuple[list[tuple[str, str]], list[str]]:
        """Forget seen ids and closed alerts past their time; return what to delete."""
        old_ids = [key for key, at in self.state.seen.items() if now_ms - at > SEEN_TTL_MS]
        for key in old_ids:
            del self.state.seen[key]
        old_alerts = []
        for alert in list(self.state.alerts.values()):
            idle_ms = now_ms - alert.last_event_at_ms
            if alert.phase is Phase.OPEN and idle_ms > self.config.merge_horizon_ms:
                self._set_phase(alert, Phase.CLOSED)
                alert.closed_at_ms = now_ms
            if alert.phase is Phase.CLOSED and now_ms - (alert.closed_at_ms or 0) > CLOSED_TTL_MS:
                old_alerts.append(alert.alert_id)
                del self.state.alerts[alert.alert_id]
                device_alerts = self._by_device.get(alert.device_id, {})
                device_alerts.pop(alert.alert_id, None)
                if not device_alerts:
                    self._by_device.pop(alert.device_id, None)
        return old_ids, old_alerts

    def _repeat_feedback(self, device_id: str, event_id: str, now_ms: int) -> list[Feedback]:
        """Return the current feedback for a resent event.

        A device resends an event when it got no answer, for example because
        the gateway crashed after its commit but before the feedback went out.
        """
        alert = next(
            (alert for alert in self._device_alerts(device_id) if alert.has_event(event_id)),
            None,
        )
        if alert is None:
            return []
        if alert.test:
            state = FeedbackState.TEST
        elif alert.phase is Phase.PENDING and alert.window_deadline_ms is not None:
            remaining_s = max(0, alert.window_deadline_ms - now_ms) / 1000
            return [Feedback(device_id, alert.first_event_id, FeedbackState.PENDING, remaining_s)]
        elif alert.outcome is not None:
            state = FeedbackState(alert.outcome.value)
        else:
            return []
        return [Feedback(device_id, alert.first_event_id, state)]

    # -- event kinds ------------------------------------------------------

    def _press_or_hold(self, device_id: str, event: Event, now_ms: int) -> Outcome:
        pending = self.pending_alert(device_id)
        if pending is not None:
            decision = (
                Decision.CONFIRMED_BY_HOLD
                if event.type == "hold"
                else Decision.CONFIRMED_BY_SECOND_PRESS
            )
            self._set_phase(pending, Phase.OPEN)
            pending.outcome = AlertOutcome.CONFIRMED
            pending.window_deadline_ms = None
            self._record_event(pending, event, now_ms, counts_as_press=True)
            outcome = self._new_version(pending, decision, event)
            outcome.counts = self._count(pending, None, AlertOutcome.CONFIRMED)
            return self._forward(outcome, pending, FeedbackState.CONFIRMED)

        open_alert = self.open_alert(device_id, now_ms)
        if open_alert is not None:
            # Pressing again after the window, or holding, shows the person
            # means it: an unconfirmed incident becomes confirmed.
            self._record_event(open_alert, event, now_ms, counts_as_press=True)
            previous = open_alert.outcome
            open_alert.outcome = AlertOutcome.CONFIRMED
            outcome = self._new_version(open_alert, Decision.ATTACHED_TO_OPEN_INCIDENT, event)
            if previous is not AlertOutcome.CONFIRMED:
                outcome.counts = self._count(open_alert, previous, AlertOutcome.CONFIRMED)
            return self._forward(outcome, open_alert, FeedbackState.CONFIRMED)

        self._close_stale_open(device_id)
        alert = self._new_alert(device_id, event, now_ms, test=False)
        if event.type == "hold":
            self._set_phase(alert, Phase.OPEN)
            alert.outcome = AlertOutcome.CONFIRMED
            outcome = self._new_version(alert, Decision.CONFIRMED_BY_HOLD, event)
            outcome.counts = self._count(alert, None, AlertOutcome.CONFIRMED)
            return self._forward(outcome, alert, FeedbackState.CONFIRMED)

        window_ms = self.config.window_ms(event.source)
        alert.window_deadline_ms = now_ms + window_ms
        outcome = self._new_version(alert, Decision.WINDOW_OPENED, event)
        outcome.feedback.append(
            Feedback(device_id, event.id, FeedbackState.PENDING, remaining_s=window_ms / 1000)
        )
        return outcome

    def _cancel(self, device_id: str, event: Event, now_ms: int) -> Outcome:
        target: Alert | None
        if event.alert is not None:
            target = next(
                (
                    alert
                    for alert in self._device_alerts(device_id)
                    if not alert.test
                    and (alert.first_event_id == event.alert or alert.has_event(event.alert))
                ),
                None,
            )
        else:
            target = self.pending_alert(device_id) or self.open_alert(device_id, now_ms)

        if target is None or target.phase is Phase.CLOSED:
            return Outcome(Decision.CANCEL_IGNORED, device_id, event.id, event.type)

        if target.phase is Phase.PENDING:
            self._set_phase(target, Phase.CLOSED)
            target.outcome = AlertOutcome.CANCELLED
            target.window_deadline_ms = None
            target.closed_at_ms = now_ms
            self._record_event(target, event, now_ms, counts_as_press=False)
            outcome = self._new_version(target, Decision.CANCELLED, event)
            outcome.counts = self._count(target, None, AlertOutcome.CANCELLED)
            return self._forward(outcome, target, FeedbackState.CANCELLED)

        # NOTE: no feedback here on purpose. A person forced to cancel must not
        # give the one forcing them a visible sign that the alert is still active.
        target.cancel_after_confirm = True
        self._record_event(target, event, now_ms, counts_as_press=False)
        outcome = self._new_version(target, Decision.CANCEL_AFTER_CONFIRM, event)
        outcome.snapshot = self.snapshot(target)
        return outcome

    def _open_test(self, device_id: str, event: Event, now_ms: int) -> Outcome:
        alert = self._new_alert(device_id, event, now_ms, test=True)
        self._set_phase(alert, Phase.CLOSED)
        alert.closed_at_ms = now_ms
        alert.outcome = AlertOutcome.CONFIRMED
        outcome = self._new_version(alert, Decision.TEST_FORWARDED, event)
        return self._forward(outcome, alert, FeedbackState.TEST)

    # -- helpers ----------------------------------------------------------

    def _new_alert(self, device_id: str, event: Event, now_ms: int, test: bool) -> Alert:
        alert = Alert(
            alert_id=self.new_alert_id(),
            device_id=device_id,
            source=event.source,
            test=test,
            phase=Phase.PENDING,
            outcome=None,
            decision=Decision.WINDOW_OPENED,
            version=0,
            first_event_id=event.id,
            first_event_at_ms=now_ms,
            last_event_at_ms=now_ms,
            window_deadline_ms=None,
            press_count=0,
        )
        if event.ts is not None:
            alert.age_at_arrival_ms = now_ms - event.ts
        self._record_event(alert, event, now_ms, counts_as_press=event.type in ("press", "hold"))
        self.state.alerts[alert.alert_id] = alert
        self._track(alert)
        return alert

    def _record_event(self, alert: Alert, event: Event, now_ms: int, counts_as_press: bool) -> None:
        alert.last_event_at_ms = now_ms
        if counts_as_press:
            alert.press_count += 1
        if event.loc is not None:
            alert.loc = event.loc.model_dump()
        if event.bat is not None:
            alert.bat = event.bat
        if event.ts is not None:
            # The device clock minus the gateway clock at receipt. Delivery delay
            # makes it smaller, so the largest value over the alert's events is
            # the best estimate of the device's real clock offset.
            skew = event.ts - now_ms
            if alert.clock_skew_ms is None or skew > alert.clock_skew_ms:
                alert.clock_skew_ms = skew
        if len(alert.events) < MAX_EVENTS_PER_ALERT:
            alert.events.append(
                {
                    "id": event.id,
                    "type": event.type,
                    "seq": event.seq,
                    "received_at": iso_utc(now_ms),
                    "ts": event.ts,
                }
            )

    def _close_stale_open(self, device_id: str) -> None:
        # An open alert past the merge horizon stops being the device's
        # incident in the gateway; staff still see it until they resolve it.
        for alert in self._device_alerts(device_id):
            if alert.phase is Phase.OPEN:
                self._set_phase(alert, Phase.CLOSED)
                alert.closed_at_ms = alert.last_event_at_ms

    def _new_version(self, alert: Alert, decision: Decision, event: Event | None = None) -> Outcome:
        alert.version += 1
        alert.decision = decision
        return Outcome(
            decision,
            alert.device_id,
            event.id if event else None,
            event.type if event else None,
            alert=alert,
        )

    def _forward(self, outcome: Outcome, alert: Alert, state: FeedbackState) -> Outcome:
        outcome.snapshot = self.snapshot(alert)
        outcome.feedback.append(Feedback(alert.device_id, alert.first_event_id, state))
        return outcome

    def _count(
        self, alert: Alert, previous: AlertOutcome | None, new: AlertOutcome
    ) -> list[tuple[str, str]]:
        if alert.test:
            return []
        keys = [("device", alert.device_id), ("source", alert.source)]
        for kind, key in keys:
            counts = self.counts_for(kind, key)
            if previous is not None:
                counts[previous.value] -= 1
            counts[new.value] += 1
        return keys

    def snapshot(self, alert: Alert) -> dict[str, Any]:
        """Build the alert snapshot for ``POST /v1/ingest/alerts``."""
        device_counts = dict(self.counts_for("device", alert.device_id))
        source_counts = dict(self.counts_for("source", alert.source))
        return {
            "alert_id": alert.alert_id,
            "version": alert.version,
            "device_id": alert.device_id,
            "source": alert.source,
            "test": alert.test,
            "outcome": alert.outcome.value if alert.outcome else None,
            "decision": alert.decision.value,
            "first_event_id": alert.first_event_id,
            "first_event_at": iso_utc(alert.first_event_at_ms),
            "last_event_at": iso_utc(alert.last_event_at_ms),
            "press_count": alert.press_count,
            "cancel_after_confirm": alert.cancel_after_confirm,
            "loc": alert.loc,
            "bat": alert.bat,
            "age_at_arrival_ms": alert.age_at_arrival_ms,
            "clock_skew_ms": alert.clock_skew_ms,
            "false_press": {
                "device": device_counts,
                "source": source_counts,
                "device_rate": false_press_rate(device_counts),
                "source_rate": false_press_rate(source_counts),
            },
            "events": [dict(event) for event in alert.events],
        }


def outcome_alerts(outcomes: Iterable[Outcome]) -> list[Alert]:
    """Return the distinct alerts touched by ``outcomes``, last state of each."""
    by_id: dict[str, Alert] = {}
    for outcome in outcomes:
        if outcome.alert is not None:
            by_id[outcome.alert.alert_id] = outcome.alert
    return list(by_id.values())

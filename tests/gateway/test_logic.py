"""Decision logic with a fake clock: every case is a table of (time, event) steps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.logic import (
    SEEN_TTL_MS,
    AlertOutcome,
    Decision,
    Engine,
    LogicConfig,
    Outcome,
    Phase,
)
from protocol.events import Event
from protocol.feedback import FeedbackState

T0 = 1_796_000_000_000  # a fixed wall-clock instant in Unix ms
WINDOW_S = 10.0
HORIZON_S = 3600.0
DEVICE = "btn-0001"


def make_engine(**config: Any) -> Engine:
    counter = itertools.count(1)
    settings = {
        "confirm_window_s": {"button": WINDOW_S, "app": 5.0},
        "merge_horizon_s": HORIZON_S,
        **config,
    }
    return Engine(LogicConfig(**settings), new_alert_id=lambda: f"alert-{next(counter)}")


def event(event_id: str, kind: str = "press", **fields: Any) -> Event:
    values: dict[str, Any] = {
        "v": 1,
        "id": event_id,
        "type": kind,
        "source": "button",
        "seq": 0,
        "ts": None,
    }
    values.update(fields)
    return Event.model_validate(values)


@dataclass
class Step:
    at_s: float
    event_id: str | None  # None: only advance the clock (window expiry)
    kind: str = "press"
    device: str = DEVICE
    retained: bool = False
    fields: dict[str, Any] | None = None


def run(engine: Engine, steps: list[Step]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for step in steps:
        now = T0 + round(step.at_s * 1000)
        if step.event_id is None:
            outcomes.extend(engine.expire(now))
        else:
            outcomes.extend(
                engine.handle_event(
                    step.device,
                    event(step.event_id, step.kind, **(step.fields or {})),
                    now,
                    step.retained,
                )
            )
    return outcomes


def decisions(outcomes: list[Outcome]) -> list[Decision]:
    return [outcome.decision for outcome in outcomes]


CASES = [
    (
        "press_then_expiry_forwards_unconfirmed",
        [Step(0, "a"), Step(10, None)],
        [Decision.WINDOW_OPENED, Decision.EXPIRED_UNCONFIRMED],
        AlertOutcome.UNCONFIRMED,
        1,
    ),
    (
        "window_still_open_just_before_deadline",
        [Step(0, "a"), Step(9.999, None)],
        [Decision.WINDOW_OPENED],
        None,
        1,
    ),
    (
        "hold_in_window_confirms",
        [Step(0, "a"), Step(3, "b", "hold")],
        [Decision.WINDOW_OPENED, Decision.CONFIRMED_BY_HOLD],
        AlertOutcome.CONFIRMED,
        2,
    ),
    (
        "hold_alone_confirms_at_once",
        [Step(0, "a", "hold")],
        [Decision.CONFIRMED_BY_HOLD],
        AlertOutcome.CONFIRMED,
        1,
    ),
    (
        "second_press_in_window_confirms",
        [Step(0, "a"), Step(2, "b")],
        [Decision.WINDOW_OPENED, Decision.CONFIRMED_BY_SECOND_PRESS],
        AlertOutcome.CONFIRMED,
        2,
    ),
    (
        "cancel_in_window_cancels",
        [Step(0, "a"), Step(4, "c", "cancel")],
        [Decision.WINDOW_OPENED, Decision.CANCELLED],
        AlertOutcome.CANCELLED,
        1,
    ),
    (
        "cancel_naming_the_press_cancels",
        [Step(0, "a"), Step(4, "c", "cancel", fields={"alert": "a"})],
        [Decision.WINDOW_OPENED, Decision.CANCELLED],
        AlertOutcome.CANCELLED,
        1,
    ),
    (
        "cancel_naming_unknown_press_is_ignored",
        [Step(0, "a"), Step(4, "c", "cancel", fields={"alert": "zzz"}), Step(10, None)],
        [Decision.WINDOW_OPENED, Decision.CANCEL_IGNORED, Decision.EXPIRED_UNCONFIRMED],
        AlertOutcome.UNCONFIRMED,
        1,
    ),
    (
        "cancel_after_confirm_does_not_withdraw",
        [Step(0, "a", "hold"), Step(5, "c", "cancel")],
        [Decision.CONFIRMED_BY_HOLD, Decision.CANCEL_AFTER_CONFIRM],
        AlertOutcome.CONFIRMED,
        1,
    ),
    (
        "cancel_after_expiry_does_not_withdraw",
        [Step(0, "a"), Step(10, None), Step(12, "c", "cancel")],
        [Decision.WINDOW_OPENED, Decision.EXPIRED_UNCONFIRMED, Decision.CANCEL_AFTER_CONFIRM],
        AlertOutcome.UNCONFIRMED,
        1,
    ),
    (
        "duplicate_does_not_raise_press_count",
        [Step(0, "a"), Step(1, "a"), Step(2, "a"), Step(10, None)],
        [
            Decision.WINDOW_OPENED,
            Decision.DUPLICATE,
            Decision.DUPLICATE,
            Decision.EXPIRED_UNCONFIRMED,
        ],
        AlertOutcome.UNCONFIRMED,
        1,
    ),
    (
        "press_after_expiry_attaches_and_confirms",
        [Step(0, "a"), Step(10, None), Step(60, "b")],
        [
            Decision.WINDOW_OPENED,
            Decision.EXPIRED_UNCONFIRMED,
            Decision.ATTACHED_TO_OPEN_INCIDENT,
        ],
        AlertOutcome.CONFIRMED,
        2,
    ),
    (
        "hold_after_hold_attaches",
        [Step(0, "a", "hold"), Step(30, "b", "hold")],
        [Decision.CONFIRMED_BY_HOLD, Decision.ATTACHED_TO_OPEN_INCIDENT],
        AlertOutcome.CONFIRMED,
        2,
    ),
    (
        "event_order_not_device_clock",
        # ts says the cancel happened before the press; the receive order wins.
        [
            Step(0, "a", fields={"ts": T0 + 50_000}),
            Step(1, "c", "cancel", fields={"ts": T0 - 50_000}),
        ],
        [Decision.WINDOW_OPENED, Decision.CANCELLED],
        AlertOutcome.CANCELLED,
        1,
    ),
]


@pytest.mark.parametrize(
    ("steps", "expected", "outcome", "press_count"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision_table(
    steps: list[Step], expected: list[Decision], outcome: AlertOutcome | None, press_count: int
) -> None:
    engine = make_engine()

    outcomes = run(engine, steps)

    assert decisions(outcomes) == expected
    alert = engine.state.alerts["alert-1"]
    assert alert.outcome == outcome
    assert alert.press_count == press_count
    assert len(engine.state.alerts) == 1


def test_window_expiry_forwards_unconfirmed_with_feedback() -> None:
    engine = make_engine()

    opened = run(engine, [Step(0, "a")])
    expired = run(engine, [Step(10, None)])

    assert opened[0].feedback[0].state is FeedbackState.PENDING
    assert opened[0].feedback[0].remaining_s == WINDOW_S
    assert opened[0].snapshot is None
    assert expired[0].snapshot is not None
    assert expired[0].snapshot["outcome"] == "unconfirmed"
    assert expired[0].snapshot["decision"] == "expired_unconfirmed"
    assert expired[0].feedback[0].state is FeedbackState.UNCONFIRMED


def test_window_per_source() -> None:
    engine = make_engine()

    run(engine, [Step(0, "a", fields={"source": "app"})])

    assert decisions(engine.expire(T0 + 4_999)) == []
    assert decisions(engine.expire(T0 + 5_000)) == [Decision.EXPIRED_UNCONFIRMED]


def test_expiry_before_next_event_of_same_device() -> None:
    # A press arriving after the deadline, before any tick ran, must not
    # confirm the old window: the window is decided by its deadline.
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a"), Step(11, "b")])

    assert decisions(outcomes) == [
        Decision.WINDOW_OPENED,
        Decision.EXPIRED_UNCONFIRMED,
        Decision.ATTACHED_TO_OPEN_INCIDENT,
    ]


def test_cancel_without_alert_is_ignored() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "c", "cancel")])

    assert decisions(outcomes) == [Decision.CANCEL_IGNORED]
    assert outcomes[0].snapshot is None
    assert outcomes[0].seen is not None
    assert engine.state.alerts == {}


def test_cancelled_alert_is_forwarded_and_counted() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a"), Step(1, "c", "cancel")])

    snapshot = outcomes[1].snapshot
    assert snapshot is not None
    assert snapshot["outcome"] == "cancelled"
    assert snapshot["false_press"]["device"] == {"confirmed": 0, "unconfirmed": 0, "cancelled": 1}
    assert snapshot["false_press"]["device_rate"] == 1.0
    assert outcomes[1].feedback[0].state is FeedbackState.CANCELLED


def test_cancel_after_confirm_is_recorded_without_feedback() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a", "hold"), Step(2, "c", "cancel")])

    snapshot = outcomes[1].snapshot
    assert snapshot is not None
    assert snapshot["cancel_after_confirm"] is True
    assert snapshot["version"] == 2
    assert outcomes[1].feedback == []


def test_cancel_closes_so_next_press_opens_new_alert() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a"), Step(1, "c", "cancel"), Step(3, "b")])

    assert decisions(outcomes)[-1] is Decision.WINDOW_OPENED
    assert outcomes[-1].alert is not None
    assert outcomes[-1].alert.alert_id == "alert-2"


def test_merge_horizon_opens_new_alert() -> None:
    engine = make_engine()

    inside = run(engine, [Step(0, "a", "hold"), Step(HORIZON_S, "b")])
    after = run(engine, [Step(2 * HORIZON_S + 1, "c")])

    assert decisions(inside)[-1] is Decision.ATTACHED_TO_OPEN_INCIDENT
    assert decisions(after) == [Decision.WINDOW_OPENED]
    assert engine.state.alerts["alert-1"].phase is Phase.CLOSED
    assert engine.state.alerts["alert-2"].phase is Phase.PENDING


def test_resolved_by_staff_closes_open_alert() -> None:
    engine = make_engine()
    run(engine, [Step(0, "a", "hold")])

    closed = engine.close_by_staff("alert-1", T0 + 5_000)
    outcomes = run(engine, [Step(6, "b")])

    assert closed is not None
    assert closed.decision is Decision.CLOSED_BY_STAFF
    assert decisions(outcomes) == [Decision.WINDOW_OPENED]
    assert engine.close_by_staff("alert-1", T0 + 7_000) is None


def test_test_event_is_forwarded_marked_test() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "t", "test"), Step(1, "a", "hold")])

    assert decisions(outcomes) == [Decision.TEST_FORWARDED, Decision.CONFIRMED_BY_HOLD]
    test_snapshot = outcomes[0].snapshot
    assert test_snapshot is not None
    assert test_snapshot["test"] is True
    assert outcomes[0].feedback[0].state is FeedbackState.TEST
    # Tests never count as alerts, and a real press does not attach to them.
    assert engine.counts_for("device", DEVICE) == {"confirmed": 1, "unconfirmed": 0, "cancelled": 0}
    assert outcomes[1].alert is not None
    assert outcomes[1].alert.alert_id == "alert-2"


def test_retained_event_ignored_at_any_age() -> None:
    engine = make_engine()

    first = run(engine, [Step(0, "a", "hold", retained=True)])
    engine.prune(T0 + 30 * 24 * 3600 * 1000)
    replay = run(engine, [Step(30 * 24 * 3600, "a", "hold", retained=True)])

    assert decisions(first) == [Decision.CONFIRMED_BY_HOLD]
    assert decisions(replay) == [Decision.RETAINED_REPLAY_IGNORED]


def test_live_event_replayed_as_retained_is_remembered() -> None:
    engine = make_engine()

    run(engine, [Step(0, "a", "hold")])
    replay = run(engine, [Step(60, "a", "hold", retained=True)])

    assert decisions(replay) == [Decision.RETAINED_REPLAY_IGNORED]
    assert replay[0].seen is not None
    assert replay[0].seen.retained is True
    assert (DEVICE, "a") in engine.state.retained


def test_dedup_lasts_past_24_hours() -> None:
    engine = make_engine()

    run(engine, [Step(0, "a", "hold")])
    engine.prune(T0 + 25 * 3600 * 1000)
    again = run(engine, [Step(25 * 3600, "a", "hold")])

    assert decisions(again) == [Decision.DUPLICATE]


def test_prune_forgets_seen_ids_after_ttl() -> None:
    engine = make_engine()
    run(engine, [Step(0, "a", "hold")])

    pruned_ids, _ = engine.prune(T0 + SEEN_TTL_MS + 1)

    assert pruned_ids == [(DEVICE, "a")]


def test_clock_skew_and_age_recorded() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a", "hold", fields={"ts": T0 - 1_500})])

    snapshot = outcomes[0].snapshot
    assert snapshot is not None
    assert snapshot["age_at_arrival_ms"] == 1_500
    assert snapshot["clock_skew_ms"] == -1_500


def test_null_ts_gives_null_skew() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a", "hold", fields={"ts": None})])

    snapshot = outcomes[0].snapshot
    assert snapshot is not None
    assert snapshot["clock_skew_ms"] is None
    assert snapshot["age_at_arrival_ms"] is None


def test_ts_in_seconds_shows_as_skew() -> None:
    engine = make_engine()

    outcomes = run(engine, [Step(0, "a", "hold", fields={"ts": T0 // 1000})])

    snapshot = outcomes[0].snapshot
    assert snapshot is not None
    assert snapshot["clock_skew_ms"] == T0 // 1000 - T0
    assert decisions(outcomes) == [Decision.CONFIRMED_BY_HOLD]


def test_upgrade_moves_count_from_unconfirmed_to_confirmed() -> None:
    engine = make_engine()

    run(engine, [Step(0, "a"), Step(10, None)])
    assert engine.counts_for("source", "button")["unconfirmed"] == 1
    run(engine, [Step(20, "b")])

    assert engine.counts_for("source", "button") == {
        "confirmed": 1,
        "unconfirmed": 0,
        "cancelled": 0,
    }


def test_devices_are_independent() -> None:
    engine = make_engine()

    outcomes = run(
        engine,
        [Step(0, "a", device="btn-0001"), Step(1, "a", device="btn-0002", kind="cancel")],
    )

    assert decisions(outcomes) == [Decision.WINDOW_OPENED, Decision.CANCEL_IGNORED]


def test_snapshot_fields_match_ingest_contract() -> None:
    engine = make_engine()

    fields = {"loc": {"lat": -2.97, "lon": 104.75, "acc_m": 12}, "bat": 80}
    outcomes = run(engine, [Step(0, "a", "hold", fields=fields)])

    snapshot = outcomes[0].snapshot
    assert snapshot is not None
    assert set(snapshot) == {
        "alert_id",
        "version",
        "device_id",
        "source",
        "test",
        "outcome",
        "decision",
        "first_event_id",
        "first_event_at",
        "last_event_at",
        "press_count",
        "cancel_after_confirm",
        "loc",
        "bat",
        "age_at_arrival_ms",
        "clock_skew_ms",
        "false_press",
        "events",
    }
    assert snapshot["first_event_at"].endswith("Z")
    assert snapshot["loc"] == {"lat": -2.97, "lon": 104.75, "acc_m": 12}
    assert snapshot["bat"] == 80


# -- property: duplicates and redeliveries never change the incidents --------

clean_steps = st.lists(
    st.tuples(
        st.sampled_from(["btn-0001", "btn-0002", "app-0003"]),
        st.sampled_from(["press", "press", "hold", "cancel", "test"]),
        st.integers(min_value=0, max_value=15_000),  # ms since the previous event
    ),
    min_size=1,
    max_size=25,
)


def all_snapshots(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    return [outcome.snapshot for outcome in outcomes if outcome.snapshot is not None]


@settings(max_examples=150, deadline=None)
@given(steps=clean_steps, noise=st.data())
def test_redeliveries_give_same_snapshots(
    steps: list[tuple[str, str, int]], noise: st.DataObject
) -> None:
    clean = make_engine()
    noisy = make_engine()
    clean_outcomes: list[Outcome] = []
    noisy_outcomes: list[Outcome] = []
    sent: list[tuple[str, Event]] = []
    now = T0
    for index, (device, kind, gap_ms) in enumerate(steps):
        now += gap_ms
        source = "app" if device.startswith("app") else "button"
        item = event(f"e{index}", kind, source=source)
        clean_outcomes.extend(clean.handle_event(device, item, now))

        # Before the real event, the noisy run may see redeliveries of earlier
        # events (live or with the retain flag) and bare clock ticks.
        extras = noise.draw(st.lists(st.sampled_from(["dup", "retained", "tick"]), max_size=3))
        for extra in extras:
            if extra == "tick":
                noisy_outcomes.extend(noisy.expire(now))
            elif sent:
                old_device, old_event = noise.draw(st.sampled_from(sent))
                noisy_outcomes.extend(
                    noisy.handle_event(old_device, old_event, now, retained=extra == "retained")
                )
        noisy_outcomes.extend(noisy.handle_event(device, item, now))
        sent.append((device, item))
        if noise.draw(st.booleans()):
            noisy_outcomes.extend(noisy.handle_event(device, item, now))  # immediate retry

    end = now + 3_600_000
    clean_outcomes.extend(clean.expire(end))
    noisy_outcomes.extend(noisy.expire(end))

    assert all_snapshots(noisy_outcomes) == all_snapshots(clean_outcomes)
    ignored = {Decision.DUPLICATE, Decision.RETAINED_REPLAY_IGNORED}
    assert [o.decision for o in noisy_outcomes if o.decision not in ignored] == decisions(
        clean_outcomes
    )


def test_duplicate_repeats_current_feedback() -> None:
    engine = make_engine()

    pending = run(engine, [Step(0, "a"), Step(4, "a")])
    confirmed = run(engine, [Step(5, "b", "hold"), Step(6, "a")])

    assert pending[1].decision is Decision.DUPLICATE
    assert pending[1].feedback[0].state is FeedbackState.PENDING
    assert pending[1].feedback[0].remaining_s == WINDOW_S - 4
    assert confirmed[1].feedback[0].state is FeedbackState.CONFIRMED
    assert confirmed[1].snapshot is None

"""Decision logic without I/O: state machine, ingest plans, routing, statistics, supervision."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch import reporters, stations, stats
from dispatch.ingest_logic import GatewayOutcome, IngestDecision, StoredAlert, plan_snapshot
from dispatch.lifecycle import Action, Confirmation, State, TransitionError, plan_transition
from dispatch.ratelimit import SlidingWindowLimiter
from dispatch.supervision import (
    APP,
    BUTTON_BATTERY,
    BUTTON_MAINS,
    AttentionReason,
    DeviceKind,
    Power,
    assess,
    supervision_class,
)

ALL_STATES = list(State)
EXPECTED_TRANSITIONS = {
    Action.ACKNOWLEDGED: {
        State.UNCONFIRMED: State.ACKNOWLEDGED,
        State.CONFIRMED: State.ACKNOWLEDGED,
    },
    Action.DISPATCHED: {State.ACKNOWLEDGED: State.DISPATCHED},
    Action.ARRIVED: {State.DISPATCHED: State.ON_SCENE},
    Action.RESOLVED: {
        State.UNCONFIRMED: State.RESOLVED,
        State.CONFIRMED: State.RESOLVED,
        State.ACKNOWLEDGED: State.RESOLVED,
        State.DISPATCHED: State.RESOLVED,
        State.ON_SCENE: State.RESOLVED,
    },
}


@pytest.mark.parametrize("action", list(EXPECTED_TRANSITIONS))
@pytest.mark.parametrize("state", ALL_STATES)
def test_transition_table(action: Action, state: State) -> None:
    expected = EXPECTED_TRANSITIONS[action].get(state)
    if expected is None:
        with pytest.raises(TransitionError) as info:
            plan_transition(action, state)
        assert state.value in str(info.value)
    else:
        assert plan_transition(action, state) == expected


def stored(
    state: State, confirmation: Confirmation, version: int = 1, presses: int = 1
) -> StoredAlert:
    return StoredAlert(state=state, confirmation=confirmation, version=version, press_count=presses)


UNC, CON = Confirmation.UNCONFIRMED, Confirmation.CONFIRMED
INGEST_CASES = [
    # (stored, outcome, version, press_count, decision, state, confirmation)
    (None, GatewayOutcome.CONFIRMED, 1, 1, IngestDecision.CREATED, State.CONFIRMED, CON),
    (None, GatewayOutcome.UNCONFIRMED, 1, 1, IngestDecision.CREATED, State.UNCONFIRMED, UNC),
    (None, GatewayOutcome.CANCELLED, 1, 1, IngestDecision.CREATED, State.CANCELLED, UNC),
    (
        stored(State.CONFIRMED, CON, 2),
        GatewayOutcome.CONFIRMED,
        2,
        1,
        IngestDecision.STALE,
        State.CONFIRMED,
        CON,
    ),
    (
        stored(State.CONFIRMED, CON, 3),
        GatewayOutcome.CONFIRMED,
        2,
        5,
        IngestDecision.STALE,
        State.CONFIRMED,
        CON,
    ),
    (
        stored(State.UNCONFIRMED, UNC),
        GatewayOutcome.CONFIRMED,
        2,
        2,
        IngestDecision.UPDATED,
        State.CONFIRMED,
        CON,
    ),
    (
        stored(State.CONFIRMED, CON),
        GatewayOutcome.UNCONFIRMED,
        2,
        2,
        IngestDecision.UPDATED,
        State.CONFIRMED,
        CON,
    ),
    (
        stored(State.ACKNOWLEDGED, UNC),
        GatewayOutcome.CONFIRMED,
        2,
        2,
        IngestDecision.UPDATED,
        State.ACKNOWLEDGED,
        CON,
    ),
    (
        stored(State.DISPATCHED, CON),
        GatewayOutcome.CANCELLED,
        2,
        1,
        IngestDecision.UPDATED,
        State.DISPATCHED,
        CON,
    ),
    (
        stored(State.RESOLVED, CON),
        GatewayOutcome.CONFIRMED,
        2,
        2,
        IngestDecision.REOPENED,
        State.CONFIRMED,
        CON,
    ),
    (
        stored(State.RESOLVED, UNC),
        GatewayOutcome.CONFIRMED,
        2,
        1,
        IngestDecision.REOPENED,
        State.CONFIRMED,
        CON,
    ),
    (
        stored(State.RESOLVED, CON),
        GatewayOutcome.CONFIRMED,
        2,
        1,
        IngestDecision.UPDATED,
        State.RESOLVED,
        CON,
    ),
    (
        stored(State.RESOLVED, CON),
        GatewayOutcome.CANCELLED,
        2,
        1,
        IngestDecision.UPDATED,
        State.RESOLVED,
        CON,
    ),
    (
        stored(State.CANCELLED, UNC),
        GatewayOutcome.UNCONFIRMED,
        2,
        2,
        IngestDecision.REOPENED,
        State.UNCONFIRMED,
        UNC,
    ),
    (
        stored(State.CANCELLED, UNC),
        GatewayOutcome.CANCELLED,
        2,
        1,
        IngestDecision.UPDATED,
        State.CANCELLED,
        UNC,
    ),
]


@pytest.mark.parametrize(
    ("existing", "outcome", "version", "presses", "decision", "state", "confirmation"), INGEST_CASES
)
def test_ingest_plan(existing, outcome, version, presses, decision, state, confirmation) -> None:  # type: ignore[no-untyped-def]
    plan = plan_snapshot(existing, outcome, version, presses)
    assert plan.decision == decision
    assert plan.state == state
    assert plan.confirmation == confirmation


def test_fourteen_stations_with_unique_ids() -> None:
    assert len(stations.STATIONS) == 14
    assert len(stations.STATIONS_BY_ID) == 14


@pytest.mark.parametrize("station", stations.STATIONS, ids=lambda s: s.id)
def test_station_coordinates_route_to_station(station: stations.Station) -> None:
    assert stations.route(station.lat, station.lon) == station.id


def test_route_picks_nearest_station() -> None:
    plaju = stations.STATIONS_BY_ID["plaju"]
    assert stations.route(plaju.lat + 0.002, plaju.lon - 0.002) == "plaju"


def test_route_without_location_is_city_wide() -> None:
    assert stations.route(None, None) is None
    assert stations.route(-2.97, None) is None


def test_route_far_outside_city_is_city_wide() -> None:
    assert stations.route(-6.2, 106.8) is None  # Jakarta


def facts(**kw: object) -> stats.AlertFacts:
    base: dict[str, object] = dict(
        polsek="plaju",
        state="resolved",
        confirmation="confirmed",
        outcome="genuine",
        dispatched=True,
        test=False,
    )
    base.update(kw)
    return stats.AlertFacts(**base)  # type: ignore[arg-type]


def test_stats_counting_rules() -> None:
    alerts = [
        facts(),
        facts(state="cancelled", confirmation="unconfirmed", outcome=None, dispatched=False),
        facts(confirmation="unconfirmed", outcome="mis_press", dispatched=False),
        facts(test=True),
        facts(polsek=None, state="confirmed", outcome=None, dispatched=False),
    ]
    result = stats.count(alerts, ["plaju", None], ["plaju", "sako"])
    assert result.total.as_dict() == {
        "panic_presses": 4,
        "confirmed": 2,
        "unconfirmed": 1,
        "mis_presses": 2,
        "followed_up": 1,
        "complaints": 2,
    }
    assert result.by_polsek["plaju"].panic_presses == 3
    assert result.by_polsek["plaju"].complaints == 1
    assert result.by_polsek["sako"].as_dict() == stats.Counters().as_dict()


NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
SUPERVISION_CASES = [
    # (class, registered this long ago, last seen this long ago, online, battery, expected)
    (BUTTON_MAINS, 60, 179, True, 80, []),
    (BUTTON_MAINS, 3600, 181, True, 80, [AttentionReason.SILENT]),
    (BUTTON_MAINS, 100, None, None, None, []),
    (BUTTON_MAINS, 200, None, None, None, [AttentionReason.NEVER_SEEN]),
    (BUTTON_MAINS, 0, 0, False, 50, [AttentionReason.OFFLINE]),
    (BUTTON_MAINS, 0, 0, True, 19, [AttentionReason.BATTERY_LOW]),
    (BUTTON_BATTERY, 3600, 600, False, 50, []),
    (BUTTON_BATTERY, 3600, 901, False, 50, [AttentionReason.SILENT]),
    (APP, 3 * 86400, 24 * 3600, False, 5, []),
    (APP, 3 * 86400, 26 * 3600, None, None, [AttentionReason.SILENT]),
]


@pytest.mark.parametrize(
    ("policy", "age_s", "silent_s", "online", "bat", "expected"), SUPERVISION_CASES
)
def test_supervision_assessment(policy, age_s, silent_s, online, bat, expected) -> None:  # type: ignore[no-untyped-def]
    created = NOW - dt.timedelta(seconds=age_s)
    seen = None if silent_s is None else NOW - dt.timedelta(seconds=silent_s)
    assert assess(policy, created, seen, online, bat, NOW) == expected


def test_supervision_class_per_kind() -> None:
    assert supervision_class(DeviceKind.BUTTON, None) is BUTTON_MAINS
    assert supervision_class(DeviceKind.BUTTON, Power.BATTERY) is BUTTON_BATTERY
    assert supervision_class(DeviceKind.APP, None) is APP


@pytest.mark.parametrize(
    ("alerts", "false", "review"),
    [(0, 0, False), (3, 2, False), (3, 3, True), (6, 3, True), (7, 3, False), (10, 9, True)],
)
def test_false_reporter_review(alerts: int, false: int, review: bool) -> None:
    assert reporters.FalsePressHistory(alerts, false).review is review


def test_login_limiter_window() -> None:
    limiter = SlidingWindowLimiter(max_events=2, window_s=60)
    assert limiter.retry_after("ani", 0.0) is None
    limiter.record("ani", 0.0)
    limiter.record("ani", 10.0)
    assert limiter.retry_after("ani", 20.0) == pytest.approx(40.0)
    assert limiter.retry_after("budi", 20.0) is None
    assert limiter.retry_after("ani", 60.5) is None
    limiter.record("ani", 61.0)
    limiter.reset("ani")
    assert limiter.retry_after("ani", 61.0) is None


@given(
    versions=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=20),
    confirmed_from=st.integers(min_value=1, max_value=9),
)
def test_ingest_any_delivery_order_ends_at_newest(versions: list[int], confirmed_from: int) -> None:
    """Retried and reordered snapshots leave the incident as the newest version made it."""
    stored: StoredAlert | None = None
    applied: list[int] = []
    for version in versions:
        outcome = (
            GatewayOutcome.CONFIRMED if version >= confirmed_from else GatewayOutcome.UNCONFIRMED
        )
        plan = plan_snapshot(stored, outcome, version, press_count=version)
        if plan.decision == IngestDecision.STALE:
            continue
        applied.append(version)
        stored = StoredAlert(plan.state, plan.confirmation, version, version)
    assert stored is not None
    assert applied == sorted(set(applied))
    assert stored.version == max(versions)
    newest_confirmed = any(v >= confirmed_from for v in applied)
    assert (stored.confirmation == Confirmation.CONFIRMED) == newest_confirmed

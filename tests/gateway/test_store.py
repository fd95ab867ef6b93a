"""The SQLite store: a restart keeps dedup, pending windows, open alerts, outbox and counts."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.logic import Decision, Engine, LogicConfig, Outcome, Phase
from gateway.store import Store
from protocol.events import Event

T0 = 1_796_000_000_000
DEVICE = "btn-0001"


def event(event_id: str, kind: str = "press") -> Event:
    return Event.model_validate(
        {"v": 1, "id": event_id, "type": kind, "source": "button", "seq": 1, "ts": None}
    )


def engine_from(store: Store, start: int = 1) -> Engine:
    counter = itertools.count(start)
    return Engine(
        LogicConfig(confirm_window_s={"button": 10.0, "app": 10.0}),
        store.load(),
        new_alert_id=lambda: f"alert-{next(counter)}",
    )


def step(engine: Engine, store: Store, outcomes: list[Outcome], now: int) -> None:
    store.commit(outcomes, engine.state, now)


def test_restart_keeps_dedup(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    step(engine, store, engine.handle_event(DEVICE, event("a", "hold"), T0), T0)
    store.close()

    reopened = Store(tmp_path)
    again = engine_from(reopened, start=100).handle_event(DEVICE, event("a", "hold"), T0 + 1)

    assert [o.decision for o in again] == [Decision.DUPLICATE]


def test_restart_keeps_pending_window(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    step(engine, store, engine.handle_event(DEVICE, event("a"), T0), T0)
    store.close()

    reopened = Store(tmp_path)
    engine = engine_from(reopened, start=100)

    assert engine.pending_count() == 1
    assert engine.next_deadline_ms() == T0 + 10_000
    # The window ran out while the gateway was down: forwarded at the first tick.
    expired = engine.expire(T0 + 60_000)
    assert [o.decision for o in expired] == [Decision.EXPIRED_UNCONFIRMED]
    assert expired[0].snapshot is not None
    assert expired[0].snapshot["alert_id"] == "alert-1"


def test_restart_keeps_open_alert_and_counts(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    step(engine, store, engine.handle_event(DEVICE, event("a", "hold"), T0), T0)
    store.close()

    reopened = Store(tmp_path)
    engine = engine_from(reopened, start=100)
    attached = engine.handle_event(DEVICE, event("b"), T0 + 5_000)

    assert [o.decision for o in attached] == [Decision.ATTACHED_TO_OPEN_INCIDENT]
    assert attached[0].alert is not None
    assert attached[0].alert.press_count == 2
    assert attached[0].alert.version == 2
    assert engine.counts_for("device", DEVICE)["confirmed"] == 1


def test_restart_keeps_outbox_in_order(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    step(engine, store, engine.handle_event(DEVICE, event("a", "hold"), T0), T0)
    step(engine, store, engine.handle_event(DEVICE, event("b", "cancel"), T0 + 1), T0 + 1)
    store.close()

    reopened = Store(tmp_path)
    rows = reopened.outbox_batch(10)

    assert [(row.alert_id, row.version) for row in rows] == [("alert-1", 1), ("alert-1", 2)]
    assert rows[1].snapshot["cancel_after_confirm"] is True
    reopened.outbox_delete([rows[0].seq])
    assert reopened.outbox_depth() == 1


def test_retained_ids_survive_prune(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    outcomes = engine.handle_event(DEVICE, event("a", "hold"), T0, retained=True)
    step(engine, store, outcomes, T0)
    later = T0 + 90 * 24 * 3600 * 1000
    pruned_seen, pruned_alerts = engine.prune(later)
    store.commit([], engine.state, later, pruned_seen=pruned_seen, pruned_alerts=pruned_alerts)
    store.close()

    reopened = Store(tmp_path)
    engine = engine_from(reopened, start=100)
    replay = engine.handle_event(DEVICE, event("a", "hold"), later + 1, retained=True)

    assert (DEVICE, "a") not in engine.state.seen
    assert [o.decision for o in replay] == [Decision.RETAINED_REPLAY_IGNORED]


def test_parked_snapshot_leaves_ready_queue(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    step(engine, store, engine.handle_event(DEVICE, event("a", "hold"), T0), T0)
    row = store.outbox_batch(1)[0]

    store.outbox_park(row.seq, "422 invalid")

    assert store.outbox_batch(10) == []
    assert store.parked_count() == 1


def test_cursor_stored_with_commit(tmp_path: Path) -> None:
    store = Store(tmp_path)
    assert store.stored_cursor() is None
    engine = engine_from(store)

    store.commit([], engine.state, T0, cursor=42)
    store.close()

    assert Store(tmp_path).stored_cursor() == 42


def test_closed_alert_phase_persisted(tmp_path: Path) -> None:
    store = Store(tmp_path)
    engine = engine_from(store)
    step(engine, store, engine.handle_event(DEVICE, event("a", "hold"), T0), T0)
    closed = engine.close_by_staff("alert-1", T0 + 1)
    assert closed is not None
    step(engine, store, [closed], T0 + 1)
    store.close()

    assert Store(tmp_path).alert_phases() == {"alert-1": Phase.CLOSED}


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["btn-0001", "btn-0002"]),
            st.sampled_from(["press", "hold", "cancel", "test"]),
            st.integers(min_value=0, max_value=15_000),
            st.booleans(),  # restart the gateway before this event
        ),
        min_size=1,
        max_size=15,
    )
)
def test_restarts_give_same_snapshots(steps: list[tuple[str, str, int, bool]]) -> None:
    counter = itertools.count(1)

    def new_id() -> str:
        return f"alert-{next(counter)}"

    clean_ids = itertools.count(1)
    clean = Engine(LogicConfig(), new_alert_id=lambda: f"alert-{next(clean_ids)}")
    clean_snapshots: list[dict[str, object]] = []
    restarted_snapshots: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp))
        engine = Engine(LogicConfig(), store.load(), new_alert_id=new_id)
        now = T0
        for index, (device, kind, gap_ms, restart) in enumerate(steps):
            now += gap_ms
            if restart:
                store.close()
                store = Store(Path(tmp))
                engine = Engine(LogicConfig(), store.load(), new_alert_id=new_id)
            item = event(f"e{index}", kind)
            outcomes = engine.handle_event(device, item, now)
            store.commit(outcomes, engine.state, now)
            restarted_snapshots.extend(o.snapshot for o in outcomes if o.snapshot)
            clean_snapshots.extend(
                o.snapshot for o in clean.handle_event(device, item, now) if o.snapshot
            )
        store.close()

    assert restarted_snapshots == clean_snapshots

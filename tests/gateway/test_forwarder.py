"""The outbox forwarder against a stub of the ingest endpoint (no database needed)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.forwarder import Backoff, Forwarder, latest_versions
from gateway.logic import Engine, LogicConfig
from gateway.metrics import GatewayMetrics
from gateway.store import Store
from protocol.events import Event
from tests.gateway.stub_api import StubDispatch

T0 = 1_796_000_000_000
TOKEN = "stub-token"


def hold(event_id: str) -> Event:
    return Event.model_validate(
        {"v": 1, "id": event_id, "type": "hold", "source": "button", "seq": 0, "ts": None}
    )


@pytest.fixture
def stub() -> Iterator[StubDispatch]:
    with StubDispatch(TOKEN) as api:
        yield api


def fill_outbox(store: Store, devices: int) -> list[str]:
    counter = itertools.count(1)
    engine = Engine(LogicConfig(), store.load(), new_alert_id=lambda: f"alert-{next(counter)}")
    for index in range(devices):
        outcomes = engine.handle_event(f"btn-{index:04d}", hold(f"e{index}"), T0 + index)
        store.commit(outcomes, engine.state, T0 + index)
    return sorted(engine.state.alerts)


def make_forwarder(tmp_path: Path, url: str, token: str = TOKEN) -> tuple[Forwarder, Store]:
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=5)
    stop = threading.Event()
    wake = threading.Event()
    forwarder = Forwarder(lambda: Store(tmp_path), client, GatewayMetrics(), wake, stop)
    forwarder.backoff = Backoff(first_s=0.001, cap_s=0.002)
    return forwarder, Store(tmp_path)


def test_forwarder_sends_batch_and_empties_outbox(tmp_path: Path, stub: StubDispatch) -> None:
    store = Store(tmp_path)
    alert_ids = fill_outbox(store, 30)
    forwarder, own = make_forwarder(tmp_path, stub.url)

    assert forwarder.forward_once(own) is True
    assert forwarder.forward_once(own) is False

    assert sorted(stub.alerts) == alert_ids
    assert len(stub.requests) == 1
    assert store.outbox_depth() == 0


def test_forwarder_keeps_outbox_while_api_fails(tmp_path: Path, stub: StubDispatch) -> None:
    store = Store(tmp_path)
    fill_outbox(store, 3)
    forwarder, own = make_forwarder(tmp_path, stub.url)
    stub.fail_status = 503

    for _ in range(3):
        forwarder.forward_once(own)
    assert store.outbox_depth() == 3
    assert stub.alerts == {}

    stub.fail_status = None
    forwarder.forward_once(own)
    assert store.outbox_depth() == 0
    assert len(stub.alerts) == 3


def test_forwarder_retries_on_wrong_token(tmp_path: Path, stub: StubDispatch) -> None:
    store = Store(tmp_path)
    fill_outbox(store, 1)
    forwarder, own = make_forwarder(tmp_path, stub.url, token="wrong")

    forwarder.forward_once(own)

    assert store.outbox_depth() == 1
    assert forwarder.metrics.forward_errors.labels(kind="unauthorized")._value.get() == 1


def test_forwarder_survives_unreachable_api(tmp_path: Path) -> None:
    store = Store(tmp_path)
    fill_outbox(store, 2)
    forwarder, own = make_forwarder(tmp_path, "http://127.0.0.1:9")  # discard port, nothing there

    forwarder.forward_once(own)

    assert store.outbox_depth() == 2


def test_invalid_snapshot_parked_others_delivered(tmp_path: Path, stub: StubDispatch) -> None:
    store = Store(tmp_path)
    alert_ids = fill_outbox(store, 5)
    stub.invalid_alert_ids = {alert_ids[2]}
    forwarder, own = make_forwarder(tmp_path, stub.url)

    forwarder.forward_once(own)

    assert sorted(stub.alerts) == [a for a in alert_ids if a != alert_ids[2]]
    assert store.outbox_depth() == 0
    assert store.parked_count() == 1
    assert forwarder.metrics.parked._value.get() == 1


def test_only_latest_version_sent() -> None:
    from gateway.store import OutboxRow

    rows = [
        OutboxRow(1, "a", 1, 0, {}),
        OutboxRow(2, "b", 1, 0, {}),
        OutboxRow(3, "a", 2, 0, {}),
    ]

    assert [(row.alert_id, row.version) for row in latest_versions(rows)] == [("b", 1), ("a", 2)]


def test_backoff_capped_with_jitter() -> None:
    backoff = Backoff(first_s=0.1, cap_s=1.0)

    delays = [backoff.next_delay() for _ in range(10)]

    assert all(0.05 <= delay <= 1.0 for delay in delays)
    assert delays[-1] >= 0.5
    backoff.reset()
    assert backoff.next_delay() <= 0.1

"""Durable gateway state in SQLite (WAL): seen ids, alerts, outbox, counts, cursor.

One ``Store`` object is one connection and belongs to one thread. The
processor thread writes decisions through ``commit``; the forwarder thread
opens its own ``Store`` to read and trim the outbox. ``synchronous=FULL``
makes each commit survive a power cut, not only a process crash, and the
group commit in the processor pays that cost once per batch. The
forwarder's connection uses ``NORMAL``: a delete lost in a power cut only
makes it send a snapshot again, which the API ignores by its version.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.logic import Alert, EngineState, Outcome, Phase, empty_counts

DB_NAME = "gateway.db"
BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    device_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    PRIMARY KEY (device_id, event_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_received ON seen (received_at_ms);
-- Events once delivered with the retain flag; kept for good because the
-- broker replays them at every subscription, however old they are.
CREATE TABLE IF NOT EXISTS retained (
    device_id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (device_id, event_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS alerts (
    alert_id TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    phase TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    parked INTEGER NOT NULL DEFAULT 0,
    error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_ready ON outbox (parked, seq);
CREATE TABLE IF NOT EXISTS counts (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    confirmed INTEGER NOT NULL,
    unconfirmed INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

CHANGES_CURSOR = "changes_cursor"

# Writers in one process take this lock before BEGIN IMMEDIATE. SQLite's own
# busy handler sleeps in steps of up to 100 ms when two connections collide,
# which stalled the group commit behind the forwarder's deletes.
_write_locks: dict[Path, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(path: Path) -> threading.Lock:
    with _write_locks_guard:
        return _write_locks.setdefault(path.resolve(), threading.Lock())


@dataclass(frozen=True)
class OutboxRow:
    seq: int
    alert_id: str
    version: int
    created_ms: int
    snapshot: dict[str, Any]


class Store:
    """One SQLite connection to ``{state_dir}/gateway.db``."""

    def __init__(self, state_dir: Path, synchronous: str = "FULL") -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / DB_NAME
        # isolation_level=None: transactions are opened explicitly below.
        self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        self.conn.execute("PRAGMA journal_mode=WAL")
        if synchronous not in ("FULL", "NORMAL"):
            raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        self.conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.conn.executescript(SCHEMA)
        self.write_lock = _write_lock(self.path)

    def close(self) -> None:
        self.conn.close()

    # -- engine state -----------------------------------------------------

    def load(self) -> EngineState:
        state = EngineState()
        for device_id, event_id, at in self.conn.execute(
            "SELECT device_id, event_id, received_at_ms FROM seen"
        ):
            state.seen[(device_id, event_id)] = at
        for device_id, event_id in self.conn.execute("SELECT device_id, event_id FROM retained"):
            state.retained.add((device_id, event_id))
        for (data,) in self.conn.execute("SELECT data FROM alerts"):
            alert = Alert.from_dict(json.loads(data))
            state.alerts[alert.alert_id] = alert
        for kind, key, confirmed, unconfirmed, cancelled in self.conn.execute(
            "SELECT kind, key, confirmed, unconfirmed, cancelled FROM counts"
        ):
            counts = empty_counts()
            counts.update(confirmed=confirmed, unconfirmed=unconfirmed, cancelled=cancelled)
            state.counts[(kind, key)] = counts
        return state

    def commit(
        self,
        outcomes: Sequence[Outcome],
        state: EngineState,
        now_ms: int,
        cursor: int | None = None,
        pruned_seen: Iterable[tuple[str, str]] = (),
        pruned_alerts: Iterable[str] = (),
    ) -> int:
        """Write the effect of ``outcomes`` in one transaction; return outbox rows added."""
        alerts: dict[str, Alert] = {}
        counts: set[tuple[str, str]] = set()
        seen_rows = []
        retained_rows = []
        outbox_rows = []
        for outcome in outcomes:
            if outcome.seen is not None:
                seen_rows.append(
                    (outcome.seen.device_id, outcome.seen.event_id, outcome.seen.received_at_ms)
                )
                if outcome.seen.retained:
                    retained_rows.append((outcome.seen.device_id, outcome.seen.event_id))
            if outcome.alert is not None:
                alerts[outcome.alert.alert_id] = outcome.alert
            if outcome.snapshot is not None:
                snapshot = outcome.snapshot
                outbox_rows.append(
                    (
                        snapshot["alert_id"],
                        snapshot["version"],
                        now_ms,
                        json.dumps(snapshot, separators=(",", ":")),
                    )
                )
            counts.update(outcome.counts)

        conn = self.conn
        with self.write_lock:
            self._write_outcomes(
                conn,
                seen_rows,
                retained_rows,
                alerts,
                outbox_rows,
                counts,
                state,
                cursor,
                pruned_seen,
                pruned_alerts,
            )
        return len(outbox_rows)

    def _write_outcomes(
        self,
        conn: sqlite3.Connection,
        seen_rows: list[tuple[str, str, int]],
        retained_rows: list[tuple[str, str]],
        alerts: dict[str, Alert],
        outbox_rows: list[tuple[str, int, int, str]],
        counts: set[tuple[str, str]],
        state: EngineState,
        cursor: int | None,
        pruned_seen: Iterable[tuple[str, str]],
        pruned_alerts: Iterable[str],
    ) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(
                "INSERT OR IGNORE INTO seen (device_id, event_id, received_at_ms) VALUES (?, ?, ?)",
                seen_rows,
            )
            conn.executemany(
                "INSERT OR IGNORE INTO retained (device_id, event_id) VALUES (?, ?)",
                retained_rows,
            )
            conn.executemany(
                "INSERT OR REPLACE INTO alerts (alert_id, device_id, phase, data) "
                "VALUES (?, ?, ?, ?)",
                [
                    (
                        alert.alert_id,
                        alert.device_id,
                        alert.phase.value,
                        json.dumps(alert.to_dict()),
                    )
                    for alert in alerts.values()
                ],
            )
            conn.executemany(
                "INSERT INTO outbox (alert_id, version, created_ms, snapshot) VALUES (?, ?, ?, ?)",
                outbox_rows,
            )
            conn.executemany(
                "INSERT OR REPLACE INTO counts (kind, key, confirmed, unconfirmed, cancelled) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        kind,
                        key,
                        state.counts[(kind, key)]["confirmed"],
                        state.counts[(kind, key)]["unconfirmed"],
                        state.counts[(kind, key)]["cancelled"],
                    )
                    for kind, key in counts
                ],
            )
            conn.executemany(
                "DELETE FROM seen WHERE device_id = ? AND event_id = ?", list(pruned_seen)
            )
            conn.executemany(
                "DELETE FROM alerts WHERE alert_id = ?", [(alert_id,) for alert_id in pruned_alerts]
            )
            if cursor is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (CHANGES_CURSOR, str(cursor)),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def stored_cursor(self) -> int | None:
        """Return the change-feed cursor, None before the first one was stored."""
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (CHANGES_CURSOR,)
        ).fetchone()
        return int(row[0]) if row else None

    # -- outbox -----------------------------------------------------------

    def outbox_batch(self, limit: int) -> list[OutboxRow]:
        rows = self.conn.execute(
            "SELECT seq, alert_id, version, created_ms, snapshot FROM outbox "
            "WHERE parked = 0 ORDER BY seq LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            OutboxRow(seq, alert_id, version, created_ms, json.loads(snapshot))
            for seq, alert_id, version, created_ms, snapshot in rows
        ]

    def outbox_delete(self, seqs: Iterable[int]) -> None:
        rows = [(seq,) for seq in seqs]
        with self.write_lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self.conn.executemany("DELETE FROM outbox WHERE seq = ?", rows)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise

    def outbox_park(self, seq: int, error: str) -> None:
        """Set a snapshot the API rejected aside, kept for an operator to inspect."""
        with self.write_lock:
            self.conn.execute("UPDATE outbox SET parked = 1, error = ? WHERE seq = ?", (error, seq))

    def outbox_depth(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM outbox WHERE parked = 0").fetchone()[0])

    def parked_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM outbox WHERE parked = 1").fetchone()[0])

    def alert_phases(self) -> dict[str, Phase]:
        return {
            alert_id: Phase(phase)
            for alert_id, phase in self.conn.execute("SELECT alert_id, phase FROM alerts")
        }

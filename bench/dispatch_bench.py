"""Dispatch API benchmark: incident list and alert intake under concurrent load.

``run()`` starts the real API (``ampera-dispatch serve``, one uvicorn
process) on SQLite and on PostgreSQL, preloads incidents, then for a fixed
time runs, at once:

- staff clients that each list the newest 50 incidents in a loop, with a
  think time between requests;
- one staff client that acknowledges, dispatches and resolves incidents;
- a gateway client that posts one alert snapshot per request at a fixed
  rate (the latency of a single alert, not of a batch).

It reports p50/p99 latency of the list and of the alert intake, and the
rates reached. Clients are synchronous ``httpx`` clients in threads of this
process, so they share the machine's cores with the server.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.support import postgres
from tests.support.dispatch import DispatchServer, bearer

PRELOAD = 3_000
STAFF_CLIENTS = 8
STAFF_THINK_S = 0.2
ALERT_RATE = 20  # alerts per second, one per request
DURATION_S = 20.0


def _snapshot(n: int, at: dt.datetime) -> dict[str, object]:
    return {
        "alert_id": f"bench-{uuid.uuid4().hex}",
        "version": 1,
        "device_id": f"btn-bench-{n % 500:04d}",
        "source": "button",
        "outcome": "confirmed" if n % 4 else "unconfirmed",
        "decision": "confirmed_by_hold",
        "first_event_id": f"e-{n}",
        "first_event_at": at.isoformat(),
        "press_count": 1,
        "loc": {"lat": -2.97 + (n % 13) * 0.004, "lon": 104.70 + (n % 17) * 0.007},
        "events": [{"id": f"e-{n}", "type": "hold", "seq": n}],
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _preload(server: DispatchServer) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    with httpx.Client(base_url=server.url, headers=server.gateway_headers(), timeout=60) as client:
        for offset in range(0, PRELOAD, 500):
            batch = [
                _snapshot(n, start + dt.timedelta(minutes=15 * n))
                for n in range(offset, min(PRELOAD, offset + 500))
            ]
            client.post("/v1/ingest/alerts", json={"alerts": batch}).raise_for_status()


def _measure(server: DispatchServer) -> dict[str, object]:
    staff_token = server.token_for("operator")
    stop = threading.Event()
    list_latencies: list[float] = []
    intake_latencies: list[float] = []
    errors: list[str] = []
    actions = [0]
    lock = threading.Lock()

    def staff() -> None:
        with httpx.Client(base_url=server.url, headers=bearer(staff_token), timeout=30) as client:
            while not stop.is_set():
                started = time.perf_counter()
                response = client.get("/v1/incidents", params={"limit": 50})
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code == 200:
                        list_latencies.append(elapsed)
                    else:
                        errors.append(f"list {response.status_code}")
                stop.wait(STAFF_THINK_S)

    def dispatcher() -> None:
        with httpx.Client(base_url=server.url, headers=bearer(staff_token), timeout=30) as client:
            while not stop.is_set():
                page = client.get("/v1/incidents", params={"state": "confirmed", "limit": 20})
                for item in page.json()["items"]:
                    if stop.is_set():
                        return
                    for action, body in (
                        ("acknowledge", None),
                        ("dispatch", {"unit": "bench"}),
                        ("resolve", {"outcome": "genuine"}),
                    ):
                        response = client.post(f"/v1/incidents/{item['id']}/{action}", json=body)
                        with lock:
                            if response.status_code == 200:
                                actions[0] += 1
                            else:
                                errors.append(f"{action} {response.status_code}")

    def gateway() -> None:
        interval = 1.0 / ALERT_RATE
        next_at = time.perf_counter()
        n = PRELOAD
        with httpx.Client(base_url=server.url, headers=server.gateway_headers(), timeout=30) as c:
            while not stop.is_set():
                body = {"alerts": [_snapshot(n, dt.datetime.now(dt.UTC))]}
                started = time.perf_counter()
                response = c.post("/v1/ingest/alerts", json=body)
                elapsed = time.perf_counter() - started
                with lock:
                    if response.status_code == 200:
                        intake_latencies.append(elapsed)
                    else:
                        errors.append(f"ingest {response.status_code}")
                n += 1
                next_at += interval
                stop.wait(max(0.0, next_at - time.perf_counter()))

    threads = [threading.Thread(target=staff) for _ in range(STAFF_CLIENTS)]
    threads += [threading.Thread(target=dispatcher), threading.Thread(target=gateway)]
    for thread in threads:
        thread.start()
    time.sleep(DURATION_S)
    stop.set()
    for thread in threads:
        thread.join()
    return {
        "list": list_latencies,
        "intake": intake_latencies,
        "actions": actions[0],
        "errors": errors,
    }


def _row(engine: str, result: dict[str, object]) -> str:
    lists: list[float] = result["list"]  # type: ignore[assignment]
    intake: list[float] = result["intake"]  # type: ignore[assignment]
    errors: list[str] = result["errors"]  # type: ignore[assignment]
    ms = 1000.0
    return (
        f"| {engine} | {len(lists) / DURATION_S:.1f} | {_percentile(lists, 0.5) * ms:.1f} | "
        f"{_percentile(lists, 0.99) * ms:.1f} | {len(intake) / DURATION_S:.1f} | "
        f"{_percentile(intake, 0.5) * ms:.1f} | {_percentile(intake, 0.99) * ms:.1f} | "
        f"{int(result['actions']) / DURATION_S:.1f} | {len(errors)} |"  # type: ignore[call-overload]
    )


def run() -> str:
    rows = []
    notes = []
    with tempfile.TemporaryDirectory(prefix="ampera-dispatch-bench-") as tmp:
        engines: list[tuple[str, str | None]] = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        engines.append(("PostgreSQL", None))
        for engine, url in engines:
            with ExitStack() as stack:
                if url is None:
                    problem = postgres.postgres_available()
                    if problem is not None:
                        notes.append(f"PostgreSQL skipped: {problem}")
                        continue
                    url = stack.enter_context(postgres.temporary_database("ampera_bench"))
                server = stack.enter_context(DispatchServer(url, Path(tmp) / engine.lower()))
                _preload(server)
                result = _measure(server)
                rows.append(_row(engine, result))
                errors: list[str] = result["errors"]  # type: ignore[assignment]
                if errors:
                    notes.append(f"{engine}: {len(errors)} failed requests, first: {errors[0]}")
    command = f"{Path(sys.executable).name} -m bench (make bench)"
    lines = [
        "## Dispatch API",
        "",
        f"Measured with `{command}` on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores), one `ampera-dispatch serve` process per engine "
        f"(PostgreSQL on 127.0.0.1). Each run preloads {PRELOAD} incidents and then for "
        f"{DURATION_S:.0f} s runs {STAFF_CLIENTS} staff clients listing the newest 50 "
        f"incidents (with {STAFF_THINK_S * 1000:.0f} ms think time), one staff client "
        f"acknowledging, dispatching and resolving, and the gateway posting one alert per "
        f"request at {ALERT_RATE} alerts/s. The clients run in the same machine, so they "
        "compete with the server for CPU.",
        "",
        "| engine | list req/s | list p50 ms | list p99 ms | alerts/s | intake p50 ms "
        "| intake p99 ms | staff actions/s | failed requests |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    if notes:
        lines += ["", *[f"- {note}" for note in notes]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(run())

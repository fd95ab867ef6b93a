"""Statistics against a known dataset: the first month of the Ampera app.

The local press reported for that month: 176 panic presses, 42 followed up
by officers, 42 accidental presses (salah pencet) and 32 complaint reports.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from dispatch.stations import STATIONS
from tests.dispatch.conftest import Api, snapshot

MONTH_START = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
CATEGORIES = ["perjudian", "pencurian", "begal", "lainnya"]


def station_loc(index: int) -> dict[str, float]:
    station = STATIONS[index % len(STATIONS)]
    return {"lat": station.lat, "lon": station.lon, "acc_m": 15.0}


def load_month(api: Api) -> dict[str, Any]:
    """Ingest the month: 176 alerts, of which 30 cancelled in the window and 12 resolved as
    mis-presses, 42 dispatched; 96 confirmed and 50 unconfirmed; plus noise that must not count.
    """
    snapshots = []
    for n in range(176):
        at = MONTH_START + dt.timedelta(hours=4 * n)
        if n < 30:
            outcome = "cancelled"
        elif n < 30 + 96:
            outcome = "confirmed"
        else:
            outcome = "unconfirmed"
        snapshots.append(
            snapshot(
                alert_id=f"month-{n}",
                device_id=f"btn-{n % 20:04d}",
                outcome=outcome,
                first_event_at=at.isoformat(),
                press_count=1 + n % 3,
                loc=station_loc(n),
            )
        )
    response = api.ingest(*snapshots)
    assert response.status_code == 200
    # A retried batch and test alerts count nowhere.
    assert not any(r["applied"] for r in api.ingest(*snapshots[:50]).json()["results"])
    api.ingest(
        *[
            snapshot(test=True, first_event_at=MONTH_START.isoformat(), loc=station_loc(0))
            for _ in range(5)
        ]
    )
    # One alert before the month, outside the from/to window.
    api.ingest(snapshot(first_event_at=(MONTH_START - dt.timedelta(days=2)).isoformat()))

    ids = [r["incident_id"] for r in response.json()["results"]]
    dispatched = ids[30:72]  # 42 confirmed alerts followed up
    for incident_id in dispatched:
        assert api.act(incident_id, "acknowledge").status_code == 200
        assert api.act(incident_id, "dispatch", body={"unit": "R1"}).status_code == 200
    for incident_id in ids[130:142]:  # 12 unconfirmed alerts verified as mis-presses
        response = api.act(incident_id, "resolve", body={"outcome": "mis_press"})
        assert response.status_code == 200
    for n in range(32):
        api.clock.now = MONTH_START + dt.timedelta(hours=20 * n)
        response = api.client.post(
            "/v1/complaints",
            json={"category": CATEGORIES[n % 4], "text": f"laporan {n}", "loc": station_loc(n)},
            headers=api.headers("operator"),
        )
        assert response.status_code == 201
    return {"ids": ids}


MONTH = {"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
EXPECTED_TOTAL = {
    "panic_presses": 176,
    "confirmed": 96,
    "unconfirmed": 50,
    "mis_presses": 42,
    "followed_up": 42,
    "complaints": 32,
}


def test_article_month_figures(api: Api) -> None:
    load_month(api)
    body = api.get("/v1/stats", params=MONTH).json()
    assert {key: body[key] for key in EXPECTED_TOTAL} == EXPECTED_TOTAL
    assert set(body["by_polsek"]) == {s.id for s in STATIONS}
    for counter in EXPECTED_TOTAL:
        assert sum(s[counter] for s in body["by_polsek"].values()) == body[counter], counter
    # 176 alerts round-robin over 14 stations: the first 8 get 13, the rest 12.
    assert body["by_polsek"][STATIONS[0].id]["panic_presses"] == 13
    assert body["by_polsek"][STATIONS[13].id]["panic_presses"] == 12

    everything = api.get("/v1/stats").json()
    assert everything["panic_presses"] == 177

    station = STATIONS[0].id
    one = api.get("/v1/stats", params={**MONTH, "polsek": station}).json()
    assert one["panic_presses"] == 13
    assert list(one["by_polsek"]) == [station]

    check_daily_and_csv(api)


def check_daily_and_csv(api: Api) -> None:
    daily = api.get("/v1/stats/daily", params=MONTH).json()
    assert daily["tz"] == "Asia/Jakarta"
    for counter in EXPECTED_TOTAL:
        assert sum(day[counter] for day in daily["days"]) == EXPECTED_TOTAL[counter]
    # Alert 5 is at 20:00 UTC on 1 November, already 2 November in WIB (UTC+7).
    first = {day["date"]: day["panic_presses"] for day in daily["days"]}
    assert first["2026-11-01"] == 5
    utc = api.get("/v1/stats/daily", params={**MONTH, "tz": "UTC"}).json()
    assert {d["date"]: d["panic_presses"] for d in utc["days"]}["2026-11-01"] == 6
    assert api.get("/v1/stats/daily", params={"tz": "Mars/Olympus"}).status_code == 422

    response = api.get("/v1/stats.csv", params=MONTH)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    total = rows[-1]
    assert total["polsek"] == "total"
    assert {key: int(total[key]) for key in EXPECTED_TOTAL} == EXPECTED_TOTAL
    assert len(rows) == 15


def test_stats_reject_bad_ranges(sqlite_api: Api) -> None:
    api = sqlite_api
    bad = api.get(
        "/v1/stats", params={"from": "2026-12-02T00:00:00Z", "to": "2026-12-01T00:00:00Z"}
    )
    assert bad.status_code == 422
    assert api.get("/v1/stats", params={"from": "yesterday"}).status_code == 422
    assert api.get("/v1/stats", params={"polsek": "atlantis"}).status_code == 422
    naive = api.get("/v1/stats", params={"from": "2026-11-01T00:00:00"})
    assert naive.status_code == 200

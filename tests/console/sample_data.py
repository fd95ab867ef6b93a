"""Sample incidents, complaints and devices for console tests and screenshots.

Incidents enter the dispatch API the way the gateway sends them (``POST
/v1/ingest/alerts`` with the gateway token), so the console shows exactly
what the real pipeline would produce. The end-to-end test does not use
these: it presses a button through the real broker and gateway.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import httpx

from dispatch.stations import STATIONS

# A point about 130 m from each Polsek's coordinates, so routing (nearest
# station) puts an incident there at that station.
PLACES = {station.id: (station.lat + 0.0008, station.lon + 0.0011) for station in STATIONS}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def alert_snapshot(
    device_id: str,
    *,
    outcome: str = "confirmed",
    at: dt.datetime | None = None,
    place: str | None = "ilir-timur-1",
    press_count: int = 1,
    source: str = "button",
    test: bool = False,
    cancel_after_confirm: bool = False,
    clock_skew_ms: int | None = -35,
    age_at_arrival_ms: int = 140,
    offset: tuple[float, float] = (0.0, 0.0),
) -> dict[str, Any]:
    """Build one alert snapshot in the shape of the gateway's ingest interface.

    ``offset`` moves the location from the place by (degrees latitude,
    degrees longitude); keep it under 0.003 so routing still finds the place.
    """
    at = at or dt.datetime.now(dt.UTC)
    event_id = f"e-{uuid.uuid4().hex[:10]}"
    snapshot: dict[str, Any] = {
        "alert_id": str(uuid.uuid4()),
        "version": 1,
        "device_id": device_id,
        "source": source,
        "test": test,
        "outcome": outcome,
        "decision": "confirmed_by_hold" if outcome == "confirmed" else "expired_unconfirmed",
        "first_event_id": event_id,
        "first_event_at": iso(at),
        "last_event_at": iso(at),
        "press_count": press_count,
        "cancel_after_confirm": cancel_after_confirm,
        "bat": 87,
        "age_at_arrival_ms": age_at_arrival_ms,
        "clock_skew_ms": clock_skew_ms,
        "events": [
            {
                "id": event_id,
                "type": "hold" if outcome == "confirmed" else "press",
                "seq": 41,
                "received_at": iso(at),
                "ts": int(at.timestamp() * 1000),
            }
        ],
    }
    if place is not None:
        lat, lon = PLACES[place]
        snapshot["loc"] = {
            "lat": lat + offset[0],
            "lon": lon + offset[1],
            "acc_m": 25 if source == "app" else 8,
        }
    return snapshot


def ingest(url: str, gateway_token: str, snapshots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Send snapshots as the gateway would; return the API's per-alert results."""
    response = httpx.post(
        f"{url}/v1/ingest/alerts",
        json={"alerts": snapshots},
        headers={"Authorization": f"Bearer {gateway_token}"},
        timeout=10,
    )
    response.raise_for_status()
    return list(response.json()["results"])


def seed_queue(url: str, gateway_token: str, now: dt.datetime) -> dict[str, str]:
    """Create a realistic queue; return incident ids by name."""
    minutes = dt.timedelta(minutes=1)
    named = {
        "confirmed": alert_snapshot("btn-pasar-16-ilir", at=now - 2 * minutes, press_count=2),
        "unconfirmed": alert_snapshot(
            "app-3f9c2a71",
            outcome="unconfirmed",
            at=now - 4 * minutes,
            source="app",
            clock_skew_ms=None,
            offset=(0.0021, -0.0016),
        ),
        "duress": alert_snapshot(
            "btn-ilir-timur-0007",
            at=now - 9 * minutes,
            cancel_after_confirm=True,
            press_count=3,
            offset=(-0.0019, 0.0022),
        ),
        "other_station": alert_snapshot(
            "btn-kemuning-0002", at=now - 6 * minutes, place="kemuning"
        ),
        "test": alert_snapshot("btn-ilir-timur-0009", at=now - 1 * minutes, test=True),
        "older": alert_snapshot(
            "btn-ilir-timur-0003",
            outcome="unconfirmed",
            at=now - 40 * minutes,
            offset=(0.0006, 0.0027),
        ),
    }
    results = ingest(url, gateway_token, list(named.values()))
    return {name: result["incident_id"] for name, result in zip(named, results, strict=True)}


def file_complaints(client: httpx.Client) -> list[str]:
    """File sample complaint reports as staff; return their ids."""
    bodies = [
        {
            "category": "perjudian",
            "text": "Ada judi sabung ayam tiap malam Minggu di gudang belakang pasar.",
            "loc": {"lat": PLACES["ilir-timur-1"][0], "lon": PLACES["ilir-timur-1"][1]},
        },
        {
            "category": "begal",
            "text": "Dua orang bermotor merampas tas warga di dekat jembatan, sekitar jam 22.",
            "loc": {"lat": PLACES["ilir-timur-1"][0] + 0.001, "lon": PLACES["ilir-timur-1"][1]},
        },
        {
            "category": "pencurian",
            "text": "Sepeda motor hilang dari parkiran masjid saat salat Isya.",
            "loc": {"lat": PLACES["ilir-timur-1"][0], "lon": PLACES["ilir-timur-1"][1] + 0.001},
        },
    ]
    ids = []
    for body in bodies:
        response = client.post("/v1/complaints", json=body)
        response.raise_for_status()
        ids.append(response.json()["id"])
    return ids


def register_devices(client: httpx.Client, url: str, gateway_token: str, now: dt.datetime) -> None:
    """Register buttons: two reported silent for hours, so they need attention, and
    btn-ilir-timur-0003 with a site contact, whom staff call back for its alerts."""
    lat, lon = PLACES["ilir-timur-1"]
    client.post(
        "/v1/devices",
        json={
            "device_id": "btn-ilir-timur-0003",
            "kind": "button",
            "label": "Warung Bu Rina, Lrg. Sei Tawar",
            "lat": lat,
            "lon": lon,
            "contact_name": "Bu Rina",
            "contact_phone": "+62 812 7788 0303",
        },
    ).raise_for_status()
    for number, place in (("0011", "ilir-timur-1"), ("0012", "ilir-timur-1")):
        lat, lon = PLACES[place]
        response = client.post(
            "/v1/devices",
            json={
                "device_id": f"btn-ilir-timur-{number}",
                "kind": "button",
                "label": f"Pos ronda RT {number[-2:]}",
                "lat": lat,
                "lon": lon,
                "contact_name": "Pak Hasan",
                "contact_phone": "+62 811 7300 123",
            },
        )
        response.raise_for_status()
    response = httpx.post(
        f"{url}/v1/ingest/device-status",
        json={
            "devices": [
                {
                    "device_id": "btn-ilir-timur-0011",
                    "last_seen_at": iso(now - dt.timedelta(hours=30)),
                    "online": False,
                    "bat": 9,
                },
                {
                    "device_id": "btn-ilir-timur-0012",
                    "last_seen_at": iso(now - dt.timedelta(hours=3)),
                    "online": True,
                    "bat": 64,
                },
            ]
        },
        headers={"Authorization": f"Bearer {gateway_token}"},
        timeout=10,
    )
    response.raise_for_status()


def seed_history(url: str, gateway_token: str, operator: httpx.Client, now: dt.datetime) -> None:
    """Create a month of past alerts across the stations, some handled, for statistics.

    A fixed random seed keeps the figures the same from run to run.
    """
    chooser = random.Random(176)
    stations = [station.id for station in STATIONS]
    snapshots = []
    for number in range(60):
        at = now - dt.timedelta(days=chooser.uniform(1, 29), minutes=number)
        outcome = chooser.choices(["confirmed", "unconfirmed", "cancelled"], [5, 3, 3])[0]
        snapshots.append(
            alert_snapshot(
                f"btn-riwayat-{number:04d}",
                outcome=outcome,
                at=at,
                place=chooser.choice(stations),
                source=chooser.choice(["button", "app"]),
            )
        )
    results = ingest(url, gateway_token, snapshots)
    for result in results:
        if result["state"] == "cancelled":
            continue
        incident = f"/v1/incidents/{result['incident_id']}"
        if chooser.random() < 0.4:
            outcome = chooser.choice(["mis_press", "false_alarm", "prank"])
            operator.post(f"{incident}/resolve", json={"outcome": outcome}).raise_for_status()
            continue
        for action, body in (
            ("acknowledge", None),
            ("dispatch", {"unit": "Patroli 1"}),
            ("arrive", None),
            ("resolve", {"outcome": "genuine", "note": "Ditangani di tempat."}),
        ):
            operator.post(f"{incident}/{action}", json=body).raise_for_status()

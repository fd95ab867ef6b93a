from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import select

from dispatch import stats as stats_logic
from dispatch.deps import Context, Principal, Staff
from dispatch.incident_store import InvalidInput
from dispatch.models import Complaint, Incident
from dispatch.schemas import DailyStats, DailyStatsPublic, Role, StatsPublic
from dispatch.stations import STATIONS, STATIONS_BY_ID
from dispatch.timeutil import as_utc

router = APIRouter(prefix="/v1", tags=["stats"])

FromParam = Annotated[
    dt.datetime | None, Query(alias="from", description="ISO 8601; without offset taken as UTC.")
]
ToParam = Annotated[dt.datetime | None, Query(alias="to", description="ISO 8601, exclusive.")]
PolsekParam = Annotated[str | None, Query(max_length=64, description="One station's figures.")]
MAX_DAYS = 400


def _station_filter(user: Principal, polsek: str | None) -> str | None:
    if user.role == Role.POLSEK:
        return user.polsek
    if polsek is not None and polsek not in STATIONS_BY_ID:
        raise InvalidInput(f"unknown polsek {polsek!r}: use an id from GET /v1/polsek")
    return polsek


def _load(
    context: Any, start: dt.datetime | None, end: dt.datetime | None, station: str | None
) -> tuple[list[tuple[dt.datetime, stats_logic.AlertFacts]], list[tuple[dt.datetime, str | None]]]:
    start = as_utc(start) if start is not None else None
    end = as_utc(end) if end is not None else None
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"'to' ({end.isoformat()}) is before 'from' ({start.isoformat()})")
    alerts_q = select(
        Incident.first_event_at,
        Incident.polsek,
        Incident.state,
        Incident.confirmation,
        Incident.outcome,
        Incident.dispatched_at,
        Incident.test,
    ).where(Incident.test.is_(False))
    complaints_q = select(Complaint.created_at, Complaint.polsek)
    if start is not None:
        alerts_q = alerts_q.where(Incident.first_event_at >= start)
        complaints_q = complaints_q.where(Complaint.created_at >= start)
    if end is not None:
        alerts_q = alerts_q.where(Incident.first_event_at < end)
        complaints_q = complaints_q.where(Complaint.created_at < end)
    if station is not None:
        alerts_q = alerts_q.where(Incident.polsek == station)
        complaints_q = complaints_q.where(Complaint.polsek == station)
    with context.db.read() as session:
        alerts = [
            (
                at,
                stats_logic.AlertFacts(
                    polsek=polsek,
                    state=state,
                    confirmation=confirmation,
                    outcome=outcome,
                    dispatched=dispatched_at is not None,
                    test=test,
                ),
            )
            for at, polsek, state, confirmation, outcome, dispatched_at, test in session.execute(
                alerts_q
            ).all()
        ]
        complaints = [(at, polsek) for at, polsek in session.execute(complaints_q).all()]
    return alerts, complaints


def _compute(
    context: Any,
    user: Principal,
    start: dt.datetime | None,
    end: dt.datetime | None,
    polsek: str | None,
) -> stats_logic.Stats:
    station = _station_filter(user, polsek)
    alerts, complaints = _load(context, start, end, station)
    ids = [station] if station is not None else [s.id for s in STATIONS]
    return stats_logic.count((facts for _, facts in alerts), (p for _, p in complaints), ids)


@router.get("/stats", response_model=StatsPublic)
def get_stats(
    context: Context,
    user: Staff,
    start: FromParam = None,
    end: ToParam = None,
    polsek: PolsekParam = None,
) -> dict[str, object]:
    """Count presses, confirmations, mis-presses, follow-ups and complaints."""
    return _compute(context, user, start, end, polsek).as_dict()


@router.get("/stats/daily", response_model=DailyStatsPublic)
def get_daily_stats(
    context: Context,
    user: Staff,
    start: FromParam = None,
    end: ToParam = None,
    polsek: PolsekParam = None,
    tz: Annotated[str, Query(max_length=64, description="IANA time zone of the days.")] = (
        "Asia/Jakarta"
    ),
) -> DailyStatsPublic:
    """Count the same figures per calendar day in the given time zone (default WIB)."""
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(f"unknown time zone {tz!r}: use an IANA name like Asia/Jakarta") from exc
    station = _station_filter(user, polsek)
    alerts, complaints = _load(context, start, end, station)
    days: dict[dt.date, tuple[list[stats_logic.AlertFacts], list[str | None]]] = {}
    for at, facts in alerts:
        days.setdefault(at.astimezone(zone).date(), ([], []))[0].append(facts)
    for at, complaint_polsek in complaints:
        days.setdefault(at.astimezone(zone).date(), ([], []))[1].append(complaint_polsek)
    if len(days) > MAX_DAYS:
        raise InvalidInput(f"{len(days)} days requested: narrow 'from'/'to' to {MAX_DAYS} days")
    result = []
    for day in sorted(days):
        day_alerts, day_complaints = days[day]
        counters = stats_logic.count(day_alerts, day_complaints, []).total
        result.append(DailyStats(date=day, **counters.as_dict()))
    return DailyStatsPublic(tz=tz, days=result)


@router.get("/stats.csv", response_class=Response)
def get_stats_csv(
    context: Context,
    user: Staff,
    start: FromParam = None,
    end: ToParam = None,
    polsek: PolsekParam = None,
) -> Response:
    """Export the statistics as CSV: one row per station and a total row."""
    result = _compute(context, user, start, end, polsek)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["polsek", "name", *stats_logic.COUNTERS])
    for station_id, counters in result.by_polsek.items():
        row = counters.as_dict()
        writer.writerow(
            [station_id, STATIONS_BY_ID[station_id].name, *(row[c] for c in stats_logic.COUNTERS)]
        )
    total = result.total.as_dict()
    writer.writerow(["total", "", *(total[c] for c in stats_logic.COUNTERS)])
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="ampera-stats.csv"'},
    )

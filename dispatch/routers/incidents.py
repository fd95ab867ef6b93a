from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, HTTPException, Query, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import or_, select

from dispatch import incident_store as store
from dispatch import metrics
from dispatch.deps import Context, Principal, Staff, StaffOrTechnician, StreamStaff
from dispatch.lifecycle import Action, State
from dispatch.models import IncidentChange
from dispatch.schemas import (
    ChangePublic,
    DispatchRequest,
    IncidentPage,
    IncidentPublic,
    NoteCreate,
    ReassignRequest,
    ResolveRequest,
    Role,
    UnitRequest,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/incidents", tags=["incidents"])

STREAM_BATCH = 500
# Largest value of the audit sequence column (BIGINT).
MAX_SEQ = 2**63 - 1


@router.get("", response_model=IncidentPage)
def list_incidents(
    context: Context,
    user: StaffOrTechnician,
    response: Response,
    state: Annotated[
        list[State] | None, Query(description="Repeat to list several states.")
    ] = None,
    polsek: Annotated[
        str | None,
        Query(max_length=64, description="Station id, or 'none' for the city-wide queue."),
    ] = None,
    test: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> IncidentPage:
    """List incidents, newest first; without a state filter every state but cancelled."""
    if user.role == Role.TECHNICIAN and not test:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="role 'technician' may list only test incidents: add test=true",
        )
    with context.db.read() as session:
        # Read before the page, so a stream resumed from here misses nothing.
        response.headers["X-Change-Seq"] = str(store.latest_seq(session))
        rows, next_cursor = store.list_incidents(
            session, user.scope(), state, polsek, test, cursor, limit
        )
        return IncidentPage(items=store.public_views(session, rows), next=next_cursor)


@router.get("/stream", response_class=EventSourceResponse)
async def stream(
    context: Context,
    user: StreamStaff,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[int | None, Query(ge=0, le=MAX_SEQ)] = None,
    test: bool = False,
) -> AsyncIterator[ServerSentEvent]:
    """Stream incident changes as Server-Sent Events; resume with Last-Event-ID."""
    after = _resume_point(last_event_id_header, last_event_id)
    if after is None:
        after = await run_in_threadpool(_latest_seq, context)
    log.info("stream opened user=%s after=%s", user.username, after)
    while context.clock() < user.expires_at:
        changes = await run_in_threadpool(_changes_after, context, user, after, test)
        for seq, snapshot in changes:
            after = seq
            yield ServerSentEvent(id=str(seq), event="incident", data=snapshot)
        if len(changes) < STREAM_BATCH:
            await asyncio.sleep(context.settings.stream_poll_s)
    log.info("stream closed at token expiry user=%s after=%s", user.username, after)


def _resume_point(header: str | None, query: int | None) -> int | None:
    """Return the sequence to resume after; a header that is not a valid number is ignored."""
    if header is not None and header.strip().isdigit():
        return min(int(header.strip()), MAX_SEQ)
    return query


def _latest_seq(context: Any) -> int:
    with context.db.read() as session:
        return store.latest_seq(session)


def _changes_after(
    context: Any, user: Principal, after: int, test: bool
) -> list[tuple[int, dict[str, Any]]]:
    query = (
        select(IncidentChange.seq, IncidentChange.snapshot)
        .where(
            IncidentChange.seq > after,
            IncidentChange.test.is_(test),
            IncidentChange.to_state != State.CANCELLED,
        )
        .order_by(IncidentChange.seq)
        .limit(STREAM_BATCH)
    )
    if user.role == Role.POLSEK:
        query = query.where(
            or_(IncidentChange.polsek == user.polsek, IncidentChange.prev_polsek == user.polsek)
        )
    with context.db.read() as session:
        return [(seq, snapshot) for seq, snapshot in session.execute(query).all()]


@router.get("/{incident_id}", response_model=IncidentPublic)
def get_incident(context: Context, user: Staff, incident_id: str) -> IncidentPublic:
    """Return one incident."""
    with context.db.read() as session:
        incident = store.get_incident(session, incident_id, user.scope())
        return store.public_views(session, [incident])[0]


@router.get("/{incident_id}/history", response_model=list[ChangePublic])
def get_history(context: Context, user: Staff, incident_id: str) -> list[ChangePublic]:
    """Return the incident's audit trail: every change with actor and time, oldest first."""
    with context.db.read() as session:
        store.get_incident(session, incident_id, user.scope())
        return [store.change_public(c) for c in store.history(session, incident_id)]


def _act(context: Any, user: Principal, incident_id: str, action: Action, **kwargs: Any) -> Any:
    with context.db.write() as session:
        incident = store.transition(
            context.db,
            session,
            incident_id,
            user.scope(),
            action,
            user.username,
            context.clock(),
            **kwargs,
        )
        view = store.public_views(session, [incident])[0]
    metrics.TRANSITIONS.labels(action=action.value).inc()
    log.info(
        "incident changed incident_id=%s action=%s state=%s actor=%s",
        incident_id,
        action.value,
        view.state.value,
        user.username,
    )
    return view


@router.post("/{incident_id}/acknowledge", response_model=IncidentPublic)
def acknowledge(context: Context, user: Staff, incident_id: str) -> IncidentPublic:
    """Acknowledge an unconfirmed or confirmed incident."""
    return _act(context, user, incident_id, Action.ACKNOWLEDGED)  # type: ignore[no-any-return]


@router.post("/{incident_id}/dispatch", response_model=IncidentPublic)
def dispatch_unit(
    context: Context,
    user: Staff,
    incident_id: str,
    body: Annotated[DispatchRequest | None, Body()] = None,
) -> IncidentPublic:
    """Send a unit to an acknowledged incident."""
    unit = body.unit if body is not None else None
    return _act(context, user, incident_id, Action.DISPATCHED, unit=unit)  # type: ignore[no-any-return]


@router.post("/{incident_id}/arrive", response_model=IncidentPublic)
def arrive(context: Context, user: Staff, incident_id: str) -> IncidentPublic:
    """Record that the dispatched unit is on the scene."""
    return _act(context, user, incident_id, Action.ARRIVED)  # type: ignore[no-any-return]


@router.post("/{incident_id}/resolve", response_model=IncidentPublic)
def resolve(
    context: Context, user: Staff, incident_id: str, body: ResolveRequest
) -> IncidentPublic:
    """Close an open incident with its outcome."""
    return _act(  # type: ignore[no-any-return]
        context, user, incident_id, Action.RESOLVED, outcome=body.outcome, note=body.note
    )


@router.post("/{incident_id}/unit", response_model=IncidentPublic)
def assign_unit(
    context: Context, user: Staff, incident_id: str, body: UnitRequest
) -> IncidentPublic:
    """Replace the unit assigned to a dispatched or on-scene incident."""
    with context.db.write() as session:
        incident = store.assign_unit(
            context.db,
            session,
            incident_id,
            user.scope(),
            body.unit,
            user.username,
            context.clock(),
        )
        view = store.public_views(session, [incident])[0]
    metrics.TRANSITIONS.labels(action=Action.UNIT_ASSIGNED.value).inc()
    return view


@router.post("/{incident_id}/reassign", response_model=IncidentPublic)
def reassign(
    context: Context, user: Staff, incident_id: str, body: ReassignRequest
) -> IncidentPublic:
    """Hand an open incident to another station (or to the city-wide queue with null)."""
    with context.db.write() as session:
        incident = store.reassign(
            context.db,
            session,
            incident_id,
            user.scope(),
            body.polsek,
            body.reason,
            user.username,
            context.clock(),
        )
        view = store.public_views(session, [incident])[0]
    metrics.TRANSITIONS.labels(action=Action.REASSIGNED.value).inc()
    log.info(
        "incident reassigned incident_id=%s polsek=%s actor=%s",
        incident_id,
        body.polsek,
        user.username,
    )
    return view


@router.post("/{incident_id}/notes", response_model=ChangePublic, status_code=201)
def add_note(context: Context, user: Staff, incident_id: str, body: NoteCreate) -> ChangePublic:
    """Add a note to an incident's audit trail."""
    with context.db.write() as session:
        change = store.add_note(
            context.db,
            session,
            incident_id,
            user.scope(),
            body.text,
            user.username,
            context.clock(),
        )
        result = store.change_public(change)
    metrics.TRANSITIONS.labels(action=Action.NOTE.value).inc()
    return result

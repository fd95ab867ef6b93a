"""Reading and changing incidents in the database; every change appends to the audit log.

Callers open a write transaction with ``Database.write()``. Each change
takes the change-log lock first and then the incident's row lock, in that
order on every path, so writers never wait on each other in a cycle.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from dispatch import lifecycle, reporters, stations
from dispatch.db import Database
from dispatch.ingest_logic import IngestDecision, StoredAlert, plan_snapshot
from dispatch.lifecycle import Action, Confirmation, State
from dispatch.models import Citizen, Device, Incident, IncidentChange
from dispatch.schemas import (
    AlertSnapshot,
    CallbackContact,
    ChangePublic,
    FalsePress,
    IncidentPublic,
    IngestResult,
    Loc,
)

GATEWAY_ACTOR = "gateway"
# The ``polsek`` filter value that selects incidents routed to no station.
CITY_WIDE_QUEUE = "none"


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


class NotFound(Exception):
    """The incident does not exist or lies outside the caller's scope (HTTP 404)."""


class InvalidInput(ValueError):
    """A value in the request is not acceptable (HTTP 422)."""


class Conflict(Exception):
    """A write conflicted with the stored state (HTTP 409)."""


@dataclass(frozen=True)
class Scope:
    """The incidents a user may see: one station's, or with ``city_wide`` the whole city's."""

    polsek: str | None = None
    city_wide: bool = True

    def allows(self, incident_polsek: str | None) -> bool:
        return self.city_wide or incident_polsek == self.polsek


CITY = Scope()


# --- public view ------------------------------------------------------------------


def false_press_public(history: reporters.FalsePressHistory) -> FalsePress:
    return FalsePress(
        alerts=history.alerts,
        false_alerts=history.false_alerts,
        rate=round(history.rate, 3),
        review=history.review,
    )


def change_public(change: IncidentChange) -> ChangePublic:
    return ChangePublic(
        seq=change.seq,
        at=change.at,
        actor=change.actor,
        action=change.action,
        from_state=State(change.from_state) if change.from_state else None,
        to_state=State(change.to_state),
        polsek=change.polsek,
        detail=change.detail,
    )


def false_press_by_device(session: Session, device_ids: Iterable[str]) -> dict[str, FalsePress]:
    counts = false_press_counts(session, device_ids)
    return {
        device_id: false_press_public(reporters.FalsePressHistory(total, false))
        for device_id, (total, false) in counts.items()
    }


def _false_alert_condition() -> ColumnElement[bool]:
    """SQL condition for a false alert: cancelled on the device, or resolved as false."""
    return or_(
        Incident.state == State.CANCELLED,
        Incident.outcome.in_([o.value for o in reporters.FALSE_OUTCOMES]),
    )


def false_press_counts(session: Session, device_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
    """Return (alerts, false alerts) over each device's non-test incidents, (0, 0) for none."""
    ids = sorted(set(device_ids))
    if not ids:
        return {}
    false_case = _false_alert_condition()
    rows = session.execute(
        select(
            Incident.device_id,
            func.count(),
            func.count().filter(false_case),
        )
        .where(Incident.device_id.in_(ids), Incident.test.is_(False))
        .group_by(Incident.device_id)
    ).all()
    result = {device_id: (total, false) for device_id, total, false in rows}
    return {device_id: result.get(device_id, (0, 0)) for device_id in ids}


def false_press_by_citizen(session: Session, citizen_ids: Iterable[int]) -> dict[int, FalsePress]:
    ids = sorted(set(citizen_ids))
    if not ids:
        return {}
    false_case = _false_alert_condition()
    rows = session.execute(
        select(Incident.citizen_id, func.count(), func.count().filter(false_case))
        .where(Incident.citizen_id.in_(ids), Incident.test.is_(False))
        .group_by(Incident.citizen_id)
    ).all()
    result = {
        citizen_id: false_press_public(reporters.FalsePressHistory(total, false))
        for citizen_id, total, false in rows
    }
    empty = false_press_public(reporters.FalsePressHistory(0, 0))
    return {citizen_id: result.get(citizen_id, empty) for citizen_id in ids}


def callback_contacts(
    session: Session, incidents: Sequence[Incident]
) -> dict[str, CallbackContact | None]:
    """Return the call-back contact of each incident's device, keyed by device id."""
    return contacts_by_device(session, {incident.device_id for incident in incidents})


def contacts_by_device(
    session: Session, device_ids: Iterable[str]
) -> dict[str, CallbackContact | None]:
    """Return the call-back contact of each device: its citizen's, else the site's, else None."""
    device_ids = set(device_ids)
    if not device_ids:
        return {}
    devices = session.scalars(select(Device).where(Device.device_id.in_(device_ids))).all()
    citizen_ids = {d.citizen_id for d in devices if d.citizen_id is not None}
    citizens = {
        c.id: c for c in session.scalars(select(Citizen).where(Citizen.id.in_(citizen_ids))).all()
    }
    contacts: dict[str, CallbackContact | None] = {device_id: None for device_id in device_ids}
    for device in devices:
        citizen = citizens.get(device.citizen_id) if device.citizen_id is not None else None
        if citizen is not None and citizen.purged_at is None:
            contacts[device.device_id] = CallbackContact(
                name=citizen.name, phone=citizen.phone, source="citizen"
            )
        elif device.contact_phone or device.contact_name:
            contacts[device.device_id] = CallbackContact(
                name=device.contact_name, phone=device.contact_phone, source="site"
            )
    return contacts


def to_public(
    incident: Incident,
    callback: CallbackContact | None,
    history: FalsePress | None,
) -> IncidentPublic:
    loc = None
    if incident.lat is not None and incident.lon is not None:
        loc = Loc(lat=incident.lat, lon=incident.lon, acc_m=incident.acc_m)
    return IncidentPublic(
        id=incident.id,
        alert_id=incident.alert_id,
        state=State(incident.state),
        source=incident.source,
        device_id=incident.device_id,
        registered=incident.registered,
        polsek=incident.polsek,
        loc=loc,
        loc_source=incident.loc_source,
        press_count=incident.press_count,
        confirmation=Confirmation(incident.confirmation),
        decision=incident.decision,
        first_event_id=incident.first_event_id,
        first_event_at=incident.first_event_at,
        last_event_at=incident.last_event_at,
        test=incident.test,
        age_at_arrival_ms=incident.age_at_arrival_ms,
        clock_skew_ms=incident.clock_skew_ms,
        cancel_after_confirm=incident.cancel_after_confirm,
        bat=incident.bat,
        unit=incident.unit,
        outcome=incident.outcome,  # type: ignore[arg-type]
        resolution_note=incident.resolution_note,
        created_at=incident.created_at,
        updated_at=incident.updated_at,
        acknowledged_at=incident.acknowledged_at,
        dispatched_at=incident.dispatched_at,
        arrived_at=incident.arrived_at,
        resolved_at=incident.resolved_at,
        callback=callback,
        reporter_history=history,
        events=list(incident.events or []),
    )


def public_views(
    session: Session,
    incidents: Sequence[Incident],
    contacts: dict[str, CallbackContact | None] | None = None,
    histories: dict[str, FalsePress] | None = None,
) -> list[IncidentPublic]:
    """Build the public view of each incident.

    ``contacts`` and ``histories`` may hold the call-back contacts and
    false-press histories already known in this transaction, keyed by device
    id. Each must cover every incident's device.
    """
    if contacts is None:
        contacts = callback_contacts(session, incidents)
    if histories is None:
        histories = false_press_by_device(session, (i.device_id for i in incidents))
    return [to_public(i, contacts.get(i.device_id), histories.get(i.device_id)) for i in incidents]


# --- change log -------------------------------------------------------------------


def append_change(
    session: Session,
    incident: Incident,
    action: Action,
    actor: str,
    now: dt.datetime,
    from_state: str | None,
    prev_polsek: str | None = None,
    detail: dict[str, Any] | None = None,
    contacts: dict[str, CallbackContact | None] | None = None,
    histories: dict[str, FalsePress] | None = None,
) -> IncidentChange:
    """Record one change; the caller holds the change-log lock.

    ``contacts`` and ``histories`` are passed on to ``public_views``.
    """
    incident.updated_at = now
    if histories is None:
        # The false-press query in public_views must count this change. With
        # ``histories`` given, the flush below writes the incident and the change.
        session.flush()
    view = public_views(session, [incident], contacts, histories)[0]
    snapshot = view.model_dump(mode="json")
    change = IncidentChange(
        incident_id=incident.id,
        at=now,
        actor=actor,
        action=action.value,
        from_state=from_state,
        to_state=incident.state,
        state_changed=from_state != incident.state,
        polsek=incident.polsek,
        prev_polsek=prev_polsek if prev_polsek is not None else incident.polsek,
        test=incident.test,
        detail=detail,
        snapshot=snapshot,
    )
    session.add(change)
    session.flush()
    return change


# --- ingest -----------------------------------------------------------------------


def _locate(
    snapshot: AlertSnapshot, device: Device | None
) -> tuple[float | None, float | None, float | None, str | None]:
    if snapshot.loc is not None:
        return snapshot.loc.lat, snapshot.loc.lon, snapshot.loc.acc_m, "event"
    if device is not None and device.lat is not None and device.lon is not None:
        return device.lat, device.lon, None, "device"
    return None, None, None, None


def apply_snapshots(
    db: Database, session: Session, snapshots: Sequence[AlertSnapshot], now: dt.datetime
) -> tuple[list[IngestResult], list[IngestDecision]]:
    """Apply a batch of gateway snapshots, each at most once per (alert_id, version)."""
    db.lock_change_log(session)
    batch = _read_batch(session, snapshots)
    results: list[IngestResult] = []
    decisions: list[IngestDecision] = []
    for snapshot in snapshots:
        result, decision = _apply_one(session, snapshot, now, batch)
        results.append(result)
        decisions.append(decision)
    return results, decisions


@dataclass
class _BatchRows:
    """Rows one ingest batch needs, read with one query per table instead of per snapshot.

    Every write to incidents holds the change-log lock, as this batch does, so
    the incidents and ``false_press`` stay exact while the batch updates
    ``false_press`` with its own changes.

    NOTE: devices and citizens are read once per batch. On PostgreSQL, a
    device or citizen change committed while the batch runs reaches the
    change snapshots from the next request on, not from the next snapshot.
    """

    incidents: dict[str, Incident]
    devices: dict[str, Device]
    contacts: dict[str, CallbackContact | None]
    # (alerts, false alerts) over each device's non-test incidents.
    false_press: dict[str, tuple[int, int]]

    def count(self, incident: Incident, sign: int) -> None:
        """Add (sign 1) or remove (sign -1) the incident's share of its device's counts."""
        if incident.test:
            return
        total, false = self.false_press.get(incident.device_id, (0, 0))
        is_false = reporters.is_false(incident.state, incident.outcome)
        self.false_press[incident.device_id] = (total + sign, false + sign * is_false)

    def histories(self, device_id: str) -> dict[str, FalsePress]:
        total, false = self.false_press.get(device_id, (0, 0))
        return {device_id: false_press_public(reporters.FalsePressHistory(total, false))}


def _read_batch(session: Session, snapshots: Sequence[AlertSnapshot]) -> _BatchRows:
    alert_ids = {snapshot.alert_id for snapshot in snapshots}
    incidents = session.scalars(
        select(Incident).where(Incident.alert_id.in_(alert_ids)).with_for_update()
    ).all()
    device_ids = {snapshot.device_id for snapshot in snapshots}
    device_ids |= {incident.device_id for incident in incidents}
    devices = session.scalars(select(Device).where(Device.device_id.in_(device_ids))).all()
    return _BatchRows(
        incidents={incident.alert_id: incident for incident in incidents},
        devices={device.device_id: device for device in devices},
        contacts=contacts_by_device(session, device_ids),
        false_press=false_press_counts(session, device_ids),
    )


def _apply_one(
    session: Session, snapshot: AlertSnapshot, now: dt.datetime, batch: _BatchRows
) -> tuple[IngestResult, IngestDecision]:
    incident = batch.incidents.get(snapshot.alert_id)
    stored = None
    if incident is not None:
        stored = StoredAlert(
            state=State(incident.state),
            confirmation=Confirmation(incident.confirmation),
            version=incident.alert_version,
            press_count=incident.press_count,
        )
    plan = plan_snapshot(stored, snapshot.outcome, snapshot.version, snapshot.press_count)

    if plan.decision == IngestDecision.STALE:
        assert incident is not None
        return (
            IngestResult(
                alert_id=snapshot.alert_id,
                incident_id=incident.id,
                state=State(incident.state),
                applied=False,
            ),
            plan.decision,
        )

    if incident is None:
        device = batch.devices.get(snapshot.device_id)
        lat, lon, acc_m, loc_source = _locate(snapshot, device)
        incident = Incident(
            id=new_id("inc"),
            alert_id=snapshot.alert_id,
            alert_version=snapshot.version,
            row_version=1,
            device_id=snapshot.device_id,
            registered=device is not None and device.revoked_at is None,
            citizen_id=device.citizen_id if device is not None else None,
            source=snapshot.source,
            test=snapshot.test,
            state=plan.state.value,
            confirmation=plan.confirmation.value,
            decision=snapshot.decision,
            polsek=stations.route(lat, lon),
            lat=lat,
            lon=lon,
            acc_m=acc_m,
            loc_source=loc_source,
            press_count=snapshot.press_count,
            cancel_after_confirm=snapshot.cancel_after_confirm,
            first_event_id=snapshot.first_event_id,
            first_event_at=snapshot.first_event_at,
            last_event_at=snapshot.last_event_at,
            age_at_arrival_ms=snapshot.age_at_arrival_ms,
            clock_skew_ms=snapshot.clock_skew_ms,
            bat=snapshot.bat,
            events=snapshot.events,
            gateway_false_press=snapshot.false_press,
            created_at=now,
            updated_at=now,
        )
        session.add(incident)
        batch.incidents[incident.alert_id] = incident
        batch.count(incident, 1)
        append_change(
            session,
            incident,
            Action.CREATED,
            GATEWAY_ACTOR,
            now,
            from_state=None,
            detail={"version": snapshot.version, "decision": snapshot.decision},
            contacts=batch.contacts,
            histories=batch.histories(incident.device_id),
        )
    else:
        batch.count(incident, -1)
        from_state = incident.state
        incident.alert_version = snapshot.version
        incident.row_version += 1
        incident.state = plan.state.value
        incident.confirmation = plan.confirmation.value
        incident.decision = snapshot.decision or incident.decision
        incident.press_count = max(incident.press_count, snapshot.press_count)
        incident.cancel_after_confirm = (
            incident.cancel_after_confirm or snapshot.cancel_after_confirm
        )
        incident.last_event_at = snapshot.last_event_at or incident.last_event_at
        if snapshot.bat is not None:
            incident.bat = snapshot.bat
        if snapshot.events:
            incident.events = snapshot.events
        if snapshot.false_press is not None:
            incident.gateway_false_press = snapshot.false_press
        if snapshot.loc is not None and incident.loc_source != "event":
            # A location sent with a later press is better than none or the
            # registered one; the station stays, so staff already on it keep it.
            incident.lat, incident.lon = snapshot.loc.lat, snapshot.loc.lon
            incident.acc_m, incident.loc_source = snapshot.loc.acc_m, "event"
        action = Action.UPDATED
        if plan.decision == IngestDecision.REOPENED:
            action = Action.REOPENED
            # The earlier resolution stays in the audit trail.
            incident.outcome = None
            incident.resolution_note = None
            incident.resolved_at = None
        batch.count(incident, 1)
        append_change(
            session,
            incident,
            action,
            GATEWAY_ACTOR,
            now,
            from_state=from_state,
            detail={"version": snapshot.version, "decision": snapshot.decision},
            contacts=batch.contacts,
            histories=batch.histories(incident.device_id),
        )
    return (
        IngestResult(
            alert_id=snapshot.alert_id,
            incident_id=incident.id,
            state=State(incident.state),
            applied=True,
        ),
        plan.decision,
    )


# --- reads --------------------------------------------------------------------------


def encode_cursor(incident: Incident) -> str:
    raw = f"{incident.first_event_at.isoformat()}|{incident.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    """Raise InvalidInput on a cursor this API did not issue."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        at_text, incident_id = raw.split("|", 1)
        at = dt.datetime.fromisoformat(at_text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput(
            f"invalid cursor {cursor!r}: pass the 'next' value of a previous page"
        ) from exc
    if at.tzinfo is None:
        raise InvalidInput(f"invalid cursor {cursor!r}: pass the 'next' value of a previous page")
    return at, incident_id


def list_incidents(
    session: Session,
    scope: Scope,
    states: Sequence[State] | None,
    polsek: str | None,
    test: bool,
    cursor: str | None,
    limit: int,
) -> tuple[list[Incident], str | None]:
    query = select(Incident).where(Incident.test.is_(test))
    if states:
        query = query.where(Incident.state.in_([s.value for s in states]))
    else:
        query = query.where(Incident.state != State.CANCELLED)
    if not scope.city_wide:
        query = query.where(Incident.polsek == scope.polsek)
    if polsek == CITY_WIDE_QUEUE:
        query = query.where(Incident.polsek.is_(None))
    elif polsek is not None:
        query = query.where(Incident.polsek == polsek)
    if cursor is not None:
        at, incident_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Incident.first_event_at < at,
                and_(Incident.first_event_at == at, Incident.id < incident_id),
            )
        )
    query = query.order_by(Incident.first_event_at.desc(), Incident.id.desc()).limit(limit + 1)
    rows = list(session.scalars(query).all())
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], next_cursor


def get_incident(session: Session, incident_id: str, scope: Scope, lock: bool = False) -> Incident:
    query = select(Incident).where(Incident.id == incident_id)
    if lock:
        query = query.with_for_update()
    incident = session.scalars(query).first()
    if incident is None or not scope.allows(incident.polsek):
        raise NotFound(f"incident {incident_id!r} not found")
    return incident


def latest_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(IncidentChange.seq))) or 0)


# --- staff actions --------------------------------------------------------------------


def transition(
    db: Database,
    session: Session,
    incident_id: str,
    scope: Scope,
    action: Action,
    actor: str,
    now: dt.datetime,
    unit: str | None = None,
    outcome: lifecycle.Outcome | None = None,
    note: str | None = None,
) -> Incident:
    """Apply one staff action; raise NotFound (404) or TransitionError (409)."""
    db.lock_change_log(session)
    incident = get_incident(session, incident_id, scope, lock=True)
    from_state = incident.state
    target = lifecycle.plan_transition(action, State(from_state))
    incident.state = target.value
    incident.row_version += 1
    detail: dict[str, Any] = {}
    if action == Action.ACKNOWLEDGED:
        incident.acknowledged_at = now
    elif action == Action.DISPATCHED:
        incident.dispatched_at = now
        if unit:
            incident.unit = unit
            detail["unit"] = unit
    elif action == Action.ARRIVED:
        incident.arrived_at = now
    elif action == Action.RESOLVED:
        assert outcome is not None
        incident.resolved_at = now
        incident.outcome = outcome.value
        incident.resolution_note = note
        detail["outcome"] = outcome.value
        if note:
            detail["note"] = note
    append_change(session, incident, action, actor, now, from_state, detail=detail or None)
    return incident


def assign_unit(
    db: Database,
    session: Session,
    incident_id: str,
    scope: Scope,
    unit: str,
    actor: str,
    now: dt.datetime,
) -> Incident:
    db.lock_change_log(session)
    incident = get_incident(session, incident_id, scope, lock=True)
    lifecycle.check_unit_change(State(incident.state))
    previous = incident.unit
    incident.unit = unit
    incident.row_version += 1
    append_change(
        session,
        incident,
        Action.UNIT_ASSIGNED,
        actor,
        now,
        incident.state,
        detail={"unit": unit, "previous_unit": previous},
    )
    return incident


def reassign(
    db: Database,
    session: Session,
    incident_id: str,
    scope: Scope,
    polsek: str | None,
    reason: str | None,
    actor: str,
    now: dt.datetime,
) -> Incident:
    if polsek is not None and polsek not in stations.STATIONS_BY_ID:
        raise InvalidInput(f"unknown polsek {polsek!r}: use an id from GET /v1/polsek")
    db.lock_change_log(session)
    incident = get_incident(session, incident_id, scope, lock=True)
    if incident.state in (State.RESOLVED, State.CANCELLED):
        raise lifecycle.TransitionError(
            Action.REASSIGNED, State(incident.state), lifecycle.OPEN_STATES
        )
    previous = incident.polsek
    incident.polsek = polsek
    incident.row_version += 1
    append_change(
        session,
        incident,
        Action.REASSIGNED,
        actor,
        now,
        incident.state,
        prev_polsek=previous,
        detail={"from_polsek": previous, "to_polsek": polsek, "reason": reason},
    )
    return incident


def add_note(
    db: Database,
    session: Session,
    incident_id: str,
    scope: Scope,
    text: str,
    actor: str,
    now: dt.datetime,
) -> IncidentChange:
    db.lock_change_log(session)
    incident = get_incident(session, incident_id, scope, lock=True)
    incident.row_version += 1
    return append_change(
        session, incident, Action.NOTE, actor, now, incident.state, detail={"text": text}
    )


def history(session: Session, incident_id: str) -> list[IncidentChange]:
    return list(
        session.scalars(
            select(IncidentChange)
            .where(IncidentChange.incident_id == incident_id)
            .order_by(IncidentChange.seq)
        ).all()
    )

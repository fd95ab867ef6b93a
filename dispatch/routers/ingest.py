from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from dispatch import incident_store as store
from dispatch import metrics
from dispatch.deps import Context, Gateway
from dispatch.lifecycle import State
from dispatch.models import Device, Incident, IncidentChange
from dispatch.schemas import (
    AlertBatch,
    ChangeFeed,
    ChangeFeedItem,
    DeviceStatusBatch,
    DeviceStatusResult,
    IngestResponse,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/ingest", tags=["ingest"])
# Largest value of the audit sequence column (BIGINT).
MAX_SEQ = 2**63 - 1


@router.post("/alerts", response_model=IngestResponse)
def ingest_alerts(context: Context, _gateway: Gateway, batch: AlertBatch) -> IngestResponse:
    """Apply alert snapshots from the gateway, idempotent by (alert_id, version)."""
    with context.db.write() as session:
        results, decisions = store.apply_snapshots(
            context.db, session, batch.alerts, context.clock()
        )
    for result, decision in zip(results, decisions, strict=True):
        metrics.INGESTED.labels(decision=decision.value).inc()
        log.info(
            "alert ingested alert_id=%s incident_id=%s decision=%s state=%s",
            result.alert_id,
            result.incident_id,
            decision.value,
            result.state.value,
        )
    return IngestResponse(results=results)


@router.get("/changes", response_model=ChangeFeed)
def changes(
    context: Context,
    _gateway: Gateway,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> ChangeFeed:
    """Return incident state changes after sequence number ``after``, in commit order."""
    with context.db.read() as session:
        scanned = (
            session.execute(
                select(IncidentChange.seq)
                .where(IncidentChange.seq > after)
                .order_by(IncidentChange.seq)
                .limit(limit)
            )
            .scalars()
            .all()
        )
        if not scanned:
            return ChangeFeed(changes=[], next=after)
        rows = session.execute(
            select(IncidentChange, Incident.alert_id, Incident.device_id, Incident.first_event_id)
            .join(Incident, Incident.id == IncidentChange.incident_id)
            .where(
                IncidentChange.seq > after,
                IncidentChange.seq <= scanned[-1],
                IncidentChange.state_changed.is_(True),
            )
            .order_by(IncidentChange.seq)
        ).all()
        items = [
            ChangeFeedItem(
                seq=change.seq,
                incident_id=change.incident_id,
                alert_id=alert_id,
                device_id=device_id,
                first_event_id=first_event_id,
                state=State(change.to_state),
                test=change.test,
                at=change.at,
            )
            for change, alert_id, device_id, first_event_id in rows
        ]
        # Entries without a state change (notes, unit changes) are skipped but
        # still advance the cursor.
        return ChangeFeed(changes=items, next=scanned[-1])


@router.post("/device-status", response_model=DeviceStatusResult)
def device_status(
    context: Context, _gateway: Gateway, batch: DeviceStatusBatch
) -> DeviceStatusResult:
    """Store the latest heartbeat and status of each device; absent fields keep their value."""
    unknown: list[str] = []
    updated = 0
    with context.db.write() as session:
        for status in batch.devices:
            device = session.get(Device, status.device_id)
            if device is None:
                unknown.append(status.device_id)
                continue
            # A reordered or late report must not move the clock back.
            if device.last_seen_at is None or status.last_seen_at >= device.last_seen_at:
                device.last_seen_at = status.last_seen_at
                for field in ("online", "fw", "bat", "rssi", "uptime_s", "queued"):
                    value = getattr(status, field)
                    if value is not None:
                        setattr(device, field, value)
            updated += 1
    if unknown:
        log.debug("device status for unregistered devices count=%d", len(unknown))
    return DeviceStatusResult(updated=updated, unknown=unknown)

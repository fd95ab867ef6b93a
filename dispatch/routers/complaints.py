from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from dispatch import incident_store as store
from dispatch import stations
from dispatch.deps import ComplaintFiler, Context, Staff
from dispatch.models import Citizen, Complaint
from dispatch.schemas import (
    ComplaintCategory,
    ComplaintClose,
    ComplaintCreate,
    ComplaintPage,
    ComplaintPublic,
    Loc,
    Role,
)

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/complaints", tags=["complaints"])

OPEN = "open"
CLOSED = "closed"


def complaint_public(complaint: Complaint) -> ComplaintPublic:
    loc = None
    if complaint.lat is not None and complaint.lon is not None:
        loc = Loc(lat=complaint.lat, lon=complaint.lon, acc_m=complaint.acc_m)
    return ComplaintPublic(
        id=complaint.id,
        category=ComplaintCategory(complaint.category),
        text=complaint.text,
        loc=loc,
        polsek=complaint.polsek,
        status=complaint.status,
        citizen_id=complaint.citizen_id,
        filed_by=complaint.filed_by,
        created_at=complaint.created_at,
        closed_at=complaint.closed_at,
        closed_by=complaint.closed_by,
        close_note=complaint.close_note,
    )


@router.post("", response_model=ComplaintPublic, status_code=status.HTTP_201_CREATED)
def file_complaint(
    context: Context, user: ComplaintFiler, body: ComplaintCreate
) -> ComplaintPublic:
    """File a complaint report; it goes to the station whose area contains its location."""
    with context.db.write() as session:
        citizen_id = None
        filed_by: str | None = user.username
        if user.role == Role.CITIZEN:
            citizen = session.scalars(
                select(Citizen).where(Citizen.user_id == user.user_id)
            ).first()
            citizen_id = citizen.id if citizen is not None else None
            # The citizen is named through citizen_id, so purging erases the name too.
            filed_by = None
        lat = body.loc.lat if body.loc else None
        lon = body.loc.lon if body.loc else None
        complaint = Complaint(
            id=store.new_id("cmp"),
            category=body.category.value,
            text=body.text,
            lat=lat,
            lon=lon,
            acc_m=body.loc.acc_m if body.loc else None,
            polsek=stations.route(lat, lon),
            citizen_id=citizen_id,
            filed_by=filed_by,
            status=OPEN,
            created_at=context.clock(),
        )
        session.add(complaint)
        session.flush()
        public = complaint_public(complaint)
    log.info(
        "complaint filed complaint_id=%s category=%s polsek=%s",
        public.id,
        public.category.value,
        public.polsek,
    )
    return public


@router.get("", response_model=ComplaintPage)
def list_complaints(
    context: Context,
    user: ComplaintFiler,
    status_filter: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ComplaintPage:
    """List complaint reports, newest first: staff see their scope, citizens their own."""
    query = select(Complaint).order_by(Complaint.created_at.desc(), Complaint.id.desc())
    with context.db.read() as session:
        if user.role == Role.CITIZEN:
            citizen = session.scalars(
                select(Citizen).where(Citizen.user_id == user.user_id)
            ).first()
            query = query.where(Complaint.citizen_id == (citizen.id if citizen else -1))
        elif user.role == Role.POLSEK:
            query = query.where(Complaint.polsek == user.polsek)
        if status_filter is not None:
            query = query.where(Complaint.status == status_filter)
        if cursor is not None:
            anchor = session.get(Complaint, cursor)
            if anchor is None:
                raise store.InvalidInput(f"invalid cursor {cursor!r}: pass the 'next' value")
            query = query.where(
                (Complaint.created_at < anchor.created_at)
                | ((Complaint.created_at == anchor.created_at) & (Complaint.id < anchor.id))
            )
        rows = session.scalars(query.limit(limit + 1)).all()
        items = [complaint_public(c) for c in rows[:limit]]
    return ComplaintPage(items=items, next=items[-1].id if len(rows) > limit else None)


@router.post("/{complaint_id}/close", response_model=ComplaintPublic)
def close_complaint(
    context: Context,
    user: Staff,
    complaint_id: str,
    body: ComplaintClose | None = None,
) -> ComplaintPublic:
    """Close a complaint report with an optional note."""
    with context.db.write() as session:
        complaint = session.get(Complaint, complaint_id)
        if complaint is None or not user.scope().allows(complaint.polsek):
            raise store.NotFound(f"complaint {complaint_id!r} not found")
        if complaint.status == CLOSED:
            raise HTTPException(
                status_code=status.HTTP_409_CONFLICT,
                detail=f"complaint {complaint_id!r} is already closed",
            )
        complaint.status = CLOSED
        complaint.closed_at, complaint.closed_by = context.clock(), user.username
        complaint.close_note = body.note if body is not None else None
        public = complaint_public(complaint)
    log.info("complaint closed complaint_id=%s by=%s", complaint_id, user.username)
    return public

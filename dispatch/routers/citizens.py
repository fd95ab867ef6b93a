from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch import incident_store as store
from dispatch import metrics
from dispatch.context import AppContext
from dispatch.deps import CityStaff, Context, CurrentUser
from dispatch.models import Citizen, Device, User
from dispatch.schemas import (
    AppCredentials,
    AppDeviceCredentials,
    CitizenCounts,
    CitizenCreate,
    CitizenPage,
    CitizenPublic,
    CitizenRegistered,
    FalsePress,
    FlagRequest,
    Role,
)
from dispatch.security import hash_password
from dispatch.supervision import DeviceKind

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/citizens", tags=["citizens"])


def citizen_public(citizen: Citizen, history: FalsePress) -> CitizenPublic:
    return CitizenPublic(
        id=citizen.id,
        email=citizen.email,
        name=citizen.name,
        phone=citizen.phone,
        device_id=citizen.device_id,
        created_at=citizen.created_at,
        flagged=citizen.flagged_at is not None,
        flagged_at=citizen.flagged_at,
        flag_reason=citizen.flag_reason,
        purged=citizen.purged_at is not None,
        purged_at=citizen.purged_at,
        false_press=history,
    )


def _insert_account(
    session: Session, body: CitizenCreate, password_hash: str, device_id: str, now: dt.datetime
) -> Citizen:
    """Insert the login, the citizen row and the app device of a new account."""
    user = User(
        username=body.email,
        password_hash=password_hash,
        role=Role.CITIZEN.value,
        polsek=None,
        created_at=now,
        disabled=False,
    )
    session.add(user)
    session.flush()
    citizen = Citizen(
        email=body.email,
        name=body.name,
        phone=body.phone,
        user_id=user.id,
        device_id=device_id,
        created_at=now,
    )
    session.add(citizen)
    session.flush()
    session.add(
        Device(
            device_id=device_id,
            kind=DeviceKind.APP.value,
            citizen_id=citizen.id,
            created_at=now,
            created_by="self-registration",
        )
    )
    session.flush()
    return citizen


def _check_email_free(session: Session, email: str) -> None:
    taken = session.scalars(
        select(func.count()).select_from(User).where(User.username == email)
    ).one()
    if taken:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"e-mail {email!r} is already registered: log in instead",
        )


def _limit_registrations(context: AppContext, request: Request) -> None:
    """Raise 429 when one client address registers too many accounts in the window."""
    _limit_per_address(
        context, request, key_prefix="", action="registrations", event="citizen registration"
    )


def _limit_per_address(
    context: AppContext, request: Request, key_prefix: str, action: str, event: str
) -> None:
    """Raise 429 when one client address made too many ``action`` requests in the window.

    Each ``key_prefix`` keeps its own count in the registration limiter, with
    the same maximum and window as registrations.
    """
    limiter = context.registration_limiter
    if limiter is None:
        return
    address = request.client.host if request.client else "unknown"
    key = f"{key_prefix}{address}"
    wait_s = limiter.retry_after(key, context.monotonic())
    if wait_s is not None:
        metrics.REJECTED.labels(reason="rate_limited").inc()
        log.warning("%s rate limited address=%s", event, address)
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many {action} from {address}: try again in {int(wait_s) + 1} s",
            headers={"Retry-After": str(int(wait_s) + 1)},
        )
    limiter.record(key, context.monotonic())


@router.post("", response_model=CitizenRegistered, status_code=status.HTTP_201_CREATED)
def register(context: Context, request: Request, body: CitizenCreate) -> CitizenRegistered:
    """Register a citizen account and its app device; the MQTT password is shown only once."""
    _limit_registrations(context, request)
    now = context.clock()
    device_id = f"app-{secrets.token_hex(8)}"
    # Hashing (about 0.3 s) and the broker call run outside the write
    # transaction, so they never hold the single SQLite writer.
    password_hash = hash_password(body.password)
    with context.db.read() as session:
        _check_email_free(session, body.email)
    password = context.accounts.create_device(device_id)
    try:
        with context.db.write() as session:
            _check_email_free(session, body.email)
            citizen = _insert_account(session, body, password_hash, device_id, now)
            public = citizen_public(
                citizen, store.false_press_by_citizen(session, [citizen.id])[citizen.id]
            )
    except Exception:
        # Undo the broker account of a registration that did not commit.
        context.accounts.revoke_device(device_id)
        raise
    log.info("citizen registered citizen_id=%s device_id=%s", public.id, device_id)
    return CitizenRegistered(
        citizen=public,
        device_id=device_id,
        mqtt=AppCredentials(
            username=device_id, password=password, ws_url=context.settings.mqtt_ws_url
        ),
    )


@router.get("/me", response_model=CitizenPublic)
def me(context: Context, user: CurrentUser) -> CitizenPublic:
    """Return the logged-in citizen's account."""
    if user.role != Role.CITIZEN:
        raise HTTPException(
            status_code=403, detail=f"role {user.role.value!r} has no citizen account"
        )
    with context.db.read() as session:
        citizen = session.scalars(select(Citizen).where(Citizen.user_id == user.user_id)).first()
        if citizen is None:
            raise store.NotFound("citizen account not found")
        return citizen_public(
            citizen, store.false_press_by_citizen(session, [citizen.id])[citizen.id]
        )


def _own_app_device(session: Session, user_id: int) -> tuple[Citizen, str]:
    """Return the citizen of ``user_id`` and its app device id, if it may get credentials.

    Raises 404 like ``GET /v1/citizens/me`` when there is no account, and 409
    when staff revoked the app device, because new credentials would bring the
    revoked account back at the broker.
    """
    citizen = session.scalars(select(Citizen).where(Citizen.user_id == user_id)).first()
    if citizen is None or citizen.purged_at is not None or citizen.device_id is None:
        raise store.NotFound("citizen account not found")
    device = session.get(Device, citizen.device_id)
    if device is None or device.revoked_at is not None:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"app device {citizen.device_id!r} is revoked: contact the police station",
        )
    return citizen, citizen.device_id


@router.post("/me/device", response_model=AppDeviceCredentials)
def reissue_device(context: Context, request: Request, user: CurrentUser) -> AppDeviceCredentials:
    """Issue new app credentials. One phone per account: the old phone's password stops working."""
    if user.role != Role.CITIZEN:
        metrics.REJECTED.labels(reason="forbidden").inc()
        raise HTTPException(
            status_code=403, detail=f"role {user.role.value!r} has no citizen account"
        )
    _limit_per_address(
        context,
        request,
        key_prefix="device ",
        action="credential requests",
        event="citizen device credentials",
    )
    with context.db.read() as session:
        citizen, device_id = _own_app_device(session, user.user_id)
        citizen_id = citizen.id
    # The broker call runs outside any transaction, as in registration. It
    # replaces the password, so the phone that held the old one is rejected
    # when it reconnects. Mosquitto's dynamic security also disconnects it.
    password = context.accounts.create_device(device_id)
    try:
        with context.db.read() as session:
            _own_app_device(session, user.user_id)
    except (store.NotFound, HTTPException):
        # A purge or revoke that ran during the broker call deleted the broker
        # account first, so remove the account that this call created again.
        # NOTE: a purge whose broker revoke ran during create_device but whose
        # database write commits after this check still leaves the account at
        # the broker, and POST /v1/devices/{id}/revoke skips a device already
        # marked revoked, so that account must be deleted at the broker.
        log.warning(
            "citizen device credentials withdrawn citizen_id=%s device_id=%s: account "
            "purged or device revoked during the request",
            citizen_id,
            device_id,
        )
        context.accounts.revoke_device(device_id)
        raise
    log.info(
        "citizen device credentials reissued citizen_id=%s device_id=%s", citizen_id, device_id
    )
    return AppDeviceCredentials(
        device_id=device_id,
        mqtt=AppCredentials(
            username=device_id, password=password, ws_url=context.settings.mqtt_ws_url
        ),
    )


@router.get("", response_model=CitizenPage)
def list_citizens(
    context: Context,
    _user: CityStaff,
    flagged: bool | None = None,
    review: Annotated[bool, Query(description="Only repeat false reporters.")] = False,
    include_purged: bool = False,
    cursor: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CitizenPage:
    """List citizen accounts, newest first, with false-press history and account counts."""
    query = select(Citizen).order_by(Citizen.id.desc())
    if not include_purged:
        query = query.where(Citizen.purged_at.is_(None))
    if flagged is not None:
        query = query.where(
            Citizen.flagged_at.is_not(None) if flagged else Citizen.flagged_at.is_(None)
        )
    if cursor is not None:
        query = query.where(Citizen.id < cursor)
    with context.db.read() as session:
        rows = session.scalars(query.limit(limit if not review else 100_000)).all()
        histories = store.false_press_by_citizen(session, (c.id for c in rows))
        items = [citizen_public(c, histories[c.id]) for c in rows]
        if review:
            items = [c for c in items if c.false_press.review][:limit]
        total, flagged_count, purged = session.execute(
            select(
                func.count(),
                func.count().filter(Citizen.flagged_at.is_not(None), Citizen.purged_at.is_(None)),
                func.count().filter(Citizen.purged_at.is_not(None)),
            ).select_from(Citizen)
        ).one()
    next_cursor = str(items[-1].id) if len(items) == limit and not review else None
    return CitizenPage(
        items=items,
        next=next_cursor,
        counts=CitizenCounts(
            registered=total, active=total - purged, flagged=flagged_count, purged=purged
        ),
    )


@router.post("/{citizen_id}/flag", response_model=CitizenPublic)
def flag(context: Context, user: CityStaff, citizen_id: int, body: FlagRequest) -> CitizenPublic:
    """Mark an account as registered with false data, ready to be purged."""
    with context.db.write() as session:
        citizen = session.get(Citizen, citizen_id)
        if citizen is None or citizen.purged_at is not None:
            raise store.NotFound(f"citizen {citizen_id} not found")
        citizen.flagged_at, citizen.flagged_by = context.clock(), user.username
        citizen.flag_reason = body.reason
        public = citizen_public(
            citizen, store.false_press_by_citizen(session, [citizen.id])[citizen.id]
        )
    log.info("citizen flagged citizen_id=%s by=%s", citizen_id, user.username)
    return public


def _purgeable(session: Session, citizen_id: int) -> Citizen:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None or citizen.purged_at is not None:
        raise store.NotFound(f"citizen {citizen_id} not found")
    if citizen.flagged_at is None:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"citizen {citizen_id} is not flagged: flag it with a reason first",
        )
    return citizen


@router.post("/{citizen_id}/purge", response_model=CitizenPublic)
def purge(context: Context, user: CityStaff, citizen_id: int) -> CitizenPublic:
    """Erase a flagged account's personal data; the row stays counted, the e-mail free again."""
    now = context.clock()
    with context.db.read() as session:
        citizen = _purgeable(session, citizen_id)
        device = session.get(Device, citizen.device_id) if citizen.device_id else None
        active_device = device.device_id if device and device.revoked_at is None else None
    # Revoke at the broker first: if that fails nothing is erased and the
    # purge can be retried.
    if active_device is not None:
        context.accounts.revoke_device(active_device)
    with context.db.write() as session:
        citizen = _purgeable(session, citizen_id)
        if citizen.device_id is not None:
            device = session.get(Device, citizen.device_id)
            if device is not None:
                if device.revoked_at is None:
                    device.revoked_at, device.revoked_by = now, user.username
                device.label = None
        if citizen.user_id is not None:
            account = session.get(User, citizen.user_id)
            if account is not None:
                session.delete(account)
        citizen.email = citizen.name = citizen.phone = None
        citizen.user_id = None
        citizen.purged_at, citizen.purged_by = now, user.username
        public = citizen_public(
            citizen, store.false_press_by_citizen(session, [citizen.id])[citizen.id]
        )
    log.info("citizen purged citizen_id=%s by=%s", citizen_id, user.username)
    return public

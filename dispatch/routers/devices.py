from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, status
from sqlalchemy import select

from dispatch import incident_store as store
from dispatch import stations, supervision
from dispatch.deps import Context, DeviceManager, DeviceViewer
from dispatch.models import Device
from dispatch.schemas import (
    DeviceCreate,
    DeviceCreated,
    DevicePage,
    DevicePublic,
    FalsePress,
    MqttCredentials,
    Role,
    SupervisionPublic,
)
from dispatch.supervision import DeviceKind, Power

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/devices", tags=["devices"])


def device_public(device: Device, history: FalsePress, now: Any) -> DevicePublic:
    kind = DeviceKind(device.kind)
    power = Power(device.power) if device.power else None
    policy = supervision.supervision_class(kind, power)
    attention: list[str] = []
    if device.revoked_at is None:
        attention = [
            reason.value
            for reason in supervision.assess(
                policy, device.created_at, device.last_seen_at, device.online, device.bat, now
            )
        ]
    return DevicePublic(
        device_id=device.device_id,
        kind=kind,
        power=power,
        label=device.label,
        lat=device.lat,
        lon=device.lon,
        contact_name=device.contact_name,
        contact_phone=device.contact_phone,
        polsek=device.polsek,
        citizen_id=device.citizen_id,
        created_at=device.created_at,
        created_by=device.created_by,
        revoked=device.revoked_at is not None,
        revoked_at=device.revoked_at,
        last_seen_at=device.last_seen_at,
        online=device.online,
        fw=device.fw,
        bat=device.bat,
        rssi=device.rssi,
        uptime_s=device.uptime_s,
        queued=device.queued,
        supervision=SupervisionPublic(
            name=policy.name,
            heartbeat_interval_s=policy.heartbeat_interval_s,
            reporting_time_s=policy.reporting_time_s,
            offline_is_fault=policy.offline_is_fault,
            battery_low_pct=policy.battery_low_pct,
        ),
        attention=attention,
        false_press=history,
    )


def _check_not_registered(device: Device | None, device_id: str) -> None:
    if device is not None and device.revoked_at is None:
        raise HTTPException(
            status_code=status.HTTP_409_CONFLICT,
            detail=f"device {device_id!r} is already registered: revoke it first",
        )


def _fill_device(device: Device, body: DeviceCreate, actor: str, now: Any) -> None:
    """Set a new or re-registered device's fields; a re-registration starts with no status."""
    device.kind = body.kind.value
    device.power = (body.power or Power.MAINS).value if body.kind == DeviceKind.BUTTON else None
    device.label = body.label
    device.lat, device.lon = body.lat, body.lon
    device.polsek = stations.route(body.lat, body.lon)
    device.contact_name, device.contact_phone = body.contact_name, body.contact_phone
    device.created_at, device.created_by = now, actor
    device.revoked_at = device.revoked_by = None
    device.last_seen_at = device.online = device.fw = device.bat = None
    device.rssi = device.uptime_s = device.queued = None


@router.post("", response_model=DeviceCreated, status_code=status.HTTP_201_CREATED)
def register_device(context: Context, user: DeviceManager, body: DeviceCreate) -> DeviceCreated:
    """Register a device and return its broker credentials (shown only this once)."""
    if (body.lat is None) != (body.lon is None):
        raise store.InvalidInput("give both lat and lon, or neither")
    if body.kind == DeviceKind.APP and body.power is not None:
        raise store.InvalidInput("power applies to buttons only; leave it out for kind app")
    now = context.clock()
    with context.db.read() as session:
        _check_not_registered(session.get(Device, body.device_id), body.device_id)
    # The broker call runs outside the write transaction, so a slow broker
    # never blocks the single SQLite writer that alert intake needs.
    password = context.accounts.create_device(body.device_id)
    try:
        with context.db.write() as session:
            device = session.get(Device, body.device_id)
            _check_not_registered(device, body.device_id)
            if device is None:
                device = Device(device_id=body.device_id)
                session.add(device)
            _fill_device(device, body, user.username, now)
            session.flush()
            history = store.false_press_by_device(session, [body.device_id])[body.device_id]
            public = device_public(device, history, now)
    except Exception:
        # Undo the broker account of a registration that did not commit.
        context.accounts.revoke_device(body.device_id)
        raise
    log.info(
        "device registered device_id=%s kind=%s polsek=%s by=%s",
        body.device_id,
        body.kind.value,
        public.polsek,
        user.username,
    )
    return DeviceCreated(
        device=public, mqtt=MqttCredentials(username=body.device_id, password=password)
    )


@router.get("", response_model=DevicePage)
def list_devices(
    context: Context,
    user: DeviceViewer,
    attention: Annotated[
        bool, Query(description="Only devices that broke their supervision class.")
    ] = False,
    kind: DeviceKind | None = None,
    include_revoked: bool = False,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> DevicePage:
    """List devices with last status, supervision class and false-press history."""
    now = context.clock()
    query = select(Device).order_by(Device.device_id)
    if user.role == Role.POLSEK:
        query = query.where(Device.polsek == user.polsek)
    if kind is not None:
        query = query.where(Device.kind == kind.value)
    if not include_revoked and not attention:
        query = query.where(Device.revoked_at.is_(None))
    if attention:
        query = query.where(Device.revoked_at.is_(None))
    items: list[DevicePublic] = []
    last = cursor or ""
    exhausted = False
    with context.db.read() as session:
        # attention=true filters in Python, so keep reading pages until this
        # page is full or the table ends.
        while len(items) < limit and not exhausted:
            rows = session.scalars(query.where(Device.device_id > last).limit(limit)).all()
            exhausted = len(rows) < limit
            histories = store.false_press_by_device(session, (d.device_id for d in rows))
            for device in rows:
                last = device.device_id
                public = device_public(device, histories[device.device_id], now)
                if attention and not public.attention:
                    continue
                items.append(public)
                if len(items) == limit:
                    break
    more = not exhausted or (bool(rows) and last != rows[-1].device_id)
    next_cursor = last if more else None
    return DevicePage(items=items, next=next_cursor)


@router.get("/{device_id}", response_model=DevicePublic)
def get_device(context: Context, user: DeviceViewer, device_id: str) -> DevicePublic:
    """Return one device."""
    with context.db.read() as session:
        device = session.get(Device, device_id)
        if device is None or (user.role == Role.POLSEK and device.polsek != user.polsek):
            raise store.NotFound(f"device {device_id!r} not found")
        history = store.false_press_by_device(session, [device_id])[device_id]
        return device_public(device, history, context.clock())


@router.post("/{device_id}/revoke", response_model=DevicePublic)
def revoke_device(context: Context, user: DeviceManager, device_id: str) -> DevicePublic:
    """Revoke a device: its broker account is removed and it is marked revoked."""
    now = context.clock()
    with context.db.read() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise store.NotFound(f"device {device_id!r} not found")
        already_revoked = device.revoked_at is not None
    # The broker account goes first: if the broker fails, the device stays
    # registered in the database and the revoke can simply be retried.
    if not already_revoked:
        context.accounts.revoke_device(device_id)
    with context.db.write() as session:
        device = session.get(Device, device_id)
        if device is None:
            raise store.NotFound(f"device {device_id!r} not found")
        if device.revoked_at is None:
            device.revoked_at, device.revoked_by = now, user.username
        history = store.false_press_by_device(session, [device_id])[device_id]
        public = device_public(device, history, now)
    log.info("device revoked device_id=%s by=%s", device_id, user.username)
    return public

"""Database tables. The Alembic migrations in ``dispatch/migrations`` are generated from these."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from dispatch.timeutil import as_utc

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC on every engine.

    PostgreSQL keeps the offset (timestamptz); SQLite drops it, so values are
    converted to UTC before storing and marked UTC again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        return as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    """A staff or citizen login. Citizens log in with their e-mail address as username."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    polsek: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


class Citizen(Base):
    """A citizen account of the app. Purging erases the personal data but keeps the row."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Null once purged, so the same address may register again.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    flagged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    flagged_by: Mapped[str | None] = mapped_column(String(254))
    flag_reason: Mapped[str | None] = mapped_column(String(500))
    purged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    purged_by: Mapped[str | None] = mapped_column(String(254))


class Device(Base):
    """A registered button or app installation; its id is also its broker username."""

    __tablename__ = "devices"

    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # "mains" or "battery" for buttons (selects the supervision class); null for apps.
    power: Mapped[str | None] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    polsek: Mapped[str | None] = mapped_column(String(64), index=True)
    # Call-back contact at the button's site, given at registration.
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(254))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(254))
    # Last device status reported by the gateway.
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    online: Mapped[bool | None] = mapped_column(Boolean)
    fw: Mapped[str | None] = mapped_column(String(32))
    bat: Mapped[int | None] = mapped_column(Integer)
    rssi: Mapped[int | None] = mapped_column(Integer)
    uptime_s: Mapped[int | None] = mapped_column(BigInteger)
    queued: Mapped[int | None] = mapped_column(Integer)


class Incident(Base):
    """One alert forwarded by the gateway, and what staff did about it."""

    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_order", "first_event_at", "id"),
        Index("ix_incidents_polsek_state", "polsek", "state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    alert_id: Mapped[str] = mapped_column(String(64), unique=True)
    alert_version: Mapped[int] = mapped_column(Integer)
    # Bumped by every change; transitions compare and set it.
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    device_id: Mapped[str] = mapped_column(String(64), index=True)
    registered: Mapped[bool] = mapped_column(Boolean)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16))
    confirmation: Mapped[str] = mapped_column(String(16))
    decision: Mapped[str | None] = mapped_column(String(64))
    polsek: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    acc_m: Mapped[float | None] = mapped_column(Float)
    # "event" (sent with the alert), "device" (registered location) or null.
    loc_source: Mapped[str | None] = mapped_column(String(16))
    press_count: Mapped[int] = mapped_column(Integer, default=1)
    cancel_after_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    first_event_id: Mapped[str] = mapped_column(String(64))
    first_event_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_event_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    age_at_arrival_ms: Mapped[int | None] = mapped_column(BigInteger)
    clock_skew_ms: Mapped[int | None] = mapped_column(BigInteger)
    bat: Mapped[int | None] = mapped_column(Integer)
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    gateway_false_press: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    unit: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class IncidentChange(Base):
    """The append-only audit log of incidents; its sequence is the change feed.

    Each row stores the incident as it was right after the change, so the
    live stream replays exactly what happened.
    """

    __tablename__ = "incident_changes"
    __table_args__ = (Index("ix_incident_changes_incident", "incident_id", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    incident_id: Mapped[str] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    state_changed: Mapped[bool] = mapped_column(Boolean)
    polsek: Mapped[str | None] = mapped_column(String(64))
    prev_polsek: Mapped[str | None] = mapped_column(String(64))
    test: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


class Complaint(Base):
    """A complaint report (laporan pengaduan) filed by a citizen or by staff."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    acc_m: Mapped[float | None] = mapped_column(Float)
    polsek: Mapped[str | None] = mapped_column(String(64), index=True)
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id", ondelete="SET NULL"))
    filed_by: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(254))
    close_note: Mapped[str | None] = mapped_column(Text)

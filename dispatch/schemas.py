"""Request and response bodies. Limits are declared on the fields, so bad input gets a 422."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)

from dispatch.ingest_logic import GatewayOutcome
from dispatch.lifecycle import Confirmation, Outcome, State
from dispatch.supervision import DeviceKind, Power
from dispatch.timeutil import as_utc

DEVICE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{5,24}$"

DeviceId = Annotated[str, StringConstraints(pattern=DEVICE_ID_PATTERN)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=PHONE_PATTERN)]
Password = Annotated[str, StringConstraints(min_length=8, max_length=128)]
# A time without an offset is taken as UTC.
UtcDatetime = Annotated[dt.datetime, AfterValidator(as_utc)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class Role(StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    POLSEK = "polsek"
    TECHNICIAN = "technician"
    CITIZEN = "citizen"


STAFF_ROLES = (Role.ADMIN, Role.OPERATOR, Role.POLSEK)


class Loc(BaseModel):
    lat: Latitude
    lon: Longitude
    acc_m: Annotated[float, Field(ge=0, le=1_000_000)] | None = None


# --- auth ---------------------------------------------------------------


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class UserPublic(BaseModel):
    username: str
    role: Role
    polsek: str | None


# --- stations -------------------------------------------------------------


class StationPublic(BaseModel):
    id: str
    name: str
    lat: float
    lon: float
    kecamatan: str
    # The coordinates are the middle of the kecamatan, to about 1 km.
    approximate: bool = True


# --- incidents --------------------------------------------------------------


class CallbackContact(BaseModel):
    """Whom staff call back to verify an alert."""

    name: str | None
    phone: str | None
    # "citizen" (the app account's phone) or "site" (the button's site contact).
    source: str


class FalsePress(BaseModel):
    alerts: int
    false_alerts: int
    rate: float
    review: bool


class IncidentPublic(BaseModel):
    id: str
    alert_id: str
    state: State
    source: str
    device_id: str
    registered: bool
    polsek: str | None
    loc: Loc | None
    loc_source: str | None
    press_count: int
    confirmation: Confirmation
    decision: str | None
    first_event_id: str
    first_event_at: dt.datetime
    last_event_at: dt.datetime | None
    test: bool
    age_at_arrival_ms: int | None
    clock_skew_ms: int | None
    cancel_after_confirm: bool
    bat: int | None
    unit: str | None
    outcome: Outcome | None
    resolution_note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    acknowledged_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    arrived_at: dt.datetime | None
    resolved_at: dt.datetime | None
    callback: CallbackContact | None
    reporter_history: FalsePress | None
    events: list[dict[str, Any]]


class IncidentPage(BaseModel):
    items: list[IncidentPublic]
    next: str | None


class DispatchRequest(BaseModel):
    unit: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None


class ResolveRequest(BaseModel):
    outcome: Outcome
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class UnitRequest(BaseModel):
    unit: ShortText


class ReassignRequest(BaseModel):
    polsek: str | None
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class NoteCreate(BaseModel):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ChangePublic(BaseModel):
    """One entry of an incident's audit trail."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    from_state: State | None
    to_state: State
    polsek: str | None
    detail: dict[str, Any] | None


# --- ingest (gateway only) --------------------------------------------------
#
# A snapshot rejected here is parked by the gateway, so the alert would never
# reach a person. Diagnostic fields the gateway copies from a device are
# therefore clamped into range instead of failing validation.

DIAGNOSTIC_MS_LIMIT = 2**53
MAX_EVENTS = 1000


def _clamper(low: float, high: float) -> BeforeValidator:
    def clamp(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return max(low, min(high, value))
        return value

    return BeforeValidator(clamp)


def _keep_last_events(value: Any) -> Any:
    if isinstance(value, list) and len(value) > MAX_EVENTS:
        return value[-MAX_EVENTS:]
    return value


DiagnosticMs = Annotated[int, _clamper(-DIAGNOSTIC_MS_LIMIT, DIAGNOSTIC_MS_LIMIT)]


class AlertLoc(Loc):
    """A location as the device sent it; an implausible accuracy is capped, not rejected."""

    acc_m: Annotated[float, _clamper(0, 1_000_000)] | None = None


class AlertSnapshot(BaseModel):
    """The gateway's full view of one alert at one version."""

    alert_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    version: Annotated[int, Field(ge=0, le=2**31 - 1)]
    device_id: DeviceId
    source: Annotated[str, StringConstraints(pattern=r"^(button|app)$")]
    test: bool = False
    outcome: GatewayOutcome
    decision: Annotated[str, StringConstraints(max_length=64)] | None = None
    first_event_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    first_event_at: UtcDatetime
    last_event_at: UtcDatetime | None = None
    press_count: Annotated[int, Field(ge=0), _clamper(0, 2**31 - 1)] = 1
    cancel_after_confirm: bool = False
    loc: AlertLoc | None = None
    bat: Annotated[int, _clamper(0, 100)] | None = None
    age_at_arrival_ms: DiagnosticMs | None = None
    clock_skew_ms: DiagnosticMs | None = None
    false_press: dict[str, Any] | None = None
    # The newest events are kept when an alert has more than MAX_EVENTS.
    events: Annotated[list[dict[str, Any]], BeforeValidator(_keep_last_events)] = []


class AlertBatch(BaseModel):
    alerts: Annotated[list[AlertSnapshot], Field(min_length=1, max_length=500)]


class IngestResult(BaseModel):
    alert_id: str
    incident_id: str
    state: State
    applied: bool


class IngestResponse(BaseModel):
    results: list[IngestResult]


class ChangeFeedItem(BaseModel):
    seq: int
    incident_id: str
    alert_id: str
    device_id: str
    first_event_id: str
    state: State
    test: bool
    at: dt.datetime


class ChangeFeed(BaseModel):
    changes: list[ChangeFeedItem]
    next: int


class DeviceStatus(BaseModel):
    device_id: DeviceId
    last_seen_at: UtcDatetime
    online: bool | None = None
    fw: Annotated[str, StringConstraints(max_length=32)] | None = None
    bat: Annotated[int, Field(ge=0, le=100)] | None = None
    rssi: Annotated[int, Field(ge=-200, le=50)] | None = None
    uptime_s: Annotated[int, Field(ge=0, le=2**53)] | None = None
    queued: Annotated[int, Field(ge=0, le=2**31)] | None = None


class DeviceStatusBatch(BaseModel):
    devices: Annotated[list[DeviceStatus], Field(max_length=10_000)]


class DeviceStatusResult(BaseModel):
    updated: int
    unknown: list[str]


# --- devices ------------------------------------------------------------------


class DeviceBase(BaseModel):
    label: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    contact_name: ShortText | None = None
    contact_phone: Phone | None = None


class DeviceCreate(DeviceBase):
    device_id: DeviceId
    kind: DeviceKind
    # How a button is powered; selects its supervision class (default mains).
    power: Power | None = None


class SupervisionPublic(BaseModel):
    name: str
    heartbeat_interval_s: int
    reporting_time_s: int
    offline_is_fault: bool
    battery_low_pct: int


class DevicePublic(DeviceBase):
    device_id: str
    kind: DeviceKind
    power: Power | None
    polsek: str | None
    citizen_id: int | None
    created_at: dt.datetime
    created_by: str | None
    revoked: bool
    revoked_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    online: bool | None
    fw: str | None
    bat: int | None
    rssi: int | None
    uptime_s: int | None
    queued: int | None
    supervision: SupervisionPublic
    attention: list[str]
    false_press: FalsePress


class DevicePage(BaseModel):
    items: list[DevicePublic]
    next: str | None


class MqttCredentials(BaseModel):
    username: str
    password: str


class DeviceCreated(BaseModel):
    device: DevicePublic
    mqtt: MqttCredentials


# --- citizens -------------------------------------------------------------------


def _lower(value: str) -> str:
    return value.lower()


class CitizenBase(BaseModel):
    email: Annotated[EmailStr, AfterValidator(_lower)]
    name: ShortText
    phone: Phone


class CitizenCreate(CitizenBase):
    password: Password


class CitizenPublic(BaseModel):
    id: int
    email: str | None
    name: str | None
    phone: str | None
    device_id: str | None
    created_at: dt.datetime
    flagged: bool
    flagged_at: dt.datetime | None
    flag_reason: str | None
    purged: bool
    purged_at: dt.datetime | None
    false_press: FalsePress


class AppCredentials(MqttCredentials):
    ws_url: str


class CitizenRegistered(BaseModel):
    citizen: CitizenPublic
    device_id: str
    mqtt: AppCredentials


class AppDeviceCredentials(BaseModel):
    """New MQTT credentials for a citizen's existing app device."""

    device_id: str
    mqtt: AppCredentials


class CitizenCounts(BaseModel):
    registered: int
    active: int
    flagged: int
    purged: int


class CitizenPage(BaseModel):
    items: list[CitizenPublic]
    next: str | None
    counts: CitizenCounts


class FlagRequest(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


# --- complaints -------------------------------------------------------------------


class ComplaintCategory(StrEnum):
    PERJUDIAN = "perjudian"
    PENCURIAN = "pencurian"
    BEGAL = "begal"
    NARKOBA = "narkoba"
    KEKERASAN = "kekerasan"
    PENIPUAN = "penipuan"
    KERIBUTAN = "keributan"
    LAINNYA = "lainnya"


class ComplaintBase(BaseModel):
    category: ComplaintCategory
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    loc: Loc | None = None


class ComplaintCreate(ComplaintBase):
    pass


class ComplaintPublic(ComplaintBase):
    id: str
    polsek: str | None
    status: str
    citizen_id: int | None
    filed_by: str | None
    created_at: dt.datetime
    closed_at: dt.datetime | None
    closed_by: str | None
    close_note: str | None


class ComplaintPage(BaseModel):
    items: list[ComplaintPublic]
    next: str | None


class ComplaintClose(BaseModel):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


# --- stats ----------------------------------------------------------------------


class CountersPublic(BaseModel):
    panic_presses: int
    confirmed: int
    unconfirmed: int
    mis_presses: int
    followed_up: int
    complaints: int


class StatsPublic(CountersPublic):
    by_polsek: dict[str, CountersPublic]


class DailyStats(CountersPublic):
    date: dt.date


class DailyStatsPublic(BaseModel):
    tz: str
    days: list[DailyStats]


class Health(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str

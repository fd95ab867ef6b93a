"""Device supervision: how often each kind of device reports and when silence needs attention.

Modelled on the reporting times of alarm transmission systems in EN 50136-1,
where a path that stays silent longer than its category's reporting time is
reported as failed. The button class resembles category SP4 (180 s) and the
app class SP2 (25 h): phones sleep and may leave the app closed, so a silent
phone is normal for hours. Pure logic: the time is passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class DeviceKind(StrEnum):
    BUTTON = "button"
    APP = "app"


class AttentionReason(StrEnum):
    NEVER_SEEN = "never_seen"
    SILENT = "silent"
    OFFLINE = "offline"
    BATTERY_LOW = "battery_low"


@dataclass(frozen=True)
class SupervisionClass:
    name: str
    heartbeat_interval_s: int
    # Silence longer than this is reported as a device failure.
    reporting_time_s: int
    battery_low_pct: int


SUPERVISION: dict[DeviceKind, SupervisionClass] = {
    DeviceKind.BUTTON: SupervisionClass(
        "button-sp4", heartbeat_interval_s=60, reporting_time_s=180, battery_low_pct=20
    ),
    DeviceKind.APP: SupervisionClass(
        "app-sp2", heartbeat_interval_s=900, reporting_time_s=25 * 3600, battery_low_pct=0
    ),
}


def assess(
    kind: DeviceKind,
    created_at: dt.datetime,
    last_seen_at: dt.datetime | None,
    online: bool | None,
    bat: int | None,
    now: dt.datetime,
) -> list[AttentionReason]:
    """Return why a device needs attention (empty when it keeps its supervision class)."""
    policy = SUPERVISION[kind]
    limit = dt.timedelta(seconds=policy.reporting_time_s)
    reasons: list[AttentionReason] = []
    if last_seen_at is None:
        if now - created_at > limit:
            reasons.append(AttentionReason.NEVER_SEEN)
    elif now - last_seen_at > limit:
        reasons.append(AttentionReason.SILENT)
    # Phones go offline all the time, so only a button's last will counts.
    if online is False and kind == DeviceKind.BUTTON:
        reasons.append(AttentionReason.OFFLINE)
    if bat is not None and bat < policy.battery_low_pct:
        reasons.append(AttentionReason.BATTERY_LOW)
    return reasons

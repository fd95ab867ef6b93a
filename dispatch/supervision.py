"""Device supervision: how often each kind of device reports and when silence needs attention.

Modelled on the reporting time of alarm transmission systems in EN 50136-1:
a path that stays silent longer than its category's reporting time is
reported as failed. The values are this project's choice, not categories of
that standard. A button reports every minute (every five in battery mode),
so three missed heartbeats mean a fault. Phones sleep and may leave the app
closed, so a silent phone is normal for hours. Pure logic: the time is
passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class DeviceKind(StrEnum):
    BUTTON = "button"
    APP = "app"


class Power(StrEnum):
    MAINS = "mains"
    BATTERY = "battery"


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
    # Whether a retained "online": false needs attention. A battery button
    # publishes it before each deep sleep and a phone is often offline.
    offline_is_fault: bool
    battery_low_pct: int


# The button intervals match the firmware's heartbeat_interval_s: 60 s by
# default, 300 s in the documented battery configuration. Three missed
# heartbeats make a fault. The app sends a heartbeat every 5 minutes while
# it is open, and a phone may keep it closed for a day.
BUTTON_MAINS = SupervisionClass("button-mains", 60, 180, True, 20)
BUTTON_BATTERY = SupervisionClass("button-battery", 300, 900, False, 20)
APP = SupervisionClass("app", 300, 25 * 3600, False, 0)
CLASSES = {c.name: c for c in (BUTTON_MAINS, BUTTON_BATTERY, APP)}


def supervision_class(kind: DeviceKind, power: Power | None) -> SupervisionClass:
    """Return the declared class of a device kind; a button is mains-powered unless declared."""
    if kind == DeviceKind.APP:
        return APP
    return BUTTON_BATTERY if power == Power.BATTERY else BUTTON_MAINS


def assess(
    policy: SupervisionClass,
    created_at: dt.datetime,
    last_seen_at: dt.datetime | None,
    online: bool | None,
    bat: int | None,
    now: dt.datetime,
) -> list[AttentionReason]:
    """Return why a device needs attention (empty when it keeps its supervision class)."""
    limit = dt.timedelta(seconds=policy.reporting_time_s)
    reasons: list[AttentionReason] = []
    if last_seen_at is None:
        if now - created_at > limit:
            reasons.append(AttentionReason.NEVER_SEEN)
    elif now - last_seen_at > limit:
        reasons.append(AttentionReason.SILENT)
    if online is False and policy.offline_is_fault:
        reasons.append(AttentionReason.OFFLINE)
    if bat is not None and bat < policy.battery_low_pct:
        reasons.append(AttentionReason.BATTERY_LOW)
    return reasons

"""The month scenario: the first month of the Ampera app, replayed in seconds.

The figures come from a local news report on the Palembang city police's
citizen app. In its first month the panic button was pressed 176 times.
Officers followed up 42 presses, and 42 presses were accidental. Citizens
filed 32 complaint reports, and 14 Polsek (sub-district stations) took part.

``plan_month`` is pure: it takes the stations, a scale, a seed and the
timings, and returns every device, event, staff action and complaint of the
replay together with the figures the dispatch API must then report.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from simulator.plan import Gesture, Step, expand_gesture


@dataclass(frozen=True)
class MonthFigures:
    panic_presses: int = 176
    mis_presses: int = 42
    followed_up: int = 42
    complaints: int = 32

    def scaled(self, scale: float) -> MonthFigures:
        """Return the figures times ``scale`` (0 < scale <= 1), keeping each at least 1."""
        if not 0 < scale <= 1:
            raise ValueError(f"invalid scale {scale}: expected above 0 and at most 1")
        panic = max(4, round(self.panic_presses * scale))
        mis = max(1, round(self.mis_presses * scale))
        return MonthFigures(
            panic_presses=panic,
            mis_presses=min(mis, panic - 2),
            followed_up=max(1, min(round(self.followed_up * scale), panic - mis)),
            complaints=max(1, round(self.complaints * scale)),
        )


ARTICLE_MONTH = MonthFigures()
DAYS_IN_MONTH = 30

# Shares of the alerts that were not cancelled. A hold confirms at once, a
# second press inside the window confirms, a lone press runs out the window.
HOLD_SHARE = 0.4
DOUBLE_SHARE = 0.2
APP_SHARE = 0.6  # presses from the phone app; the rest from physical buttons
DUPLICATE_SHARE = 0.12  # gestures whose first event is retried (QoS 1 resend)
GENUINE_SHARE_OF_FOLLOW_UP = 0.7  # followed-up incidents that staff resolve as genuine
FALSE_ALARM_SHARE_OF_REST = 0.4  # other open incidents resolved as false alarms
TEST_EVENTS = 2

COMPLAINT_CATEGORIES = {
    "pencurian": ("Sepeda motor hilang di depan rumah", 0.38),
    "perjudian": ("Ada perjudian di warung dekat pasar", 0.31),
    "begal": ("Percobaan begal di jalan sepi malam hari", 0.19),
    "lainnya": ("Keributan warga tengah malam", 0.12),
}


@dataclass(frozen=True)
class Station:
    id: str
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlannedDevice:
    """One button or app user; a button reports its registered location, an app sends ``loc``."""

    device_id: str
    source: str
    station_id: str
    lat: float
    lon: float


class StaffAction:
    FOLLOW_UP = "follow_up"  # acknowledge and dispatch a unit
    FOLLOW_UP_RESOLVE = "follow_up_resolve"  # ... then arrive and resolve as genuine
    FALSE_ALARM = "false_alarm"  # acknowledge, resolve as false alarm
    PRANK = "prank"  # acknowledge, resolve as prank
    LEAVE_OPEN = "leave_open"  # stays in the queue for the console


@dataclass(frozen=True)
class PlannedAlert:
    device_id: str
    station_id: str
    gesture: Gesture
    at_s: float
    day: int
    duplicate: bool
    staff_action: str = StaffAction.LEAVE_OPEN


@dataclass(frozen=True)
class PlannedComplaint:
    category: str
    text: str
    station_id: str
    lat: float
    lon: float


@dataclass
class StationFigures:
    panic_presses: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    mis_presses: int = 0
    followed_up: int = 0
    complaints: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class MonthPlan:
    figures: MonthFigures
    devices: list[PlannedDevice]
    alerts: list[PlannedAlert]
    steps: list[Step]
    complaints: list[PlannedComplaint]
    replay_s: float
    window_s: float
    expected: dict[str, int] = field(default_factory=dict)
    expected_by_station: dict[str, StationFigures] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return sum(step.duplicate for step in self.steps)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def assign_stations(rng: random.Random, stations: Sequence[Station], count: int) -> list[Station]:
    """Spread ``count`` alerts over the stations: each gets one first, busier ones get more."""
    weights = [rng.uniform(0.5, 2.0) for _ in stations]
    chosen = list(stations[:count])
    chosen += rng.choices(list(stations), weights, k=max(0, count - len(stations)))
    rng.shuffle(chosen)
    return chosen


def split_gestures(rng: random.Random, figures: MonthFigures) -> list[Gesture]:
    """Return one gesture per alert: the cancelled ones, then holds, doubles and lone presses."""
    kept = figures.panic_presses - figures.mis_presses
    holds = round(kept * HOLD_SHARE)
    doubles = round(kept * DOUBLE_SHARE)
    gestures = (
        [Gesture.CANCEL] * figures.mis_presses
        + [Gesture.HOLD] * holds
        + [Gesture.DOUBLE] * doubles
        + [Gesture.PRESS] * (kept - holds - doubles)
    )
    rng.shuffle(gestures)
    return gestures


def choose_staff_actions(
    rng: random.Random, gestures: Sequence[Gesture], followed_up: int
) -> list[str]:
    """Pick the incidents that staff follow up (confirmed ones first) and how the rest end."""
    actions = [StaffAction.LEAVE_OPEN] * len(gestures)
    open_indexes = [i for i, gesture in enumerate(gestures) if gesture is not Gesture.CANCEL]
    confirmed = [i for i in open_indexes if gestures[i] in (Gesture.HOLD, Gesture.DOUBLE)]
    unconfirmed = [i for i in open_indexes if gestures[i] is Gesture.PRESS]
    rng.shuffle(confirmed)
    rng.shuffle(unconfirmed)
    # Staff also verify silent (unconfirmed) alerts: about one follow-up in seven.
    from_unconfirmed = min(len(unconfirmed), followed_up // 7)
    picked = unconfirmed[:from_unconfirmed] + confirmed[: followed_up - from_unconfirmed]
    picked += unconfirmed[from_unconfirmed : from_unconfirmed + followed_up - len(picked)]
    genuine = round(len(picked) * GENUINE_SHARE_OF_FOLLOW_UP)
    for rank, index in enumerate(picked):
        actions[index] = StaffAction.FOLLOW_UP_RESOLVE if rank < genuine else StaffAction.FOLLOW_UP
    rest = [i for i in open_indexes if actions[i] == StaffAction.LEAVE_OPEN]
    false_alarms = round(len(rest) * FALSE_ALARM_SHARE_OF_REST)
    for rank, index in enumerate(rest[: false_alarms + 2]):
        actions[index] = StaffAction.FALSE_ALARM if rank < false_alarms else StaffAction.PRANK
    return actions


def plan_month(
    stations: Sequence[Station],
    *,
    scale: float = 1.0,
    seed: int = 176,
    replay_s: float = 20.0,
    window_s: float = 2.0,
    figures: MonthFigures = ARTICLE_MONTH,
    tag: str = "",
) -> MonthPlan:
    """Plan the month's replay: gestures start within ``replay_s`` seconds.

    ``tag`` goes into every device id, so repeated runs against one system
    use new devices.
    """
    if not stations:
        raise ValueError("the month scenario needs at least one station")
    rng = random.Random(seed)
    figures = figures.scaled(scale) if scale != 1 else figures
    gestures = split_gestures(rng, figures)
    places = assign_stations(rng, stations, len(gestures))
    actions = choose_staff_actions(rng, gestures, figures.followed_up)
    starts = sorted(rng.uniform(0, replay_s) for _ in gestures)

    devices: list[PlannedDevice] = []
    alerts: list[PlannedAlert] = []
    steps: list[Step] = []
    for index, (gesture, station, action, at_s) in enumerate(
        zip(gestures, places, actions, starts, strict=True)
    ):
        source = "app" if rng.random() < APP_SHARE else "button"
        prefix = "app" if source == "app" else "btn"
        device_id = f"{prefix}{'-' + tag if tag else ''}-{slug(station.id)}-{index:03d}"[:64]
        devices.append(PlannedDevice(device_id, source, station.id, station.lat, station.lon))
        duplicate = rng.random() < DUPLICATE_SHARE or index == 0
        day = 1 + int(at_s / replay_s * DAYS_IN_MONTH)
        alerts.append(PlannedAlert(device_id, station.id, gesture, at_s, day, duplicate, action))
        steps.extend(expand_gesture(gesture, device_id, at_s, window_s, duplicate))

    for number in range(TEST_EVENTS):
        station = stations[number % len(stations)]
        device_id = f"btn-test{'-' + tag if tag else ''}-{slug(station.id)}-{number}"[:64]
        devices.append(PlannedDevice(device_id, "button", station.id, station.lat, station.lon))
        steps.extend(expand_gesture(Gesture.TEST, device_id, rng.uniform(0, replay_s), window_s))
    steps.sort(key=lambda step: step.at_s)

    plan = MonthPlan(
        figures=figures,
        devices=devices,
        alerts=alerts,
        steps=steps,
        complaints=plan_complaints(rng, stations, figures.complaints),
        replay_s=replay_s,
        window_s=window_s,
    )
    plan.expected, plan.expected_by_station = expected_figures(plan)
    return plan


def plan_complaints(
    rng: random.Random, stations: Sequence[Station], count: int
) -> list[PlannedComplaint]:
    categories = list(COMPLAINT_CATEGORIES)
    weights = [COMPLAINT_CATEGORIES[name][1] for name in categories]
    complaints = []
    for index in range(count):
        category = categories[index] if index < len(categories) else None
        category = category or rng.choices(categories, weights)[0]
        station = stations[index % len(stations)]
        text = COMPLAINT_CATEGORIES[category][0]
        complaints.append(PlannedComplaint(category, text, station.id, station.lat, station.lon))
    return complaints


def expected_figures(plan: MonthPlan) -> tuple[dict[str, int], dict[str, StationFigures]]:
    """Return the statistics the API must report after the replay and the staff actions."""
    by_station: dict[str, StationFigures] = {}
    for alert in plan.alerts:
        figures = by_station.setdefault(alert.station_id, StationFigures())
        figures.panic_presses += 1
        if alert.gesture is Gesture.CANCEL:
            figures.mis_presses += 1
        elif alert.gesture is Gesture.PRESS:
            figures.unconfirmed += 1
        else:
            figures.confirmed += 1
        if alert.staff_action in (StaffAction.FOLLOW_UP, StaffAction.FOLLOW_UP_RESOLVE):
            figures.followed_up += 1
    for complaint in plan.complaints:
        by_station.setdefault(complaint.station_id, StationFigures()).complaints += 1
    totals = {
        "panic_presses": sum(f.panic_presses for f in by_station.values()),
        "confirmed": sum(f.confirmed for f in by_station.values()),
        "unconfirmed": sum(f.unconfirmed for f in by_station.values()),
        "mis_presses": sum(f.mis_presses for f in by_station.values()),
        "followed_up": sum(f.followed_up for f in by_station.values()),
        "complaints": len(plan.complaints),
    }
    return totals, by_station

"""Play the month scenario against running services: devices, staff, complaints, statistics.

``MonthRun`` needs a dispatch API login that may register devices and act on
every incident, which only ``admin`` may do both of. When station users are
given, they act on their own station's incidents as Polsek staff would.
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.logic import DEFAULT_CONFIRM_WINDOW_S
from protocol.events import Location
from simulator.api import ApiError, DispatchApi, find_password
from simulator.connection import BrokerUrl
from simulator.device import SimDevice
from simulator.messages import feedback_state, text
from simulator.plan import Step
from simulator.report import compare, compare_stations, stats_table
from simulator.runner import Device, Fleet, play
from simulator.scenario import (
    ARTICLE_MONTH,
    DAYS_IN_MONTH,
    MonthPlan,
    PlannedAlert,
    PlannedDevice,
    StaffAction,
    Station,
    plan_month,
)
from simulator.twin_device import TwinDevice

# Devices stand at most this far from their station, well inside its area:
# the nearest two Palembang stations are about 2 km apart.
MAX_SPREAD_M = 250.0
METRES_PER_DEGREE = 111_320.0
PARALLEL_REQUESTS = 8
FORWARD_TIMEOUT_S = 30.0
STATION_FIELDS = (
    "panic_presses",
    "confirmed",
    "unconfirmed",
    "mis_presses",
    "followed_up",
    "complaints",
)
# The gateway polls the change feed about once a second (0.5 s in the demo).
FEEDBACK_TIMEOUT_S = 5.0


@dataclass
class MonthResult:
    """The statistics after the run, the figures the plan expected, and their differences."""

    stats: dict[str, Any]
    expected: dict[str, int]
    mismatches: list[tuple[str, Any, int]]
    complaints_available: bool
    feedback: Counter[str] = field(default_factory=Counter)


def spread_location(
    rng: random.Random, station: Station, stations: list[Station]
) -> tuple[float, float]:
    """Return a point within MAX_SPREAD_M of ``station`` that is nearer to it than to any other."""

    def squared_m(lat: float, lon: float, other: Station) -> float:
        dy = (lat - other.lat) * METRES_PER_DEGREE
        dx = (lon - other.lon) * METRES_PER_DEGREE * math.cos(math.radians(other.lat))
        return dx * dx + dy * dy

    for _ in range(20):
        distance = rng.uniform(0, MAX_SPREAD_M) / METRES_PER_DEGREE
        angle = rng.uniform(0, 2 * math.pi)
        lat = station.lat + distance * math.sin(angle)
        lon = station.lon + distance * math.cos(angle) / math.cos(math.radians(station.lat))
        own = squared_m(lat, lon, station)
        if all(own < squared_m(lat, lon, other) for other in stations if other != station):
            return round(lat, 6), round(lon, 6)
    return station.lat, station.lon


class MonthRun:
    """One replay of the month plan; ``out`` prints the user-facing lines."""

    def __init__(
        self,
        manager: DispatchApi,
        broker_for: Callable[[PlannedDevice], BrokerUrl],
        out: Callable[[str], None],
        lang: str = "id",
        station_staff: Mapping[str, DispatchApi] | None = None,
        tag: str = "",
        twin_dir: Path | None = None,
    ) -> None:
        self.manager = manager
        self.broker_for = broker_for
        self.out = out
        self.lang = lang
        self.station_staff = dict(station_staff or {})
        self.tag = tag
        # With a directory, buttons run the firmware's modules (the device twin).
        self.twin_dir = twin_dir
        self.fleet: Fleet | None = None

    def stations(self) -> list[Station]:
        return [
            Station(item["id"], item["name"], float(item["lat"]), float(item["lon"]))
            for item in self.manager.stations()
        ]

    def run(self, args: argparse.Namespace, keep_connected: bool = False) -> MonthResult:
        """Register and connect the devices, replay the month, act as staff, read the stats.

        With ``keep_connected`` the devices stay connected afterwards in
        ``self.fleet``; the caller sends their heartbeats and closes them.
        """
        stations = self.stations()
        plan = plan_month(
            stations,
            scale=args.scale,
            seed=args.seed,
            replay_s=args.replay_s,
            window_s=args.window,
            tag=self.tag,
        )
        fleet = self.build_fleet(plan, stations, random.Random(args.seed))
        self.out(text("window", self.lang, seconds=args.window, default=DEFAULT_CONFIRM_WINDOW_S))

        baseline = self.manager.stats()
        plan.expected = {
            name: value + int(baseline.get(name) or 0) for name, value in plan.expected.items()
        }
        fleet.connect(timeout_s=60)
        finished = False
        try:
            self.replay(plan, fleet)
            self.wait_forwarded(plan)
            self.act_as_staff(plan)
            available = self.file_complaints(plan)
            feedback = self.wait_feedback(plan, fleet)
            finished = True
        finally:
            if keep_connected and finished:
                self.fleet = fleet
            else:
                fleet.close()

        if not available:
            plan.expected.pop("complaints", None)
        stats = self.manager.stats()
        fields = tuple(name for name in STATION_FIELDS if name in plan.expected)
        by_station = {
            station_id: figures.as_dict()
            for station_id, figures in plan.expected_by_station.items()
        }
        mismatches = compare(stats, plan.expected)
        mismatches += compare_stations(stats, baseline, by_station, fields)
        return MonthResult(stats, plan.expected, mismatches, available, feedback)

    # -- devices ----------------------------------------------------------

    def build_fleet(self, plan: MonthPlan, stations: list[Station], rng: random.Random) -> Fleet:
        by_id = {station.id: station for station in stations}
        places = {
            device.device_id: spread_location(rng, by_id[device.station_id], stations)
            for device in plan.devices
        }
        buttons = sum(device.source == "button" for device in plan.devices)
        self.out(text("registering", self.lang, buttons=buttons, apps=len(plan.devices) - buttons))

        def register(device: PlannedDevice) -> tuple[str, str | None]:
            lat, lon = places[device.device_id]
            label = f"Simulasi {device.source} {device.station_id}"
            answer = self.manager.register_device(device.device_id, device.source, label, lat, lon)
            return device.device_id, find_password(answer)

        # The API returns each device's broker password once; on a broker
        # without accounts it is ignored.
        with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
            passwords = dict(pool.map(register, plan.devices))

        devices: list[Device] = []
        for device in plan.devices:
            lat, lon = places[device.device_id]
            if self.twin_dir is not None and device.source == "button":
                devices.append(
                    TwinDevice(
                        device.device_id,
                        self.broker_for(device),
                        self.twin_dir / device.device_id,
                        passwords[device.device_id],
                    )
                )
                continue
            # App users send their phone's location; buttons rely on the
            # location registered at installation.
            sends_loc = device.source == "app"
            devices.append(
                SimDevice(
                    device.device_id,
                    device.source,  # type: ignore[arg-type]
                    self.broker_for(device),
                    loc=Location(lat=lat, lon=lon, acc_m=20) if sends_loc else None,
                    bat=rng.randint(35, 100),
                    password=passwords[device.device_id],
                )
            )
        return Fleet(devices)

    def replay(self, plan: MonthPlan, fleet: Fleet) -> None:
        figures = plan.figures
        tests = sum(step.event_type == "test" for step in plan.steps)
        self.out(
            text(
                "replay",
                self.lang,
                seconds=plan.replay_s,
                alerts=figures.panic_presses,
                stations=len({alert.station_id for alert in plan.alerts}),
                cancel=figures.mis_presses,
                duplicates=plan.duplicates,
                tests=tests,
            )
        )
        days = Counter(alert.day for alert in plan.alerts)
        starts = {(alert.device_id, alert.at_s): alert for alert in plan.alerts}
        # Print a line per simulated week as the replay passes it.
        weeks = [7, 14, 21, DAYS_IN_MONTH]
        printed: list[int] = []

        def progress(step: Step, _sent: object) -> None:
            alert = starts.get((step.device_id, step.at_s))
            if alert is None:
                return
            for week_end in weeks:
                if alert.day > week_end and week_end not in printed:
                    printed.append(week_end)
                    presses = sum(count for day, count in days.items() if day <= week_end)
                    self.out(text("day", self.lang, day=week_end, presses=presses))

        fleet.heartbeat()
        result = play(plan.steps, fleet, on_step=progress)
        self.out(text("day", self.lang, day=DAYS_IN_MONTH, presses=figures.panic_presses))
        if result.unacknowledged:
            self.out(text("unacknowledged", self.lang, count=result.unacknowledged))

    def wait_forwarded(self, plan: MonthPlan) -> None:
        """Poll the statistics until every alert of the plan reached the API, or time out."""
        self.out(text("waiting_gateway", self.lang))
        expected = plan.expected
        deadline = time.monotonic() + plan.window_s + FORWARD_TIMEOUT_S
        stats: dict[str, Any] = {}
        while time.monotonic() < deadline:
            stats = self.manager.stats()
            ended = stats.get("confirmed", 0) + stats.get("unconfirmed", 0)
            if (
                stats.get("panic_presses") == expected["panic_presses"]
                and stats.get("mis_presses") == expected["mis_presses"]
                and ended == expected["confirmed"] + expected["unconfirmed"]
            ):
                return
            time.sleep(0.25)
        self.out(
            text(
                "not_forwarded",
                self.lang,
                seconds=plan.window_s + FORWARD_TIMEOUT_S,
                got=stats.get("panic_presses"),
                expected=expected["panic_presses"],
            )
        )

    def wait_feedback(self, plan: MonthPlan, fleet: Fleet) -> Counter[str]:
        """Wait until the gateway passed the staff actions back to the devices; count states."""
        # A twin shows no indication for "resolved", so only SimDevices count.
        resolved = sum(
            alert.staff_action not in (StaffAction.LEAVE_OPEN, StaffAction.FOLLOW_UP)
            and isinstance(fleet[alert.device_id], SimDevice)
            for alert in plan.alerts
        )
        deadline = time.monotonic() + FEEDBACK_TIMEOUT_S
        while True:
            states = Counter(
                entry.state or "?" for device in fleet.devices.values() for entry in device.feedback
            )
            if states["resolved"] >= resolved or time.monotonic() > deadline:
                return states
            time.sleep(0.1)

    # -- staff ------------------------------------------------------------

    def act_as_staff(self, plan: MonthPlan) -> None:
        wanted = {alert.device_id: alert for alert in plan.alerts}
        incidents = [
            incident
            for incident in self.manager.incidents(state=["unconfirmed", "confirmed"], limit=200)
            if incident.get("device_id") in wanted
        ]
        jobs = [(wanted[incident["device_id"]], incident) for incident in incidents]
        with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
            list(pool.map(lambda job: self.act_on(*job), jobs))
        actions = Counter(alert.staff_action for alert in plan.alerts)
        self.out(
            text(
                "staff",
                self.lang,
                follow=actions[StaffAction.FOLLOW_UP] + actions[StaffAction.FOLLOW_UP_RESOLVE],
                resolved=actions[StaffAction.FOLLOW_UP_RESOLVE],
                false_alarms=actions[StaffAction.FALSE_ALARM],
                pranks=actions[StaffAction.PRANK],
            )
        )

    def act_on(self, alert: PlannedAlert, incident: dict[str, Any]) -> None:
        action = alert.staff_action
        if action == StaffAction.LEAVE_OPEN:
            return
        staff = self.station_staff.get(incident.get("polsek") or "", self.manager)
        incident_id = incident["id"]
        staff.act(incident_id, "acknowledge")
        if action in (StaffAction.FOLLOW_UP, StaffAction.FOLLOW_UP_RESOLVE):
            unit = f"Patroli {alert.station_id} {alert.day:02d}"
            staff.act(incident_id, "dispatch", {"unit": unit})
        if action == StaffAction.FOLLOW_UP_RESOLVE:
            staff.act(incident_id, "arrive")
            staff.act(incident_id, "resolve", {"outcome": "genuine", "note": "Ditangani di lokasi"})
        elif action == StaffAction.FALSE_ALARM:
            staff.act(incident_id, "resolve", {"outcome": "false_alarm", "note": "Dicek, aman"})
        elif action == StaffAction.PRANK:
            staff.act(incident_id, "resolve", {"outcome": "prank", "note": "Laporan iseng"})

    def file_complaints(self, plan: MonthPlan) -> bool:
        """File the plan's complaints; return False when the API has no complaints endpoint."""
        if not self.manager.has_path("/v1/complaints"):
            self.out(text("complaints_missing", self.lang))
            return False

        def send(index: int) -> None:
            complaint = plan.complaints[index]
            staff = self.station_staff.get(complaint.station_id, self.manager)
            staff.file_complaint(complaint.category, complaint.text, complaint.lat, complaint.lon)

        with ThreadPoolExecutor(PARALLEL_REQUESTS) as pool:
            list(pool.map(send, range(len(plan.complaints))))
        self.out(text("complaints", self.lang, count=len(plan.complaints)))
        return True


def print_summary(
    result: MonthResult, stations: Mapping[str, str], out: Callable[[str], None], lang: str
) -> None:
    """Print the API's statistics table in both languages and whether they match the plan."""
    out("")
    out(text("stats_title", lang))
    article = {
        "panic_presses": ARTICLE_MONTH.panic_presses,
        "mis_presses": ARTICLE_MONTH.mis_presses,
        "followed_up": ARTICLE_MONTH.followed_up,
        "complaints": ARTICLE_MONTH.complaints,
    }
    out(stats_table(result.stats, stations, article))
    if result.feedback:
        out(text("feedback_seen", lang))
        names = {state: feedback_state(state, lang) for state in result.feedback}
        width = max(len(name) for name in names.values())
        for state, count in sorted(result.feedback.items()):
            out(f"  {names[state].ljust(width)}  {count:>4}")
    if result.mismatches:
        for name, got, expected in result.mismatches:
            out(text("mismatch", lang, name=name, got=got, expected=expected))
    else:
        out(text("matches", lang))
        out(text("matches", "en" if lang == "id" else "id"))


def run_scenario_command(
    args: argparse.Namespace, broker: BrokerUrl, out: Callable[[str], None]
) -> int:
    """``ampera-sim scenario month`` against services that already run."""
    lang = args.lang
    if not args.api_user or not args.api_password:
        out(text("api_login_missing", lang))
        return 2
    try:
        manager = DispatchApi.login(args.dispatch_url, args.api_user, args.api_password)
    except (ApiError, OSError) as exc:
        out(text("api_failed", lang, error=exc))
        return 1
    # A tag in every device id keeps a second run apart from the first. The
    # figures are compared as increases over the statistics before the run.
    tag = secrets.token_hex(2)
    twin_dir = Path(args.twin_dir) if args.twin_buttons else None
    run = MonthRun(manager, lambda _device: broker, out, lang, tag=tag, twin_dir=twin_dir)
    try:
        result = run.run(args)
    except (ApiError, ConnectionError, OSError) as exc:
        out(text("api_failed", lang, error=exc))
        return 1
    names = {station.id: station.name for station in run.stations()}
    print_summary(result, names, out, lang)
    return 1 if result.mismatches else 0

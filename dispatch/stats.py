"""The statistics of the article's kind (presses, mis-presses, follow-ups), counted from facts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from dispatch.lifecycle import Confirmation, Outcome, State

COUNTERS = (
    "panic_presses",
    "confirmed",
    "unconfirmed",
    "mis_presses",
    "followed_up",
    "complaints",
)


@dataclass(frozen=True)
class AlertFacts:
    """What the statistics need from one incident."""

    polsek: str | None
    state: str
    confirmation: str
    outcome: str | None
    dispatched: bool
    test: bool


@dataclass
class Counters:
    panic_presses: int = 0
    confirmed: int = 0
    unconfirmed: int = 0
    mis_presses: int = 0
    followed_up: int = 0
    complaints: int = 0

    def add_alert(self, alert: AlertFacts) -> None:
        self.panic_presses += 1
        cancelled = alert.state == State.CANCELLED
        if not cancelled:
            if alert.confirmation == Confirmation.CONFIRMED:
                self.confirmed += 1
            else:
                self.unconfirmed += 1
        if cancelled or alert.outcome == Outcome.MIS_PRESS:
            self.mis_presses += 1
        if alert.dispatched:
            self.followed_up += 1

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTERS}


@dataclass
class Stats:
    total: Counters = field(default_factory=Counters)
    by_polsek: dict[str, Counters] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            **self.total.as_dict(),
            "by_polsek": {sid: counters.as_dict() for sid, counters in self.by_polsek.items()},
        }


def count(
    alerts: Iterable[AlertFacts],
    complaint_stations: Iterable[str | None],
    station_ids: Iterable[str],
) -> Stats:
    """Count alerts and complaints, in total and per station.

    Test alerts count nowhere. Alerts and complaints with no station count
    in the total only, so the total may exceed the sum of the stations.
    """
    stats = Stats(by_polsek={sid: Counters() for sid in station_ids})
    for alert in alerts:
        if alert.test:
            continue
        stats.total.add_alert(alert)
        if alert.polsek in stats.by_polsek:
            stats.by_polsek[alert.polsek].add_alert(alert)
    for polsek in complaint_stations:
        stats.total.complaints += 1
        if polsek in stats.by_polsek:
            stats.by_polsek[polsek].complaints += 1
    return stats

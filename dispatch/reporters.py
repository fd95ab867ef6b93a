"""False-press history of a device or a citizen account, and when it needs review.

A repeat false reporter is flagged for an operator to review, never blocked:
a blocked button that is pressed in a real emergency would drop a real alert.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.lifecycle import Outcome, State

FALSE_OUTCOMES = frozenset({Outcome.MIS_PRESS, Outcome.FALSE_ALARM, Outcome.PRANK})
# At least this many false alerts, making up at least this share of all.
REVIEW_MIN_FALSE = 3
REVIEW_MIN_RATE = 0.5


@dataclass(frozen=True)
class FalsePressHistory:
    alerts: int
    false_alerts: int

    @property
    def rate(self) -> float:
        return self.false_alerts / self.alerts if self.alerts else 0.0

    @property
    def review(self) -> bool:
        return self.false_alerts >= REVIEW_MIN_FALSE and self.rate >= REVIEW_MIN_RATE

    def as_dict(self) -> dict[str, object]:
        return {
            "alerts": self.alerts,
            "false_alerts": self.false_alerts,
            "rate": round(self.rate, 3),
            "review": self.review,
        }


def is_false(state: str, outcome: str | None) -> bool:
    return state == State.CANCELLED or outcome in FALSE_OUTCOMES

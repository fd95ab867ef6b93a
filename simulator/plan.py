"""Timed plans of device actions: gestures expanded into events, and random load.

Planning is pure: it takes a random generator and numbers and returns
``Step`` lists; ``simulator.runner`` plays them against real devices.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

# A second press or a cancel comes this share of the confirm window after the
# first press, so it lands well inside the window even on a busy machine.
FOLLOW_UP_SHARE_OF_WINDOW = 0.25


class Gesture(StrEnum):
    """What a person does with the button, as the gateway is expected to read it."""

    PRESS = "press"  # one press, window runs out: forwarded unconfirmed
    HOLD = "hold"  # a long press: confirmed by hold at once
    DOUBLE = "double"  # press, then a second press inside the window: confirmed
    CANCEL = "cancel"  # press, then cancel inside the window: a mis-press
    TEST = "test"  # technician test: travels the path, counts nowhere


GESTURES = tuple(Gesture)


@dataclass(frozen=True)
class Step:
    """One event to publish ``at_s`` seconds after the start; ``duplicate`` resends its bytes."""

    at_s: float
    device_id: str
    event_type: str
    duplicate: bool = False


def expand_gesture(
    gesture: Gesture, device_id: str, at_s: float, window_s: float, duplicate: bool = False
) -> list[Step]:
    """Return the events one gesture publishes; ``duplicate`` retries its first event."""
    follow_up_s = window_s * FOLLOW_UP_SHARE_OF_WINDOW
    if gesture is Gesture.PRESS:
        return [Step(at_s, device_id, "press", duplicate)]
    if gesture is Gesture.HOLD:
        return [Step(at_s, device_id, "hold", duplicate)]
    if gesture is Gesture.DOUBLE:
        return [
            Step(at_s, device_id, "press", duplicate),
            Step(at_s + follow_up_s, device_id, "press"),
        ]
    if gesture is Gesture.CANCEL:
        return [
            Step(at_s, device_id, "press", duplicate),
            Step(at_s + follow_up_s, device_id, "cancel", duplicate),
        ]
    return [Step(at_s, device_id, "test", duplicate)]


def parse_mix(text: str) -> dict[Gesture, float]:
    """Parse ``press=0.5,hold=0.2,...`` into weights; raise ValueError naming the bad part."""
    mix: dict[Gesture, float] = {}
    for part in text.split(","):
        name, _, value = part.strip().partition("=")
        try:
            gesture = Gesture(name.strip())
        except ValueError:
            known = ", ".join(GESTURES)
            raise ValueError(f"unknown gesture {name!r} in mix: expected one of {known}") from None
        try:
            weight = float(value)
        except ValueError:
            raise ValueError(f"invalid weight {value!r} for {name!r}: expected a number") from None
        if weight < 0:
            raise ValueError(f"invalid weight {weight} for {name!r}: must be 0 or more")
        mix[gesture] = weight
    if not any(mix.values()):
        raise ValueError(f"invalid mix {text!r}: at least one weight must be above 0")
    return mix


DEFAULT_MIX = {Gesture.PRESS: 0.4, Gesture.HOLD: 0.25, Gesture.DOUBLE: 0.1, Gesture.CANCEL: 0.25}


@dataclass(frozen=True)
class LoadPlan:
    steps: list[Step]
    gestures: dict[Gesture, int]
    duplicates: int  # events published twice with the same bytes


def plan_load(
    rng: random.Random,
    device_ids: Sequence[str],
    rate_per_s: float,
    duration_s: float,
    window_s: float,
    mix: Mapping[Gesture, float] = DEFAULT_MIX,
    duplicate_share: float = 0.05,
) -> LoadPlan:
    """Plan ``rate_per_s * duration_s`` gestures spread evenly over ``duration_s``.

    Gestures start inside ``[0, duration_s)``; a gesture's follow-up event
    comes at most a quarter of ``window_s`` later, so the plan ends by
    ``duration_s + window_s / 4``.
    """
    if not device_ids:
        raise ValueError("load needs at least one device")
    if rate_per_s <= 0 or duration_s <= 0:
        raise ValueError(f"rate ({rate_per_s}/s) and duration ({duration_s} s) must be above 0")
    if not 0 <= duplicate_share <= 1:
        raise ValueError(f"invalid duplicate share {duplicate_share}: expected 0 to 1")
    total = max(1, round(rate_per_s * duration_s))
    names = list(mix)
    weights = [mix[name] for name in names]
    steps: list[Step] = []
    counts = {gesture: 0 for gesture in GESTURES}
    spacing_s = duration_s / total
    for index in range(total):
        at_s = index * spacing_s + rng.uniform(0, spacing_s * 0.9)
        gesture = rng.choices(names, weights)[0]
        device_id = device_ids[index % len(device_ids)]
        duplicate = rng.random() < duplicate_share
        counts[gesture] += 1
        steps.extend(expand_gesture(gesture, device_id, at_s, window_s, duplicate))
    steps.sort(key=lambda step: step.at_s)
    return LoadPlan(steps, counts, sum(step.duplicate for step in steps))

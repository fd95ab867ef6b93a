from collections import Counter

import pytest

from protocol.topics import is_valid_device_id
from simulator.plan import Gesture
from simulator.scenario import ARTICLE_MONTH, Station, plan_month

STATIONS = [
    Station(f"polsek-{n:02d}", f"Polsek {n}", -2.95 - n * 0.01, 104.7 + n * 0.01) for n in range(14)
]


def test_month_matches_article_figures():
    plan = plan_month(STATIONS)

    assert plan.expected["panic_presses"] == 176
    assert plan.expected["mis_presses"] == 42
    assert plan.expected["followed_up"] == 42
    assert plan.expected["complaints"] == 32
    assert plan.expected["confirmed"] + plan.expected["unconfirmed"] == 176 - 42


def test_month_uses_every_station():
    plan = plan_month(STATIONS)

    used = Counter(alert.station_id for alert in plan.alerts)
    assert set(used) == {station.id for station in STATIONS}
    assert sum(f.panic_presses for f in plan.expected_by_station.values()) == 176


def test_month_has_every_gesture_and_duplicates():
    plan = plan_month(STATIONS)

    gestures = Counter(alert.gesture for alert in plan.alerts)
    assert gestures[Gesture.CANCEL] == 42
    assert gestures[Gesture.HOLD] > 0
    assert gestures[Gesture.DOUBLE] > 0
    assert gestures[Gesture.PRESS] > 0
    assert plan.duplicates > 0
    assert any(step.event_type == "test" for step in plan.steps)


def test_month_devices_are_valid_and_distinct():
    plan = plan_month(STATIONS)

    ids = [device.device_id for device in plan.devices]
    assert len(ids) == len(set(ids))
    assert all(is_valid_device_id(device_id) for device_id in ids)
    assert {device.source for device in plan.devices} == {"app", "button"}


def test_month_steps_fit_replay():
    plan = plan_month(STATIONS, replay_s=10, window_s=2)

    assert all(0 <= step.at_s < 10 + 2 for step in plan.steps)
    assert plan.steps == sorted(plan.steps, key=lambda step: step.at_s)


def test_month_follow_ups_are_never_cancelled():
    plan = plan_month(STATIONS)

    for alert in plan.alerts:
        if alert.gesture is Gesture.CANCEL:
            assert alert.staff_action == "leave_open"


@pytest.mark.parametrize("scale", [0.05, 0.1, 0.5])
def test_scaled_month_keeps_proportions(scale):
    plan = plan_month(STATIONS, scale=scale)

    figures = ARTICLE_MONTH.scaled(scale)
    assert plan.expected["panic_presses"] == figures.panic_presses
    assert plan.expected["mis_presses"] == figures.mis_presses
    assert plan.expected["followed_up"] == figures.followed_up
    assert 0 < figures.mis_presses < figures.panic_presses


def test_scale_out_of_range_rejected():
    with pytest.raises(ValueError, match="invalid scale"):
        ARTICLE_MONTH.scaled(0)


def test_same_seed_same_plan():
    assert plan_month(STATIONS, seed=5).steps == plan_month(STATIONS, seed=5).steps

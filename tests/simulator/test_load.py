import random
from collections import Counter

import pytest

from protocol import topics
from protocol.events import parse_event
from simulator.device import SimDevice
from simulator.plan import Gesture, expand_gesture, parse_mix, plan_load
from simulator.runner import Fleet, play

DEVICES = [f"load-{n:03d}" for n in range(5)]


def test_load_plan_is_bounded():
    plan = plan_load(random.Random(1), DEVICES, rate_per_s=20, duration_s=3, window_s=2)

    assert sum(plan.gestures.values()) == 60
    assert all(0 <= step.at_s < 3 + 2 * 0.25 for step in plan.steps)
    assert plan.steps == sorted(plan.steps, key=lambda step: step.at_s)
    assert {step.device_id for step in plan.steps} == set(DEVICES)


def test_load_plan_follows_mix():
    mix = {Gesture.CANCEL: 1.0}
    plan = plan_load(random.Random(2), DEVICES, 10, 2, 4, mix, duplicate_share=0)

    assert plan.gestures[Gesture.CANCEL] == 20
    assert Counter(step.event_type for step in plan.steps) == {"press": 20, "cancel": 20}
    assert plan.duplicates == 0


@pytest.mark.parametrize(
    ("gesture", "events"),
    [
        (Gesture.PRESS, ["press"]),
        (Gesture.HOLD, ["hold"]),
        (Gesture.DOUBLE, ["press", "press"]),
        (Gesture.CANCEL, ["press", "cancel"]),
        (Gesture.TEST, ["test"]),
    ],
)
def test_gesture_expansion(gesture, events):
    steps = expand_gesture(gesture, "btn-0001", at_s=5.0, window_s=2.0)

    assert [step.event_type for step in steps] == events
    assert steps[0].at_s == 5.0
    assert all(5.0 <= step.at_s < 5.0 + 2.0 for step in steps)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("press=1,jump=2", "unknown gesture 'jump'"),
        ("press=x", "invalid weight 'x'"),
        ("press=-1", "invalid weight -1.0"),
        ("press=0", "at least one weight"),
    ],
)
def test_mix_rejects_bad_input(text, message):
    with pytest.raises(ValueError, match=message):
        parse_mix(text)


def test_load_rejects_zero_rate():
    with pytest.raises(ValueError, match="must be above 0"):
        plan_load(random.Random(0), DEVICES, 0, 10, 2)


def test_load_publishes_exactly_the_plan(broker_url, recorder):
    plan = plan_load(
        random.Random(3), DEVICES, rate_per_s=40, duration_s=1, window_s=0.4, duplicate_share=0.3
    )
    fleet = Fleet(SimDevice(device_id, "app", broker_url) for device_id in DEVICES)
    fleet.connect()
    try:
        result = play(plan.steps, fleet)
    finally:
        fleet.close()

    expected = len(plan.steps) + plan.duplicates
    messages = recorder.on_topic_prefix(f"{topics.PREFIX}/dev/", "/event", expected)
    events = [parse_event(message.payload) for message in messages]
    ids = Counter(
        (message.topic, event.id) for message, event in zip(messages, events, strict=True)
    )

    assert result.unacknowledged == 0
    assert result.total == expected
    assert len(messages) == expected
    assert sum(count - 1 for count in ids.values()) == plan.duplicates
    assert Counter(event.type for event in events) == Counter(
        step.event_type for step in plan.steps for _ in range(1 + step.duplicate)
    )

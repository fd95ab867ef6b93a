"""Gestures from timed pin edges: debounce, recogniser timers, the gesture table."""

from __future__ import annotations

import pytest
from ampera import gesture

from tests.firmware import fakes  # noqa: F401  (puts the firmware on sys.path)

TIMINGS = {
    "debounce_ms": 30,
    "press_min_ms": 60,
    "hold_min_ms": 3000,
    "cancel_hold_ms": 2000,
    "test_hold_ms": 8000,
}


def drive(
    button: gesture.Button, edges: list[tuple[int, bool]], until: int, step: int = 10
) -> list:
    """Feed raw edges at their times and poll every `step` ms; return (gesture, poll time) pairs."""
    out: list = []
    seen: list = []
    pending = sorted(edges)
    t = 0
    while t <= until:
        while pending and pending[0][0] <= t:
            at, pressed = pending.pop(0)
            button.edge(at, pressed, out)
        button.poll(t, out)
        seen.extend((g, t) for g in out)
        out.clear()
        t += step
    return seen


def bouncy(at: int, pressed: bool, bounces: int = 3, gap: int = 2) -> list[tuple[int, bool]]:
    """Edges of a contact that chatters for a few ms before it settles on `pressed`."""
    edges = []
    level = not pressed
    for i in range(bounces * 2):
        level = not level
        edges.append((at + i * gap, level))
    edges.append((at + bounces * 2 * gap, pressed))
    return edges


def test_short_press_with_bounce_is_one_press():
    button = gesture.panic_button(TIMINGS)
    edges = bouncy(100, True) + bouncy(400, False)
    seen = drive(button, edges, 1000)
    assert [g for g, _ in seen] == [gesture.PANIC_SHORT]
    assert gesture.GESTURE_EVENTS[seen[0][0]] == "press"


def test_glitch_shorter_than_debounce_is_ignored():
    button = gesture.panic_button(TIMINGS)
    seen = drive(button, [(100, True), (110, False)], 1000)
    assert seen == []


def test_press_shorter_than_press_min_is_ignored():
    button = gesture.panic_button(TIMINGS)
    # Stable for 40 ms: past the debounce, below press_min_ms (60 ms).
    seen = drive(button, [(100, True), (140, False)], 1000)
    assert seen == []


def test_hold_fires_while_still_down():
    button = gesture.panic_button(TIMINGS)
    seen = drive(button, bouncy(100, True) + bouncy(5000, False), 6000)
    assert [g for g, _ in seen] == [gesture.PANIC_HOLD]
    fired_at = seen[0][1]
    assert 3100 <= fired_at < 3200  # hold_min_ms after the settled press edge
    assert gesture.GESTURE_EVENTS[gesture.PANIC_HOLD] == "hold"


def test_repeated_presses_each_emit_press():
    button = gesture.panic_button(TIMINGS)
    edges = []
    for start in (100, 500, 900):
        edges += bouncy(start, True) + bouncy(start + 150, False)
    seen = drive(button, edges, 2000)
    assert [g for g, _ in seen] == [gesture.PANIC_SHORT] * 3
    assert button.recogniser.presses == 3


def test_cancel_button_short_press_means_nothing():
    button = gesture.cancel_button(TIMINGS)
    seen = drive(button, bouncy(100, True) + bouncy(600, False), 2000)
    assert seen == []


def test_cancel_button_cancel_then_test():
    button = gesture.cancel_button(TIMINGS)
    seen = drive(button, [(100, True), (9000, False)], 9500)
    assert [g for g, _ in seen] == [gesture.CANCEL_HOLD, gesture.CANCEL_LONG_HOLD]
    assert gesture.GESTURE_EVENTS[gesture.CANCEL_HOLD] == "cancel"
    assert gesture.GESTURE_EVENTS[gesture.CANCEL_LONG_HOLD] == "test"


def test_late_poll_still_measures_from_edge_times():
    # The main loop was blocked (a slow connect) for the whole press: the
    # edges carry their interrupt times, so the gesture is still a hold.
    button = gesture.panic_button(TIMINGS)
    out: list = []
    button.edge(100, True, out)
    button.edge(3500, False, out)
    button.poll(4000, out)
    assert out == [gesture.PANIC_HOLD]


def test_wake_press_already_released_counts_as_press():
    button = gesture.panic_button(TIMINGS)
    assert button.wake_press(0, still_down=False) == gesture.PANIC_SHORT


def test_wake_press_still_down_can_become_hold():
    button = gesture.panic_button(TIMINGS)
    assert button.wake_press(0, still_down=True) is None
    out: list = []
    button.poll(3000, out)
    assert out == [gesture.PANIC_HOLD]


@pytest.mark.parametrize("name", list(gesture.GESTURE_EVENTS))
def test_gesture_table_maps_to_contract_types(name):
    assert gesture.GESTURE_EVENTS[name] in ("press", "hold", "cancel", "test")

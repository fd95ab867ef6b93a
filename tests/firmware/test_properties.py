"""Property tests: bouncy presses count exactly once; the outbox keeps order across reboots."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ampera import gesture, payload
from ampera.outbox import FlashFs, Outbox
from hypothesis import given, settings
from hypothesis import strategies as st

TIMINGS = {
    "debounce_ms": 30,
    "press_min_ms": 60,
    "hold_min_ms": 3000,
    "cancel_hold_ms": 2000,
    "test_hold_ms": 8000,
}

# One press: contact bounce on the way down (gaps below the debounce time),
# the stable held time, bounce on release, then a quiet gap before the next.
press_shape = st.tuples(
    st.lists(st.integers(1, 9), max_size=6),  # bounce gaps going down, ms
    st.integers(100, 2800),  # held, ms: a short press, never a hold
    st.lists(st.integers(1, 9), max_size=6),  # bounce gaps on release, ms
    st.integers(100, 1000),  # quiet time after release, ms
)


def edges_for(presses: list) -> tuple[list[tuple[int, bool]], int]:
    edges = []
    t = 100
    for down_bounce, held, up_bounce, quiet in presses:
        level = False
        for gap in down_bounce:
            level = not level
            edges.append((t, level))
            t += gap
        edges.append((t, True))
        t += held
        level = True
        for gap in up_bounce:
            level = not level
            edges.append((t, level))
            t += gap
        edges.append((t, False))
        t += quiet
    return edges, t + 100


@settings(max_examples=60, deadline=None)
@given(st.lists(press_shape, min_size=1, max_size=5), st.integers(1, 50))
def test_bouncy_short_presses_count_exactly_once(presses, poll_step):
    button = gesture.panic_button(TIMINGS)
    edges, end = edges_for(presses)
    out: list = []
    pending = list(edges)
    t = 0
    while t <= end:
        while pending and pending[0][0] <= t:
            at, pressed = pending.pop(0)
            button.edge(at, pressed, out)
        button.poll(t, out)
        t += poll_step
    assert out == [gesture.PANIC_SHORT] * len(presses)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(["press", "hold", "cancel", "test"])),
        st.tuples(st.just("ack"), st.none()),
        st.tuples(st.just("reboot"), st.none()),
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(operations, st.integers(1, 6))
def test_outbox_order_ids_and_bound_hold_across_reboots(tmp_path_factory, ops, max_events):
    root = tmp_path_factory.mktemp("flash") / "queue"
    box = Outbox(FlashFs(str(root)), max_events, lambda: os.urandom(4).hex())
    model: list[int] = []  # seqs the outbox must hold, in order
    used_seqs: set[int] = set()
    for op, event_type in ops:
        if op == "add":
            seq, event_id = box.next_id()
            assert seq not in used_seqs
            used_seqs.add(seq)
            evicted = box.add(seq, event_type, payload.event(event_id, event_type, seq, None))
            if evicted is not None:
                assert len(model) == max_events
                victim = _expected_victim(Path(root), model, evicted)
                model.remove(victim)
            model.append(seq)
        elif op == "ack":
            head = box.head()
            if model:
                assert head is not None
                assert head[0] == model[0]
                assert json.loads(head[1])["seq"] == model[0]
                box.ack(head[0])
                model.pop(0)
            else:
                assert head is None
        else:
            box = Outbox(FlashFs(str(root)), max_events, lambda: os.urandom(4).hex())
        assert [seq for seq, _name in box.items] == model
        assert len(box) <= max_events


def _expected_victim(root: Path, model: list[int], reason: str) -> int:
    # The file of the evicted event is gone already; the model still has it.
    present = {int(p.name[:10]) for p in root.iterdir() if p.name[:10].isdigit()}
    missing = [seq for seq in model if seq not in present]
    assert len(missing) == 1
    if reason == "evicted_middle":
        assert missing[0] == (model[1] if len(model) > 1 else model[0])
    return missing[0]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(31, 200), st.integers(1, 59)), max_size=30),
    st.integers(1, 50),
)
def test_noise_on_a_long_wire_never_makes_a_press(glitches, poll_step):
    # Each glitch pulls the input low for less than press_min_ms (60 ms),
    # measured from edge to edge. The gaps are longer than the debounce
    # time; shorter gaps merge two glitches into one longer, real press.
    button = gesture.panic_button(TIMINGS)
    out: list = []
    t = 100
    for gap, low_ms in glitches:
        t += gap
        button.edge(t, True, out)
        t += low_ms
        button.edge(t, False, out)
    end = t + 200
    now = 0
    while now <= end:
        button.poll(now, out)
        now += poll_step
    assert out == []

"""The flash-backed outbox: persistence across reboots, ids, the full-queue policy."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ampera import outbox as outbox_mod
from ampera import payload
from ampera.outbox import FlashFs, Outbox

from protocol.events import parse_event
from tests.firmware import fakes  # noqa: F401


def new_tag() -> str:
    return os.urandom(4).hex()


def add(
    box: Outbox, event_type: str = "press", ts: int | None = 1_796_000_000_000
) -> tuple[int, str]:
    seq, event_id = box.next_id()
    box.add(seq, event_type, payload.event(event_id, event_type, seq, ts))
    return seq, event_id


def test_events_survive_reboot_in_order(flash: Path):
    box = Outbox(FlashFs(str(flash)), 10, new_tag)
    sent = [add(box)[1] for _ in range(3)]
    rebooted = Outbox(FlashFs(str(flash)), 10, new_tag)
    assert len(rebooted) == 3
    ids = []
    while (head := rebooted.head()) is not None:
        ids.append(json.loads(head[1])["id"])
        rebooted.ack(head[0])
    assert ids == sent


def test_retry_resends_identical_bytes(flash: Path):
    box = Outbox(FlashFs(str(flash)), 10, new_tag)
    add(box)
    first = box.head()
    rebooted = Outbox(FlashFs(str(flash)), 10, new_tag)
    assert rebooted.head() == first


def test_seq_and_tag_persist_and_ids_are_unique(flash: Path):
    box = Outbox(FlashFs(str(flash)), 10, new_tag)
    seq0, id0 = add(box)
    box.ack(seq0)
    rebooted = Outbox(FlashFs(str(flash)), 10, new_tag)
    seq1, id1 = add(rebooted)
    assert seq1 == seq0 + 1
    assert id1 != id0
    assert id1.split("-")[0] == id0.split("-")[0]


def test_crash_before_state_write_does_not_reuse_seq(flash: Path):
    fs = FlashFs(str(flash))
    box = Outbox(fs, 10, new_tag)
    seq, event_id = box.next_id()
    # The event file is written, then power fails before state.json is updated.
    fs.write(f"{seq:010d}.p", payload.event(event_id, "press", seq, None))
    rebooted = Outbox(FlashFs(str(flash)), 10, new_tag)
    assert rebooted.next_id()[0] == seq + 1
    assert len(rebooted) == 1


def test_interrupted_write_leaves_no_stray_file(flash: Path):
    fs = FlashFs(str(flash))
    Outbox(fs, 10, new_tag)
    (flash / "0000000005.p.tmp").write_bytes(b'{"v":1')
    rebooted = Outbox(FlashFs(str(flash)), 10, new_tag)
    assert len(rebooted) == 0
    assert not (flash / "0000000005.p.tmp").exists()


def test_wiped_flash_gets_new_tag(tmp_path: Path):
    first = Outbox(FlashFs(str(tmp_path / "a")), 10, new_tag)
    second = Outbox(FlashFs(str(tmp_path / "b")), 10, new_tag)
    assert first.next_id()[1] != second.next_id()[1]


def test_corrupt_state_file_recovers(flash: Path):
    fs = FlashFs(str(flash))
    box = Outbox(fs, 10, new_tag)
    add(box)
    (flash / outbox_mod.STATE).write_bytes(b"\xff\x00garbage")
    rebooted = Outbox(FlashFs(str(flash)), 10, new_tag)
    assert rebooted.next_id()[0] == 1
    assert len(rebooted) == 1


def test_full_queue_keeps_oldest_and_newest(flash: Path):
    box = Outbox(FlashFs(str(flash)), 3, new_tag)
    a = add(box)[1]
    add(box)
    c = add(box)[1]
    seq, event_id = box.next_id()
    evicted = box.add(seq, "press", payload.event(event_id, "press", seq, None))
    assert evicted == outbox_mod.EVICT_MIDDLE
    assert box.dropped == 1
    ids = []
    while (head := box.head()) is not None:
        ids.append(json.loads(head[1])["id"])
        box.ack(head[0])
    assert ids == [a, c, event_id]


def test_full_queue_evicts_test_events_first(flash: Path):
    box = Outbox(FlashFs(str(flash)), 3, new_tag)
    add(box)
    t = add(box, "test")[1]
    add(box)
    evicted = box.add(*box.next_id()[:1], "press", b"{}")
    assert evicted == outbox_mod.EVICT_TEST
    remaining = []
    while (head := box.head()) is not None:
        remaining.append(head[1])
        box.ack(head[0])
    assert all(t.encode() not in data for data in remaining)


def test_dropped_count_survives_reboot(flash: Path):
    box = Outbox(FlashFs(str(flash)), 1, new_tag)
    add(box)
    add(box)
    rebooted = Outbox(FlashFs(str(flash)), 1, new_tag)
    assert rebooted.dropped == 1


def test_queued_payloads_match_contract(flash: Path):
    box = Outbox(FlashFs(str(flash)), 10, new_tag)
    for event_type in ("press", "hold", "test"):
        add(box, event_type, ts=None)
    while (head := box.head()) is not None:
        event = parse_event(head[1])
        assert event.source == "button"
        assert event.ts is None
        box.ack(head[0])

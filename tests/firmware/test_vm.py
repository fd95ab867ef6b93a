"""The firmware modules on a real MicroPython VM, payloads checked against the contract."""

from __future__ import annotations

import json

from protocol.events import parse_event
from tests.firmware.vm import marks, published, run_scenario


def test_press_hold_and_feedback_on_vm():
    lines = run_scenario(
        """
        mark(sys.implementation.name)
        board = Board()
        app = new_app(board, RamFs())
        run(app, board, 100)
        tap(app, board)
        alert = app.device.alert.first_id
        board.peer.feedback("btn-vm-0001", {"alert": alert, "state": "pending", "remaining_s": 10})
        run(app, board, 100)
        mark(app.indication(board.now))
        tap(app, board, held_ms=3500)
        board.peer.feedback("btn-vm-0001", {"alert": alert, "state": "confirmed"})
        run(app, board, 100)
        mark(app.indication(board.now))
        board.peer.feedback("btn-vm-0001", {"alert": alert, "state": "acknowledged"})
        run(app, board, 100)
        mark(app.indication(board.now))
        tap(app, board, "cancel", held_ms=2500)
        run(app, board, 6000)
        mark(app.indication(board.now))
        run(app, board, 60000)
        """
    )
    events = [parse_event(line["payload"].encode()) for line in published(lines, "event")]
    assert [e.type for e in events] == ["press", "hold", "cancel"]
    assert [e.seq for e in events] == [0, 1, 2]
    assert events[2].alert == events[0].id
    assert all(e.source == "button" and e.bat == 70 for e in events)
    assert marks(lines) == ["micropython", "pending", "confirmed", "acknowledged", "cancelled"]
    status = published(lines, "status")
    assert json.loads(status[0]["payload"]) == {"online": True, "fw": "0.1.0"}
    assert status[0]["retain"] == 1
    beats = [json.loads(line["payload"]) for line in published(lines, "heartbeat")]
    assert len(beats) >= 2
    assert set(beats[-1]) == {"bat", "rssi", "uptime_s", "queued"}


def test_outage_reboot_and_full_queue_on_vm():
    lines = run_scenario(
        """
        fs = RamFs()
        board = Board()
        board.broker_up = False
        app = new_app(board, fs)
        for i in range(3):
            tap(app, board)
            run(app, board, 1000)
        mark("queued=%d" % len(app.outbox))
        queued = [app.outbox.fs.read(name) for seq, name in app.outbox.items]
        # Power fails; a new App starts on the same flash.
        board2 = Board()
        board2.now = 50000
        board2.broker_up = False
        app2 = new_app(board2, fs)
        mark("after_reboot=%d" % len(app2.outbox))
        app2.outbox.max_events = 3
        tap(app2, board2)
        mark("dropped=%d" % app2.outbox.dropped)
        board2.broker_up = True
        run(app2, board2, 3000)
        mark("left=%d" % len(app2.outbox))
        for data in queued:
            print(json.dumps({"queued": data.decode()}))
        """
    )
    assert marks(lines)[:3] == ["queued=3", "after_reboot=3", "dropped=1"]
    assert marks(lines)[3] == "left=0"
    events = [parse_event(line["payload"].encode()) for line in published(lines, "event")]
    queued = [line["queued"] for line in lines if "queued" in line]
    # Oldest kept, second-oldest evicted for the newest press, order kept.
    assert [e.seq for e in events] == [0, 2, 3]
    sent = [line["payload"] for line in published(lines, "event")]
    assert sent[:2] == [queued[0], queued[2]]
    assert all(e.ts is not None and e.type == "press" for e in events)
    assert events[0].ts < events[1].ts < events[2].ts


def test_lost_puback_resends_same_id_on_vm():
    lines = run_scenario(
        """
        board = Board()
        app = new_app(board, RamFs())
        run(app, board, 100)
        board.peer.puback = False
        tap(app, board)
        board.peer.up = False
        run(app, board, 3000)
        run(app, board, 3000)
        mark("left=%d" % len(app.outbox))
        """
    )
    sent = [line["payload"] for line in published(lines, "event")]
    assert len(sent) == 2
    assert sent[0] == sent[1]
    assert parse_event(sent[0].encode()).type == "press"
    assert marks(lines) == ["left=0"]


CONFIG_ERRORS = [
    ('raw["device_id"] = "BAD"', "device_id"),
    ('raw["timings"] = {"hold_min_ms": 10}', "timings.hold_min_ms"),
    ('raw["mqtt"] = {"url": "mqtts://x"}', "mqtt.ca"),
    ('raw["pins"] = {"button": 4, "led": 4}', "pins"),
]


def test_config_errors_on_vm():
    # One VM run for every case: each start of the VM compiles its WebAssembly module.
    scenario = ""
    for change, _field in CONFIG_ERRORS:
        scenario += f"""
raw = dict(RAW_CONFIG)
{change}
try:
    config.validate(raw)
    mark("valid")
except config.ConfigError as exc:
    mark(exc.field)
    mark(str(exc))
"""
    found = marks(run_scenario(scenario))
    assert found[0::2] == [field for _change, field in CONFIG_ERRORS]
    for message, (_change, field) in zip(found[1::2], CONFIG_ERRORS, strict=True):
        assert message.startswith(f"config.json {field}: ")

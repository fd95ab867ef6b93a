"""The firmware main loop (ampera.app) with a fake board and a scripted broker."""

from __future__ import annotations

from pathlib import Path

from ampera import config, indicator
from ampera.app import App
from ampera.outbox import FlashFs

from protocol.events import parse_event
from tests.firmware.fakes import Clock, FakeBoard, FakeBroker, make_config, run

DEVICE = "btn-test-0001"


def new_app(board: FakeBoard, flash: Path, **overrides) -> App:
    cfg = config.validate(make_config(**overrides))
    app = App(cfg, board, FlashFs(str(flash)))
    app.start(board.clock.now)
    return app


def press(board: FakeBoard, app: App, clock: Clock, held_ms: int = 200) -> None:
    board.edge("panic", True)
    run(app, clock, held_ms)
    board.edge("panic", False)
    run(app, clock, 100)


def hold_cancel(board: FakeBoard, app: App, clock: Clock, held_ms: int = 2500) -> None:
    board.edge("cancel", True)
    run(app, clock, held_ms)
    board.edge("cancel", False)
    run(app, clock, 100)


def test_press_is_published_valid_and_dequeued_after_puback(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    events = broker.events()
    assert len(events) == 1
    assert events[0].topic == f"ampera/v1/dev/{DEVICE}/event"
    assert events[0].qos == 1
    assert events[0].retain is False
    event = parse_event(events[0].payload)
    assert (event.type, event.source, event.seq) == ("press", "button", 0)
    assert clock.wall_start + 100 <= event.ts <= clock.wall()
    assert event.bat == 82  # 4000 mV between 3300 and 4150
    assert len(app.outbox) == 0


def test_status_birth_retained_and_last_will(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    status = [p for p in broker.published if p.topic.endswith("/status")]
    assert status[0].json() == {"online": True, "fw": "0.1.0"}
    assert status[0].retain and status[0].qos == 1
    will = broker.connects[0]
    assert b'{"online":false}' in will
    assert will[7] & 0x24 == 0x24  # will flag and will retain
    assert broker.subscribed == [f"ampera/v1/dev/{DEVICE}/feedback"]
    assert app.state == "up"


def test_heartbeat_fields(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 61_000)
    beats = [p.json() for p in broker.published if p.topic.endswith("/heartbeat")]
    assert len(beats) == 2
    assert set(beats[1]) == {"bat", "rssi", "uptime_s", "queued"}
    assert beats[1]["uptime_s"] == 60
    assert beats[1]["rssi"] == -61
    assert beats[1]["queued"] == 0


def test_broker_down_at_boot_queues(board, broker, clock, flash):
    broker.up = False
    app = new_app(board, flash)
    run(app, clock, 500)
    press(board, app, clock)
    assert app.state == "offline"
    assert len(app.outbox) == 1
    assert app.indication(clock.now) == indicator.QUEUED_OFFLINE
    broker.up = True
    run(app, clock, 70_000)
    assert [parse_event(p.payload).type for p in broker.events()] == ["press"]
    assert len(app.outbox) == 0


def test_offline_presses_sent_in_order_with_original_time(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    broker.drop()
    board.wifi_up = False
    times = []
    for _ in range(3):
        press(board, app, clock)
        times.append(clock.wall())
        run(app, clock, 5_000)
    assert len(app.outbox) == 3
    broker.up = True
    board.wifi_up = True
    run(app, clock, 120_000)
    events = [parse_event(p.payload) for p in broker.events()]
    assert [e.seq for e in events] == [0, 1, 2]
    for event, later in zip(events, times, strict=True):
        assert event.ts < later  # the time of the press, not of the resend
    assert later < clock.wall() - 60_000


def test_lost_puback_resends_same_bytes_and_id(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    broker.auto_puback = False
    press(board, app, clock)
    first = broker.events()[0].payload
    broker.drop()
    run(app, clock, 1_000)
    broker.up = True
    broker.auto_puback = True
    run(app, clock, 5_000)
    events = broker.events()
    assert len(events) == 2
    assert events[1].payload == first
    assert len(app.outbox) == 0


def test_queue_survives_reboot_and_is_sent(board, broker, clock, flash):
    broker.up = False
    app = new_app(board, flash)
    press(board, app, clock)
    queued = app.outbox.head()[1]
    # Brown-out: a new App on the same flash, the old one is gone.
    broker.up = True
    board2 = FakeBoard(clock, broker)
    app2 = new_app(board2, flash)
    run(app2, clock, 200)
    assert broker.events()[0].payload == queued
    press(board2, app2, clock)
    assert parse_event(broker.events()[1].payload).seq == 1


def test_reconnect_backoff_is_capped(board, broker, clock, flash):
    broker.up = False
    app = new_app(board, flash)
    attempts = []
    run(app, clock, 600_000, step_ms=100, each=lambda: attempts.append(len(board.opened)))
    opened_in_last_5_min = attempts[-1] - attempts[len(attempts) // 2]
    # Capped at 60 s (+ up to a quarter jitter): at least 4 tries in 5 minutes.
    assert 4 <= opened_in_last_5_min <= 6
    assert app.backoff_ms == 60_000


def test_wifi_timeout_restarts_wifi(board, broker, clock, flash):
    board.wifi_up = False
    app = new_app(board, flash)
    run(app, clock, 19_000)
    assert board.wifi_starts == 1
    run(app, clock, 1_100)
    assert app.retry_at is not None
    run(app, clock, 2_000)
    assert board.wifi_starts == 2


def test_feedback_drives_led_patterns(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    alert = parse_event(broker.events()[0].payload).id
    assert app.indication(clock.now) == indicator.SENDING
    seen = []
    for body, expected in [
        ({"alert": alert, "state": "pending", "remaining_s": 10}, indicator.PENDING),
        ({"alert": alert, "state": "confirmed"}, indicator.CONFIRMED),
        ({"alert": alert, "state": "acknowledged"}, indicator.ACKNOWLEDGED),
        ({"alert": alert, "state": "dispatched"}, indicator.DISPATCHED),
    ]:
        broker.send_feedback(DEVICE, body)
        run(app, clock, 100)
        seen.append(app.player.current)
        assert app.indication(clock.now) == expected
    assert seen == [
        indicator.PENDING,
        indicator.CONFIRMED,
        indicator.ACKNOWLEDGED,
        indicator.DISPATCHED,
    ]
    broker.send_feedback(DEVICE, {"alert": alert, "state": "resolved"})
    run(app, clock, 6_000)
    assert app.indication(clock.now) == indicator.IDLE
    assert app.device.alert is None


def test_pending_window_runs_out_locally(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    alert = parse_event(broker.events()[0].payload).id
    broker.send_feedback(DEVICE, {"alert": alert, "state": "pending", "remaining_s": 2.5})
    run(app, clock, 2_000)
    assert app.indication(clock.now) == indicator.PENDING
    run(app, clock, 1_000)
    assert app.indication(clock.now) == indicator.UNCONFIRMED


def test_led_blinks_in_pending_pattern(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    alert = parse_event(broker.events()[0].payload).id
    broker.send_feedback(DEVICE, {"alert": alert, "state": "pending", "remaining_s": 10})
    trace = []
    run(app, clock, 2_000, step_ms=50, each=lambda: trace.append(board.led))
    changes = sum(1 for a, b in zip(trace, trace[1:], strict=False) if a != b)
    assert 3 <= changes <= 5  # 500 ms on, 500 ms off for two seconds


def test_no_feedback_falls_back_to_local_window(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    run(app, clock, 6_000)
    assert app.indication(clock.now) == indicator.PENDING
    run(app, clock, 10_000)
    assert app.indication(clock.now) == indicator.UNCONFIRMED


def test_cancel_in_window_refers_to_the_press(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    alert = parse_event(broker.events()[0].payload).id
    broker.send_feedback(DEVICE, {"alert": alert, "state": "pending", "remaining_s": 10})
    run(app, clock, 100)
    hold_cancel(board, app, clock)
    cancel = parse_event(broker.events()[1].payload)
    assert (cancel.type, cancel.alert) == ("cancel", alert)
    broker.send_feedback(DEVICE, {"alert": alert, "state": "cancelled"})
    run(app, clock, 100)
    assert app.indication(clock.now) == indicator.CANCELLED


def test_cancel_without_alert_sends_nothing(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    hold_cancel(board, app, clock)
    assert broker.events() == []


def test_cancel_after_confirm_hides_feedback(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    alert = parse_event(broker.events()[0].payload).id
    broker.send_feedback(DEVICE, {"alert": alert, "state": "confirmed"})
    run(app, clock, 100)
    hold_cancel(board, app, clock)
    run(app, clock, 6_000)  # the gateway sends no feedback for this cancel
    assert app.indication(clock.now) == indicator.CANCELLED
    broker.send_feedback(DEVICE, {"alert": alert, "state": "acknowledged"})
    run(app, clock, 100)
    assert app.indication(clock.now) == indicator.CANCELLED
    run(app, clock, 5_000)
    assert app.indication(clock.now) == indicator.IDLE


def test_press_after_cancel_is_new_alert(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    hold_cancel(board, app, clock)
    press(board, app, clock)
    assert app.indication(clock.now) == indicator.SENDING
    second = parse_event(broker.events()[2].payload)
    assert second.type == "press"
    assert app.device.alert.first_id == second.id


def test_hold_publishes_hold(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    board.edge("panic", True)
    run(app, clock, 3_500)
    assert [parse_event(p.payload).type for p in broker.events()] == ["hold"]
    board.edge("panic", False)
    run(app, clock, 200)
    assert len(broker.events()) == 1


def test_technician_test_gesture_and_boot_flag(board, broker, clock, flash, tmp_path):
    app = new_app(board, flash)
    run(app, clock, 100)
    hold_cancel(board, app, clock, held_ms=8_500)
    assert [parse_event(p.payload).type for p in broker.events()] == ["test"]
    other = FakeBroker()
    board2 = FakeBoard(clock, other)
    (tmp_path / "other").mkdir()
    app2 = new_app(board2, tmp_path / "other" / "queue", test_at_boot=True)
    run(app2, clock, 200)
    assert [parse_event(p.payload).type for p in other.events()] == ["test"]


def test_stale_and_invalid_feedback_is_ignored(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    broker.send_feedback(DEVICE, {"alert": "someone-else", "state": "confirmed"})
    broker.send_feedback(DEVICE, {"alert": 5, "state": "bogus"})
    run(app, clock, 100)
    assert app.device.alert.state == "sent"


def test_no_clock_means_null_ts(board, broker, clock, flash):
    clock.wall_start = None
    app = new_app(board, flash)
    run(app, clock, 100)
    press(board, app, clock)
    assert parse_event(broker.events()[0].payload).ts is None


def test_battery_mode_does_not_sleep_before_puback(board, broker, clock, flash):
    app = new_app(board, flash, power="battery")
    run(app, clock, 100)
    broker.auto_puback = False
    press(board, app, clock)
    clock.advance(200_000)
    app.tick(clock.now)
    assert not app.can_sleep(clock.now)
    broker.drop()
    run(app, clock, 2_000)
    assert not app.can_sleep(clock.now)
    broker.up = True
    broker.auto_puback = True
    run(app, clock, 130_000)
    assert len(app.outbox) == 0
    assert app.can_sleep(clock.now)
    app.sleep(clock.now)
    assert board.slept_ms == 60_000
    assert broker.disconnects == 1
    last = broker.published[-1]
    assert (last.topic.endswith("/status"), last.json(), last.retain) == (
        True,
        {"online": False},
        True,
    )


def test_mains_mode_never_sleeps(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 300_000, step_ms=1_000)
    assert not app.can_sleep(clock.now)


def test_wake_from_deep_sleep_by_button_sends_press(board, broker, clock, flash):
    board.wake = "button"
    board.levels["panic"] = False  # the press was over before the firmware ran
    app = new_app(board, flash, power="battery")
    run(app, clock, 200)
    assert [parse_event(p.payload).type for p in broker.events()] == ["press"]


def test_low_battery_indication(board, broker, clock, flash):
    board.mv = 3400
    app = new_app(board, flash)
    run(app, clock, 100)
    assert app.indication(clock.now) == indicator.LOW_BATTERY


def test_watchdog_fed_every_tick(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 1_000)
    assert board.watchdog_feeds == 50


def test_buzzer_plays_once_when_enabled(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    board.edge("panic", True)
    run(app, clock, 200)
    board.edge("panic", False)
    trace = []
    run(app, clock, 300, step_ms=10, each=lambda: trace.append(board.buzzer))
    assert any(trace)
    assert not trace[-1]


def test_timer_wake_sleeps_after_heartbeat(board, broker, clock, flash):
    board.wake = "timer"
    app = new_app(board, flash, power="battery")
    run(app, clock, 200)
    assert not app.can_sleep(clock.now)  # the grace for kept feedback is running
    run(app, clock, 1_000)
    beats = [p for p in broker.published if p.topic.endswith("/heartbeat")]
    assert len(beats) == 1
    assert app.can_sleep(clock.now)


def test_timer_wake_without_network_gives_up_and_sleeps(board, broker, clock, flash):
    board.wake = "timer"
    board.wifi_up = False
    app = new_app(board, flash, power="battery")
    run(app, clock, 20_000)
    assert not app.can_sleep(clock.now)
    run(app, clock, 11_000)
    assert app.can_sleep(clock.now)


def test_full_queue_never_drops_newest_press(board, broker, clock, flash):
    broker.up = False
    lines: list[str] = []
    cfg = config.validate(make_config(queue_max=2))
    app = App(cfg, board, FlashFs(str(flash)), lines.append)
    app.start(clock.now)
    for _ in range(4):
        press(board, app, clock)
    newest = app.outbox.next_id()[0] - 1
    assert [seq for seq, _ in app.outbox.items] == [0, newest]
    assert app.outbox.dropped == 2
    assert any(line.startswith("queue_full action=evicted_middle") for line in lines)


def test_idle_link_sends_pings(board, broker, clock, flash):
    app = new_app(board, flash, timings={"heartbeat_interval_s": 600})
    run(app, clock, 100)
    run(app, clock, 35_000, step_ms=100)
    assert broker.pings == 1
    assert app.state == "up"


def test_test_without_feedback_closes_and_press_is_new(board, broker, clock, flash):
    app = new_app(board, flash)
    run(app, clock, 100)
    hold_cancel(board, app, clock, held_ms=8_500)
    run(app, clock, 6_000)
    assert app.indication(clock.now) == indicator.TEST
    run(app, clock, 5_000)
    assert app.indication(clock.now) == indicator.IDLE
    hold_cancel(board, app, clock, held_ms=8_500)
    press(board, app, clock)
    pressed = parse_event(broker.events()[-1].payload)
    assert pressed.type == "press"
    assert app.device.alert.first_id == pressed.id

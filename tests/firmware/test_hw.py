"""The ESP32 adapter (ampera.hw) on fake machine, network and esp32 modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from ampera import config, gesture
from ampera.app import App
from ampera.outbox import FlashFs

from tests.firmware.fake_machine import WDT, Pin, import_hw
from tests.firmware.fakes import Clock, make_config


@pytest.fixture
def hw_env(monkeypatch):
    clock = Clock()
    hw, modules = import_hw(monkeypatch, clock)
    cfg = config.validate(make_config())
    return clock, hw, modules, cfg


def test_pins_use_pull_ups_and_both_edges(hw_env):
    clock, hw, modules, cfg = hw_env
    hw.Board(cfg)
    for number in (4, 5):
        pin = Pin.instances[number]
        assert pin.pull == Pin.PULL_UP
        assert pin.trigger == Pin.IRQ_FALLING | Pin.IRQ_RISING


def test_irq_edges_with_bounce_become_one_press(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    button = gesture.panic_button(cfg["timings"])
    pin = Pin.instances[4]
    # Active low: the contact chatters for 6 ms on the way down and up.
    for level in (0, 1, 0, 1, 0):
        pin.drive(level)
        clock.advance(2)
    clock.advance(200)
    for level in (1, 0, 1, 0, 1):
        pin.drive(level)
        clock.advance(2)
    out: list = []
    for name, t, pressed in board.take_edges():
        assert name == "panic"
        button.edge(t, pressed, out)
    button.poll(clock.advance(100), out)
    assert out == [gesture.PANIC_SHORT]
    assert board.take_edges() == ()


def test_edge_buffer_is_bounded(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    pin = Pin.instances[4]
    for i in range(100):
        pin.drive(i % 2)
    assert len(board.take_edges()) == hw.MAX_EDGES


def test_led_active_low_and_buzzer(hw_env):
    clock, hw, modules, cfg = hw_env
    cfg["pins"]["led_active_high"] = False
    board = hw.Board(cfg)
    board.set_led(True)
    assert Pin.instances[2].level == 0
    board.set_led(False)
    assert Pin.instances[2].level == 1
    board.set_buzzer(True)
    assert Pin.instances[18].level == 1


def test_battery_voltage_through_divider(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    board.adc.uv = 1_950_000  # 1.95 V at the ADC, divider ratio 2
    assert board.battery_mv() == 3900


def test_wake_reason_not_pin(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    machine = modules["machine"]
    assert board.wake_reason() is None
    machine.state.update(reset_cause=machine.DEEPSLEEP_RESET, wake_reason=machine.EXT0_WAKE)
    assert board.wake_reason() == "button"
    machine.state["wake_reason"] = machine.TIMER_WAKE
    assert board.wake_reason() == "timer"


def test_deep_sleep_arms_ext0_on_the_panic_pin(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    assert board.can_deep_sleep()
    board.deep_sleep(60_000)
    assert modules["esp32"].ext0 == [(4, False)]
    assert modules["machine"].state["slept"] == 60_000


def test_wall_clock_unset_before_sync(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    assert board.wall_ms() == clock.wall()
    clock.wall_start = 0  # RTC at the epoch: never set
    assert board.wall_ms() is None


def test_watchdog_started_and_fed(hw_env):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    board.watchdog_feed()  # before start: nothing to feed
    board.watchdog_start(60_000)
    board.watchdog_feed()
    assert WDT.created[0].timeout == 60_000
    assert WDT.created[0].feeds == 1


def test_maintenance_flag_file_is_one_shot(hw_env, tmp_path: Path, monkeypatch):
    clock, hw, modules, cfg = hw_env
    monkeypatch.chdir(tmp_path)
    assert hw.maintenance_requested({"cancel": 5}) is False
    hw.request_maintenance()
    assert hw.maintenance_requested({"cancel": 5}) is True
    assert not os.path.exists(hw.MAINTENANCE_FLAG)
    assert hw.maintenance_requested({"cancel": 5}) is False


def test_maintenance_by_cancel_button_at_power_up(hw_env, tmp_path: Path, monkeypatch):
    clock, hw, modules, cfg = hw_env
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Pin, "__init__", _pin_held_low(Pin.__init__))
    assert hw.maintenance_requested({"cancel": 5}) is True


def _pin_held_low(original):
    def init(self, number, mode=Pin.IN, pull=None, value=None):
        original(self, number, mode, pull, value)
        self.level = 0

    return init


def test_app_runs_on_the_esp32_adapter(hw_env, tmp_path: Path):
    clock, hw, modules, cfg = hw_env
    board = hw.Board(cfg)
    (tmp_path / "flash").mkdir()
    app = App(cfg, board, FlashFs(str(tmp_path / "flash" / "queue")))
    app.start(clock.now)
    pin = Pin.instances[4]
    pin.drive(0)
    for _ in range(20):
        app.tick(clock.advance(20))
    pin.drive(1)
    for _ in range(10):
        app.tick(clock.advance(20))
    assert len(app.outbox) == 1  # queued: the fake WiFi never connects
    assert modules["network"].WLAN is not None
    assert board.wlan.calls[:2] == [("active", True), ("disconnect",)]

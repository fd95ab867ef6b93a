"""main.py's modes on fake hardware: config error, maintenance, normal loop and Ctrl-C."""

from __future__ import annotations

import json
import runpy
import sys
import types
from pathlib import Path

import pytest

from tests.firmware.fake_machine import WDT, Pin, ResetCalled, Timer, import_hw
from tests.firmware.fakes import FIRMWARE_DIR, Clock, make_config


class LoopLimit(Exception):
    """Raised by the fake sleep_ms to end an endless firmware loop."""


def run_main(monkeypatch, tmp_path: Path, sleeps: int, interrupt: bool = False) -> Clock:
    """Run main.py in tmp_path (the board's flash root) until `sleeps` calls of time.sleep_ms."""
    clock = Clock()
    hw, modules = import_hw(monkeypatch, clock)
    calls = {"n": 0}

    def sleep_ms(ms: int) -> None:
        calls["n"] += 1
        clock.advance(ms)
        if calls["n"] >= sleeps:
            raise KeyboardInterrupt() if interrupt else LoopLimit()

    fake_time = modules["time"]
    fake_time.sleep_ms = sleep_ms
    fake_gc = types.ModuleType("gc")
    fake_gc.collect = lambda: None
    fake_gc.mem_free = lambda: 100_000
    monkeypatch.setitem(sys.modules, "time", fake_time)
    monkeypatch.setitem(sys.modules, "gc", fake_gc)
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(FIRMWARE_DIR / "main.py"), run_name="__main__")
    return clock


def test_missing_config_blinks_error_without_watchdog(monkeypatch, tmp_path, capsys):
    with pytest.raises(LoopLimit):
        run_main(monkeypatch, tmp_path, sleeps=60)
    out = capsys.readouterr().out
    assert "CONFIG ERROR: config.json (file): config.json is missing" in out
    assert WDT.created == []
    assert 2 in Pin.instances  # the default LED pin blinks the error pattern


def test_invalid_config_names_field(monkeypatch, tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps(make_config(timings={"hold_min_ms": 10})))
    with pytest.raises(LoopLimit):
        run_main(monkeypatch, tmp_path, sleeps=10)
    assert "CONFIG ERROR: config.json timings.hold_min_ms: 10 is outside" in capsys.readouterr().out


def test_maintenance_flag_starts_no_watchdog(monkeypatch, tmp_path, capsys):
    (tmp_path / "config.json").write_text(json.dumps(make_config()))
    (tmp_path / "maintenance").write_text("1")
    run_main(monkeypatch, tmp_path, sleeps=1000)  # returns to the REPL
    assert "maintenance mode" in capsys.readouterr().out
    assert WDT.created == []
    assert not (tmp_path / "maintenance").exists()
    reset_timer = Timer.created[0]
    assert (reset_timer.period, reset_timer.mode) == (30 * 60 * 1000, Timer.ONE_SHOT)


def test_normal_loop_feeds_watchdog_and_ctrl_c_enters_maintenance(monkeypatch, tmp_path):
    (tmp_path / "config.json").write_text(json.dumps(make_config()))
    with pytest.raises(ResetCalled):
        run_main(monkeypatch, tmp_path, sleeps=50, interrupt=True)
    assert WDT.created[0].timeout == 60_000
    assert WDT.created[0].feeds >= 49
    assert (tmp_path / "maintenance").exists()
    assert (tmp_path / "queue" / "state.json").exists()

"""Fake `machine`, `network` and `esp32` modules, so ampera/hw.py imports and runs under CPython."""

from __future__ import annotations

import importlib
import sys
import time as real_time
import types
from typing import Any

from tests.firmware.fakes import Clock


class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 2
    IRQ_FALLING = 2
    IRQ_RISING = 1

    instances: dict[int, Pin] = {}

    def __init__(
        self, number: int, mode: int = IN, pull: int | None = None, value: int | None = None
    ):
        self.number = number
        self.mode = mode
        self.pull = pull
        self.level = value if value is not None else (1 if pull == self.PULL_UP else 0)
        self.handler = None
        self.trigger = 0
        Pin.instances[number] = self

    def value(self, level: int | None = None) -> int | None:
        if level is None:
            return self.level
        self.level = level
        return None

    def irq(self, handler=None, trigger: int = 0) -> None:
        self.handler = handler
        self.trigger = trigger

    def drive(self, level: int) -> None:
        """Change the input level as the outside world does, firing the IRQ handler."""
        changed = level != self.level
        self.level = level
        if changed and self.handler is not None:
            self.handler(self)


class ADC:
    ATTN_11DB = 3

    def __init__(self, pin: Pin) -> None:
        self.pin = pin
        self.uv = 2_000_000
        self.attn = None

    def atten(self, attn: int) -> None:
        self.attn = attn

    def read_uv(self) -> int:
        return self.uv


class WDT:
    created: list[WDT] = []

    def __init__(self, timeout: int) -> None:
        self.timeout = timeout
        self.feeds = 0
        WDT.created.append(self)

    def feed(self) -> None:
        self.feeds += 1


class Timer:
    ONE_SHOT = 0
    PERIODIC = 1
    created: list[Timer] = []

    def __init__(self, number: int) -> None:
        self.number = number
        self.period: int | None = None
        self.mode: int | None = None
        self.callback = None
        Timer.created.append(self)

    def init(self, period: int, mode: int = PERIODIC, callback=None) -> None:
        self.period = period
        self.mode = mode
        self.callback = callback


class ResetCalled(Exception):
    """machine.reset() was called; the test ends the firmware run here."""


def build(clock: Clock) -> dict[str, types.ModuleType]:
    machine = types.ModuleType("machine")
    machine.Pin = Pin
    machine.ADC = ADC
    machine.WDT = WDT
    machine.Timer = Timer

    def reset() -> None:
        raise ResetCalled()

    machine.reset = reset
    machine.DEEPSLEEP_RESET = 4
    machine.PWRON_RESET = 1
    machine.EXT0_WAKE = 2
    machine.TIMER_WAKE = 4
    machine.state = {"reset_cause": 1, "wake_reason": 0, "slept": None}
    machine.reset_cause = lambda: machine.state["reset_cause"]
    machine.wake_reason = lambda: machine.state["wake_reason"]
    machine.disable_irq = lambda: 0
    machine.enable_irq = lambda state: None

    def deepsleep(ms: int) -> None:
        machine.state["slept"] = ms

    machine.deepsleep = deepsleep

    network = types.ModuleType("network")
    network.STA_IF = 0

    class WLAN:
        def __init__(self, interface: int) -> None:
            self.connected = False
            self.calls: list[Any] = []

        def active(self, on: bool) -> None:
            self.calls.append(("active", on))

        def disconnect(self) -> None:
            self.calls.append(("disconnect",))

        def connect(self, ssid: str, password: str) -> None:
            self.calls.append(("connect", ssid))

        def isconnected(self) -> bool:
            return self.connected

        def status(self, name: str) -> int:
            return -67

    network.WLAN = WLAN

    esp32 = types.ModuleType("esp32")
    esp32.WAKEUP_ALL_LOW = False
    esp32.ext0 = []
    esp32.wake_on_ext0 = lambda pin, level: esp32.ext0.append((pin.number, level))

    fake_time = types.ModuleType("time")
    fake_time.ticks_ms = lambda: clock.now
    fake_time.gmtime = lambda secs=None: real_time.gmtime(
        secs if secs is not None else (clock.wall() or 0) / 1000
    )
    fake_time.time_ns = lambda: (clock.wall() or 0) * 1_000_000
    return {"machine": machine, "network": network, "esp32": esp32, "time": fake_time}


def import_hw(monkeypatch, clock: Clock):
    """Import ampera.hw against the fake modules; return (hw module, fakes by name)."""
    modules = build(clock)
    Pin.instances = {}
    WDT.created = []
    Timer.created = []
    for name in ("machine", "network", "esp32"):
        monkeypatch.setitem(sys.modules, name, modules[name])
    monkeypatch.delitem(sys.modules, "ampera.hw", raising=False)
    hw = importlib.import_module("ampera.hw")
    monkeypatch.setattr(hw, "time", modules["time"])
    return hw, modules

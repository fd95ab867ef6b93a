"""Fake hardware and a scripted MQTT peer for the firmware's host tests.

The firmware's behaviour modules run unchanged under CPython; only what
cannot run here is faked: GPIO pins, WiFi, the watchdog and, for logic
tests, the broker on the other end of the socket.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

FIRMWARE_DIR = Path(__file__).resolve().parents[2] / "firmware" / "micropython"
if str(FIRMWARE_DIR) not in sys.path:
    sys.path.insert(0, str(FIRMWARE_DIR))

from ampera.mqtt import NetworkError  # noqa: E402


def make_config(**overrides: Any) -> dict[str, Any]:
    """A raw config.json dict as ampera-provision writes it; overrides replace top-level keys."""
    raw: dict[str, Any] = {
        "schema": 1,
        "device_id": "btn-test-0001",
        "wifi": {"ssid": "polsek-wifi", "password": "secret-wifi"},
        "mqtt": {"url": "mqtt://127.0.0.1:1883", "password": "device-secret"},
        "pins": {"button": 4, "cancel": 5, "led": 2, "buzzer": 18, "battery_adc": 34},
        "battery": {"divider_ratio": 2.0, "empty_mv": 3300, "full_mv": 4150, "low_percent": 20},
        "buzzer_mode": "feedback",
    }
    raw.update(overrides)
    return raw


class Clock:
    """A fake millisecond tick clock and Unix wall clock."""

    def __init__(self, start_ms: int = 1_000, wall_ms: int | None = 1_796_000_000_000) -> None:
        self.now = start_ms
        self.wall_start = wall_ms
        self.start = start_ms

    def advance(self, ms: int) -> int:
        self.now += ms
        return self.now

    def wall(self) -> int | None:
        if self.wall_start is None:
            return None
        return self.wall_start + (self.now - self.start)


# --- MQTT peer -------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def packet(first: int, body: bytes) -> bytes:
    return bytes([first]) + _varint(len(body)) + body


def mqtt_string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def split_packets(data: bytes) -> list[tuple[int, bytes]]:
    """Split a byte stream into complete (first byte, body) MQTT packets; a partial tail is left."""
    packets = []
    pos = 0
    while pos < len(data):
        first = data[pos]
        pos += 1
        length = 0
        shift = 0
        while True:
            if pos >= len(data):
                return packets
            byte = data[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if pos + length > len(data):
            return packets
        packets.append((first, data[pos : pos + length]))
        pos += length
    return packets


class Published:
    def __init__(
        self, topic: str, payload: bytes, qos: int, retain: bool, pid: int | None, dup: bool
    ):
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.pid = pid
        self.dup = dup

    def json(self) -> Any:
        return json.loads(self.payload)


class FakeBroker:
    """Reply to the client's packets as a broker would, and record what it received.

    ``auto_puback`` off withholds PUBACKs (a broker that went away after
    receiving); ``refuse`` makes CONNECT fail with that return code.
    """

    def __init__(self) -> None:
        self.connects: list[bytes] = []
        self.published: list[Published] = []
        self.subscribed: list[str] = []
        self.pings = 0
        self.disconnects = 0
        self.auto_puback = True
        self.answer_pings = True
        self.refuse = 0
        self.up = True
        self.transports: list[FakeTransport] = []
        self.wire: list[bytes] = []  # every byte string the client wrote, in order

    def open(self) -> FakeTransport:
        if not self.up:
            raise NetworkError("connect to broker failed: [Errno 111] ECONNREFUSED")
        transport = FakeTransport(self)
        self.transports.append(transport)
        return transport

    @property
    def current(self) -> FakeTransport | None:
        live = [t for t in self.transports if not t.closed]
        return live[-1] if live else None

    def events(self) -> list[Published]:
        return [p for p in self.published if p.topic.endswith("/event")]

    def handle(self, transport: FakeTransport, first: int, body: bytes) -> None:
        kind = first & 0xF0
        if kind == 0x10:
            self.connects.append(body)
            transport.incoming += packet(0x20, bytes([0, self.refuse]))
        elif kind == 0x30:
            qos = (first >> 1) & 3
            n = int.from_bytes(body[:2], "big")
            topic = body[2 : 2 + n].decode()
            pos = 2 + n
            pid = None
            if qos:
                pid = int.from_bytes(body[pos : pos + 2], "big")
                pos += 2
            self.published.append(
                Published(topic, bytes(body[pos:]), qos, bool(first & 1), pid, bool(first & 8))
            )
            if qos and self.auto_puback:
                transport.incoming += packet(0x40, pid.to_bytes(2, "big"))
        elif kind == 0x80:
            pid = body[:2]
            n = int.from_bytes(body[2:4], "big")
            self.subscribed.append(body[4 : 4 + n].decode())
            transport.incoming += packet(0x90, pid + bytes([body[4 + n]]))
        elif kind == 0xC0:
            self.pings += 1
            if self.answer_pings:
                transport.incoming += packet(0xD0, b"")
        elif kind == 0xE0:
            self.disconnects += 1
        elif kind == 0x40:
            pass  # the client's PUBACK for a feedback message

    def send_feedback(self, device_id: str, body: dict[str, Any], pid: int = 7) -> None:
        """Deliver a QoS 1 feedback message to the connected client."""
        topic = f"ampera/v1/dev/{device_id}/feedback"
        data = mqtt_string(topic) + pid.to_bytes(2, "big") + json.dumps(body).encode()
        assert self.current is not None, "no client connected"
        self.current.incoming += packet(0x32, data)

    def drop(self) -> None:
        """The broker goes away: the open connection fails on its next use."""
        self.up = False
        for t in self.transports:
            t.broken = True


class FakeTransport:
    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker
        self.incoming = bytearray()
        self.outgoing = bytearray()
        self.closed = False
        self.broken = False

    def write(self, data: bytes) -> None:
        if self.broken or self.closed:
            raise NetworkError("socket write failed: [Errno 104] ECONNRESET")
        self.outgoing += bytes(data)
        self.broker.wire.append(bytes(data))
        packets = split_packets(bytes(self.outgoing))
        consumed = sum(1 + len(_varint(len(b))) + len(b) for _, b in packets)
        del self.outgoing[:consumed]
        for first, body in packets:
            self.broker.handle(self, first, body)

    def read(self, n: int) -> bytes:
        if self.broken:
            raise NetworkError("socket read failed: [Errno 104] ECONNRESET")
        if len(self.incoming) < n:
            raise NetworkError("socket read failed: [Errno 110] ETIMEDOUT")
        data = bytes(self.incoming[:n])
        del self.incoming[:n]
        return data

    def readable(self) -> bool:
        if self.broken:
            raise NetworkError("socket poll failed: [Errno 104] ECONNRESET")
        return bool(self.incoming)

    def close(self) -> None:
        self.closed = True


# --- Board -----------------------------------------------------------------


class FakeBoard:
    """The Board interface of ampera/app.py over fake pins, WiFi and broker."""

    def __init__(self, clock: Clock, broker: FakeBroker) -> None:
        self.clock = clock
        self.broker = broker
        self.edges: list[tuple[str, int, bool]] = []
        self.levels = {"panic": False, "cancel": False}
        self.led = False
        self.buzzer = False
        self.led_trace: list[bool] = []
        self.mv: int | None = 4000
        self.wifi_up = True
        self.wifi_starts = 0
        self.wake = None
        self.watchdog_feeds = 0
        self.slept_ms: int | None = None
        self.ntp_ok = True
        self.opened: list[tuple[str, int, bool]] = []

    def ticks_ms(self) -> int:
        return self.clock.now

    def sleep_ms(self, ms: int) -> None:
        self.clock.advance(ms)

    def wall_ms(self) -> int | None:
        return self.clock.wall()

    def take_edges(self) -> list[tuple[str, int, bool]]:
        edges, self.edges = self.edges, []
        return edges

    def is_pressed(self, name: str) -> bool:
        return self.levels.get(name, False)

    def edge(self, name: str, pressed: bool, at: int | None = None) -> None:
        self.levels[name] = pressed
        self.edges.append((name, self.clock.now if at is None else at, pressed))

    def set_led(self, on: bool) -> None:
        self.led = on

    def set_buzzer(self, on: bool) -> None:
        self.buzzer = on

    def battery_mv(self) -> int | None:
        return self.mv

    def wifi_start(self, ssid: str, password: str) -> None:
        self.wifi_starts += 1

    def wifi_connected(self) -> bool:
        return self.wifi_up

    def wifi_rssi(self) -> int | None:
        return -61 if self.wifi_up else None

    def open_transport(self, host: str, port: int, tls: bool, ca_file: str | None, timeout_ms: int):
        self.opened.append((host, port, tls))
        return self.broker.open()

    def sync_time(self, host: str) -> bool:
        return self.ntp_ok

    def wake_reason(self) -> str | None:
        return self.wake

    def watchdog_feed(self) -> None:
        self.watchdog_feeds += 1

    def deep_sleep(self, ms: int) -> None:
        self.slept_ms = ms

    def random_bytes(self, n: int) -> bytes:
        return os.urandom(n)


def run(
    app: Any, clock: Clock, ms: int, step_ms: int = 20, each: Callable[[], None] | None = None
) -> None:
    """Advance the fake clock by ms in main-loop ticks."""
    end = clock.now + ms
    while clock.now < end:
        clock.advance(step_ms)
        app.tick(clock.now)
        if each is not None:
            each()

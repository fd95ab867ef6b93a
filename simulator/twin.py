"""The device twin: the panic button firmware's own modules under CPython.

The twin runs ``firmware/micropython/ampera`` (gestures, outbox, alert state
machine, MQTT client, main loop) unchanged. Only the hardware is simulated:
button pins driven by ``press()``/``hold()``/``cancel()``, an LED whose state
is readable, the real clock and a flash directory on disk. The socket to the
broker is a real TCP (or TLS) connection.

    twin = Twin("btn-demo-0001", "mqtt://127.0.0.1:1883", Path("var/twin"))
    twin.start()                      # main loop in a background thread
    twin.press()
    twin.wait_for_led("pending")
    twin.stop()

Or, without a thread, ``twin.run_for(2.0)`` runs the loop in the caller.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

FIRMWARE_DIR = Path(__file__).resolve().parent.parent / "firmware" / "micropython"
if str(FIRMWARE_DIR) not in sys.path:
    sys.path.append(str(FIRMWARE_DIR))

from ampera import config as fw_config  # noqa: E402
from ampera.app import App  # noqa: E402
from ampera.mqtt import NetworkError  # noqa: E402
from ampera.outbox import FlashFs  # noqa: E402

log = logging.getLogger(__name__)

TICK_S = 0.02
PRESS_S = 0.2


class SocketTransport:
    """A CPython socket with the transport interface of ``ampera.mqtt.Client``."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def write(self, data: bytes | memoryview) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise NetworkError(f"socket write failed: {exc}") from None

    def read(self, n: int) -> bytes:
        chunks = []
        remaining = n
        try:
            while remaining:
                chunk = self.sock.recv(remaining)
                if not chunk:
                    raise NetworkError("connection closed by the broker")
                chunks.append(chunk)
                remaining -= len(chunk)
        except OSError as exc:
            raise NetworkError(f"socket read failed: {exc}") from None
        return b"".join(chunks)

    def readable(self) -> bool:
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        try:
            ready, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError) as exc:
            raise NetworkError(f"socket poll failed: {exc}") from None
        return bool(ready)

    def close(self) -> None:
        self.sock.close()


class SimBoard:
    """The Board interface of ``ampera.app`` over simulated pins and a real socket."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scheduled: list[tuple[float, str, bool]] = []  # (monotonic s, button, pressed)
        self.levels = {"panic": False, "cancel": False}
        self.led = False
        self.buzzer = False
        self.wifi_up = True
        self.wake: str | None = None
        self.battery: int | None = None
        self.slept_ms: int | None = None
        self.clock_set = True

    def schedule(self, button: str, down_s: float, up_s: float) -> None:
        """Press `button` down after down_s and release it after up_s (seconds from now)."""
        now = time.monotonic()
        with self._lock:
            self._scheduled.append((now + down_s, button, True))
            self._scheduled.append((now + up_s, button, False))
            self._scheduled.sort()

    def ticks_ms(self) -> int:
        return int(time.monotonic() * 1000)

    def sleep_ms(self, ms: int) -> None:
        time.sleep(ms / 1000)

    def wall_ms(self) -> int | None:
        return int(time.time() * 1000) if self.clock_set else None

    def take_edges(self) -> list[tuple[str, int, bool]]:
        now = time.monotonic()
        edges = []
        with self._lock:
            while self._scheduled and self._scheduled[0][0] <= now:
                at, button, pressed = self._scheduled.pop(0)
                self.levels[button] = pressed
                edges.append((button, int(at * 1000), pressed))
        return edges

    def is_pressed(self, name: str) -> bool:
        return self.levels.get(name, False)

    def set_led(self, on: bool) -> None:
        self.led = on

    def set_buzzer(self, on: bool) -> None:
        self.buzzer = on

    def battery_mv(self) -> int | None:
        return self.battery

    def wifi_start(self, ssid: str, password: str) -> None:
        pass

    def wifi_connected(self) -> bool:
        return self.wifi_up

    def wifi_rssi(self) -> int | None:
        return -60 if self.wifi_up else None

    def open_transport(
        self, host: str, port: int, tls: bool, ca_file: str | None, timeout_ms: int
    ) -> SocketTransport:
        try:
            sock = socket.create_connection((host, port), timeout=timeout_ms / 1000)
            if tls:
                context = ssl.create_default_context(cafile=ca_file)
                sock = context.wrap_socket(sock, server_hostname=host)
        except OSError as exc:
            raise NetworkError(f"connect to {host}:{port} failed: {exc}") from None
        return SocketTransport(sock)

    def sync_time(self, host: str) -> bool:
        return True  # the host's clock is already set; the twin sends no NTP

    def wake_reason(self) -> str | None:
        return self.wake

    def watchdog_feed(self) -> None:
        pass

    def deep_sleep(self, ms: int) -> None:
        self.slept_ms = ms

    def random_bytes(self, n: int) -> bytes:
        return os.urandom(n)


def twin_config(
    device_id: str, mqtt_url: str, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Build and validate a config.json for the twin from a broker URL.

    Credentials in the URL (``mqtt://user:pass@host:port``) become
    ``mqtt.username``/``mqtt.password``; ``overrides`` replace top-level keys,
    and a nested ``mqtt`` or ``timings`` dict is merged.
    """
    parts = urlsplit(mqtt_url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"invalid MQTT URL {mqtt_url!r}: expected mqtt[s]://[user:pass@]host:port")
    port = f":{parts.port}" if parts.port else ""
    mqtt: dict[str, Any] = {"url": f"{parts.scheme}://{parts.hostname}{port}"}
    if parts.username:
        mqtt["username"] = unquote(parts.username)
    if parts.password:
        mqtt["password"] = unquote(parts.password)
    raw: dict[str, Any] = {
        "device_id": device_id,
        "wifi": {"ssid": "twin"},
        "mqtt": mqtt,
        # The twin has no battery and no buzzer; its pins are simulated.
        "pins": {"button": 27, "cancel": 26, "led": 2, "buzzer": None},
        "timings": {"heartbeat_interval_s": 30},
    }
    for key, value in (overrides or {}).items():
        if key in ("mqtt", "timings", "pins", "wifi") and isinstance(value, dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    return fw_config.validate(raw)


class Twin:
    """One simulated panic button running the firmware's modules.

    ``config`` contains config.json overrides (see docs/firmware.md), for
    example ``{"timings": {"hold_min_ms": 1000}}``.
    """

    def __init__(
        self,
        device_id: str,
        mqtt_url: str,
        state_dir: Path | str,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.device_id = device_id
        self.config = twin_config(device_id, mqtt_url, config)
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.board = SimBoard()
        self._logger = logging.getLogger(f"{__name__}.{device_id}")
        self.app = App(
            self.config,
            self.board,
            FlashFs(str(self.state_dir / "queue")),
            log=lambda line: self._logger.info("%s device_id=%s", line, device_id),
        )
        self._lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._started = False
        self.error: BaseException | None = None
        self.led_history: list[str] = []  # every indication shown, in order

    # Gestures (thread-safe; they take effect on the next ticks)

    def press(self, held_s: float = PRESS_S) -> None:
        """Short press of the panic button."""
        self.board.schedule("panic", 0.0, held_s)

    def hold(self, held_s: float | None = None) -> None:
        """Hold the panic button past hold_min_ms."""
        hold_s = self.config["timings"]["hold_min_ms"] / 1000
        self.board.schedule("panic", 0.0, held_s if held_s is not None else hold_s + 0.3)

    def cancel(self, held_s: float | None = None) -> None:
        """Hold the cancel button past cancel_hold_ms."""
        cancel_s = self.config["timings"]["cancel_hold_ms"] / 1000
        self.board.schedule("cancel", 0.0, held_s if held_s is not None else cancel_s + 0.3)

    def test(self) -> None:
        """The technician gesture: hold the cancel button past test_hold_ms."""
        test_s = self.config["timings"]["test_hold_ms"] / 1000
        self.board.schedule("cancel", 0.0, test_s + 0.3)

    # State

    @property
    def led_state(self) -> str:
        """The indication on the LED: idle, sending, pending, ... (see docs/firmware.md)."""
        with self._lock:
            return self.app.player.current

    @property
    def led_on(self) -> bool:
        return self.board.led

    @property
    def link_state(self) -> str:
        return self.app.state

    @property
    def queued(self) -> int:
        return len(self.app.outbox)

    @property
    def alert_id(self) -> str | None:
        alert = self.app.device.alert
        return alert.first_id if alert is not None else None

    # Running

    def _ensure_started(self) -> None:
        if not self._started:
            self.app.start(self.board.ticks_ms())
            self._started = True

    def tick(self) -> None:
        with self._lock:
            self._ensure_started()
            self.app.tick(self.board.ticks_ms())
            shown = self.app.player.current
            if not self.led_history or self.led_history[-1] != shown:
                self.led_history.append(shown)

    def run_for(self, seconds: float) -> None:
        """Run the main loop in the calling thread for `seconds` of real time."""
        if self._thread is not None:
            raise RuntimeError("the twin already runs in a background thread; use wait_for_led")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.tick()
            time.sleep(TICK_S)

    def start(self) -> Twin:
        """Run the main loop in a background thread until stop()."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._loop, name=f"twin-{self.device_id}", daemon=True
            )
            self._thread.start()
        return self

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.tick()
                self._stop.wait(TICK_S)
        except BaseException as exc:  # noqa: BLE001 - kept for the caller to see
            self.error = exc
            self._logger.exception("twin main loop failed device_id=%s", self.device_id)

    def wait_for(
        self, check: Callable[[], Any], timeout_s: float = 20.0, what: str = "condition"
    ) -> Any:
        """Wait until check() returns a true value (the twin must be running); return it."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.error is not None:
                raise RuntimeError(f"twin {self.device_id} stopped: {self.error!r}")
            value = check()
            if value:
                return value
            time.sleep(0.02)
        raise TimeoutError(
            f"twin {self.device_id}: {what} not reached in {timeout_s} s "
            f"(led={self.led_state}, link={self.link_state}, queued={self.queued})"
        )

    def wait_for_led(self, state: str, timeout_s: float = 20.0) -> None:
        self.wait_for(lambda: self.led_state == state, timeout_s, f"LED state {state!r}")

    def stop(self, graceful: bool = False) -> None:
        """Stop the loop and close the connection.

        By default no DISCONNECT is sent, as in a power cut, so the broker
        publishes the last will. ``graceful`` publishes the retained
        ``{"online": false}`` and disconnects cleanly instead.
        """
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            if graceful:
                self.app.go_offline(self.board.ticks_ms())
            self.app.client.close()

    def __enter__(self) -> Twin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

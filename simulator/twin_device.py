"""Use the device twin (the firmware's own modules) wherever the simulator uses a ``SimDevice``.

A ``TwinDevice`` turns the simulator's event types into button gestures on a
``simulator.twin.Twin``: ``press`` is a short press, ``hold`` holds the panic
button past ``hold_min_ms``, ``cancel`` and ``test`` hold the cancel button.
The firmware then decides what to publish, so the twin cannot send a chosen
duplicate, and it reports the gateway's feedback only through its LED
indication.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from simulator.connection import BrokerUrl
from simulator.device import FeedbackMessage, SentEvent

# The shortest gestures that the firmware's config validation accepts, so a
# twin's cancel lands inside the demo's two-second confirm window.
FAST_GESTURES = {
    "hold_min_ms": 500,
    "cancel_hold_ms": 500,
    "test_hold_ms": 1000,
    "backoff_min_ms": 200,
    "backoff_max_ms": 2000,
}
# Time after a gesture's hold threshold until the firmware has made its event:
# debounce, the 20 ms tick and the extra 0.3 s that Twin holds a button.
GESTURE_MARGIN_S = 0.5
# LED indications that show a feedback state of the contract.
FEEDBACK_INDICATIONS = {
    "pending",
    "confirmed",
    "unconfirmed",
    "acknowledged",
    "dispatched",
    "cancelled",
    "test",
}


def twin_url(broker: BrokerUrl, password: str | None, device_id: str) -> str:
    """Return the ``mqtt[s]://`` URL the twin's config is built from."""
    if broker.transport != "tcp":
        raise ValueError(
            f"the device twin connects over TCP or TLS only, not {broker.scheme}://; "
            "give it an mqtt:// or mqtts:// URL"
        )
    username = device_id if password is not None else broker.username
    secret = password if password is not None else broker.password
    account = f"{username}:{secret}@" if username and secret else ""
    return f"{broker.scheme}://{account}{broker.host}:{broker.port}"


class TwinDevice:
    """A ``Twin`` behind the interface of ``SimDevice`` that ``Fleet`` and ``play`` use."""

    source = "button"

    def __init__(
        self,
        device_id: str,
        broker: BrokerUrl,
        state_dir: Path,
        password: str | None = None,
        timings: dict[str, int] | None = None,
    ) -> None:
        from simulator.twin import Twin

        overrides: dict[str, Any] = {"timings": {**FAST_GESTURES, **(timings or {})}}
        if broker.tls and broker.ca_file:
            overrides["mqtt"] = {"ca": broker.ca_file}
        self.device_id = device_id
        self.twin = Twin(device_id, twin_url(broker, password, device_id), state_dir, overrides)
        self.sent: list[SentEvent] = []
        # A gesture takes time: its event exists only once the button is
        # released (press) or held long enough (hold, cancel, test).
        self._gestures_end = 0.0
        self._seen_history = 0
        self._feedback: list[FeedbackMessage] = []

    def start(self) -> None:
        self.twin.start()

    def wait_ready(self, timeout_s: float, fail_fast: bool = False) -> None:
        """Wait until the firmware reports its link up; raise ConnectionError."""
        try:
            self.twin.wait_for(lambda: self.twin.link_state == "up", timeout_s, "link up")
        except (TimeoutError, RuntimeError) as exc:
            raise ConnectionError(f"twin {self.device_id} could not connect: {exc}") from None

    def connect(self, timeout_s: float = 10.0, fail_fast: bool = False) -> None:
        self.start()
        self.wait_ready(timeout_s, fail_fast)

    def send(self, event_type: str, alert: str | None = None) -> None:
        """Make the gesture that the firmware turns into ``event_type``."""
        from simulator.twin import PRESS_S

        gestures = {
            "press": self.twin.press,
            "hold": self.twin.hold,
            "cancel": self.twin.cancel,
            "test": self.twin.test,
        }
        gestures[event_type]()
        timings = self.twin.config["timings"]
        held_ms = {
            "press": PRESS_S * 1000,
            "hold": timings["hold_min_ms"],
            "cancel": timings["cancel_hold_ms"],
            "test": timings["test_hold_ms"],
        }[event_type]
        end = time.monotonic() + held_ms / 1000 + GESTURE_MARGIN_S
        self._gestures_end = max(self._gestures_end, end)

    def cancel(self, alert: str | None = None) -> None:
        self.send("cancel")

    def resend(self, sent: SentEvent | None) -> None:
        """Do nothing: the firmware alone decides when to publish an event again."""
        return None

    def heartbeat(self) -> None:
        """Do nothing: the firmware sends its own heartbeats every ``heartbeat_interval_s``."""

    def wait_published(self, timeout_s: float = 10.0) -> int:
        """Wait until the firmware's outbox is empty; return how many events are still queued."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < min(self._gestures_end, deadline):
            time.sleep(0.05)
        while self.twin.queued and time.monotonic() < deadline:
            time.sleep(0.05)
        return int(self.twin.queued)

    @property
    def feedback(self) -> list[FeedbackMessage]:
        """Return the feedback states the LED has shown, oldest first."""
        history = list(self.twin.led_history)
        for indication in history[self._seen_history :]:
            if indication in FEEDBACK_INDICATIONS:
                self._feedback.append(FeedbackMessage(None, indication, {}, time.time()))
        self._seen_history = len(history)
        return list(self._feedback)

    def announce_offline(self) -> None:
        """Do nothing: the broker publishes the firmware's last will when the twin stops."""

    def disconnect(self, deadline: float) -> None:
        self.close()

    def stop_network(self) -> None:
        """Do nothing: ``disconnect`` already stopped the twin's loop."""

    def close(self) -> None:
        self.twin.stop()

"""Connect a fleet of simulated devices and play a timed plan against them in real time."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from simulator.device import FeedbackMessage, SentEvent
from simulator.plan import Step

log = logging.getLogger(__name__)


class Device(Protocol):
    """Device interface that a plan plays on: ``SimDevice`` or the firmware twin's ``TwinDevice``.

    ``send`` and ``cancel`` return the event as published, or None when the
    device (the twin) does not tell; ``resend`` is then never called.
    """

    device_id: str

    @property
    def feedback(self) -> list[FeedbackMessage]: ...

    def start(self) -> None: ...

    def wait_ready(self, timeout_s: float, fail_fast: bool = False) -> None: ...

    def send(self, event_type: str, alert: str | None = None) -> SentEvent | None: ...

    def cancel(self, alert: str | None = None) -> SentEvent | None: ...

    def resend(self, sent: SentEvent) -> SentEvent | None: ...

    def heartbeat(self) -> None: ...

    def wait_published(self, timeout_s: float = 10.0) -> int: ...

    def announce_offline(self) -> None: ...

    def disconnect(self, deadline: float) -> None: ...

    def stop_network(self) -> None: ...

    def close(self) -> None: ...


class Fleet:
    """Many devices connected in parallel and closed together."""

    def __init__(self, devices: Iterable[Device]) -> None:
        self.devices = {device.device_id: device for device in devices}

    def __getitem__(self, device_id: str) -> Device:
        return self.devices[device_id]

    def __len__(self) -> int:
        return len(self.devices)

    def connect(self, timeout_s: float = 20.0) -> None:
        """Connect every device; on any failure close them all and raise ConnectionError."""
        for device in self.devices.values():
            device.start()
        deadline = time.monotonic() + timeout_s
        try:
            for device in self.devices.values():
                device.wait_ready(max(0.1, deadline - time.monotonic()))
        except ConnectionError:
            self.close()
            raise

    def heartbeat(self) -> None:
        for device in self.devices.values():
            device.heartbeat()

    def wait_published(self, timeout_s: float = 20.0) -> int:
        """Wait for every PUBACK; return how many events are still unacknowledged."""
        deadline = time.monotonic() + timeout_s
        return sum(
            device.wait_published(max(0.0, deadline - time.monotonic()))
            for device in self.devices.values()
        )

    def close(self, timeout_s: float = 3.0) -> None:
        """Close every device within ``timeout_s`` in total, even when the broker is gone.

        Each step runs for all devices before the next, so that their waits overlap.
        """
        for device in self.devices.values():
            device.announce_offline()
        deadline = time.monotonic() + timeout_s
        for device in self.devices.values():
            device.disconnect(deadline)
        for device in self.devices.values():
            device.stop_network()

    def __enter__(self) -> Fleet:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class PlayResult:
    """Published events by type, retries sent, and PUBACKs still missing after a plan."""

    published: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    unacknowledged: int = 0
    elapsed_s: float = 0.0
    sent: list[SentEvent] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.published.values()) + self.duplicates


def play(
    steps: Sequence[Step],
    fleet: Fleet,
    *,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_step: Callable[[Step, SentEvent | None], None] | None = None,
    ack_timeout_s: float = 20.0,
) -> PlayResult:
    """Publish each step at its time (``at_s`` after the start), then wait for the PUBACKs.

    ``stop`` ends the run early between steps. A duplicate step publishes the
    event and then the very same bytes again, as a QoS 1 retry does.
    """
    stop = stop or threading.Event()
    result = PlayResult()
    started = clock()
    for step in sorted(steps, key=lambda item: item.at_s):
        delay = step.at_s - (clock() - started)
        if delay > 0 and stop.wait(delay):
            break
        if stop.is_set():
            break
        device = fleet[step.device_id]
        if step.event_type == "cancel":
            sent = device.cancel()
        else:
            sent = device.send(step.event_type)
        result.published[step.event_type] += 1
        if sent is not None:
            result.sent.append(sent)
        if step.duplicate and sent is not None:
            device.resend(sent)
            result.duplicates += 1
        if on_step is not None:
            on_step(step, sent)
    result.unacknowledged = fleet.wait_published(ack_timeout_s)
    result.elapsed_s = clock() - started
    log.info(
        "plan_played events=%d duplicates=%d unacknowledged=%d elapsed_s=%.1f",
        sum(result.published.values()),
        result.duplicates,
        result.unacknowledged,
        result.elapsed_s,
    )
    return result

"""Wait until a device is online and its test alert has reached the dispatch API."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any

from provision.dispatch_client import DispatchClient
from provision.errors import Fault, ProvisionError
from provision.ui import Ui

logger = logging.getLogger(__name__)


class Progress(StrEnum):
    """How far the device has come; decided from what the API reports."""

    WAITING_ONLINE = "waiting_online"
    WAITING_TEST_ALERT = "waiting_test_alert"
    PASSED = "passed"


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def find_test_incident(
    incidents: list[dict[str, Any]], device_id: str, since: dt.datetime
) -> dict[str, Any] | None:
    """Return the newest test incident of the device that arrived at or after ``since``."""
    for incident in incidents:  # the API lists newest first
        if incident.get("device_id") != device_id or not incident.get("test"):
            continue
        arrived = incident.get("first_event_at")
        if arrived and parse_time(arrived) >= since:
            return incident
    return None


def judge(
    device: dict[str, Any] | None,
    incident: dict[str, Any] | None,
) -> Progress:
    """Decide the progress: both the online status and the test alert must have arrived."""
    if device is None or not device.get("online"):
        return Progress.WAITING_ONLINE
    if incident is None:
        return Progress.WAITING_TEST_ALERT
    return Progress.PASSED


def verify(
    ui: Ui,
    client: DispatchClient,
    device_id: str,
    since: dt.datetime,
    timeout_s: float = 120.0,
    poll_s: float = 1.0,
    broker: str = "",
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Poll the API until the test alert arrives; return its incident id or raise."""
    deadline = clock() + timeout_s
    progress = Progress.WAITING_ONLINE
    ui.say("step.wait_online", device_id=device_id)
    with ui.bar("step.wait_test", None, device_id=device_id):
        while True:
            device = client.device(device_id)
            incident = find_test_incident(client.test_incidents(), device_id, since)
            new_progress = judge(device, incident)
            if new_progress != progress:
                logger.info("verify_progress device_id=%s progress=%s", device_id, new_progress)
                progress = new_progress
            if progress is Progress.PASSED:
                break
            if clock() >= deadline:
                fault = (
                    Fault.DEVICE_OFFLINE
                    if progress is Progress.WAITING_ONLINE
                    else Fault.NO_TEST_ALERT
                )
                ui.say(
                    "verify.fail",
                    reason=ui.t(fault.value, device_id=device_id, timeout_s=int(timeout_s)),
                )
                raise ProvisionError(
                    fault, device_id=device_id, timeout_s=int(timeout_s), broker=broker or "-"
                )
            sleep(poll_s)
    assert incident is not None
    ui.say("verify.pass", device_id=device_id, incident=incident["id"])
    return str(incident["id"])

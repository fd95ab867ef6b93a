"""The single-device commands (press, hold, cancel, test) and the random load command."""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from protocol.events import Location
from simulator.api import ApiError, DispatchApi, find_password
from simulator.connection import BrokerUrl
from simulator.device import FeedbackMessage, SimDevice
from simulator.messages import feedback_state, text
from simulator.plan import parse_mix, plan_load
from simulator.runner import Device, Fleet, play

# Feedback states after which a command has nothing more to wait for.
FINAL_STATES = {
    "press": {"confirmed", "unconfirmed", "cancelled"},
    "hold": {"confirmed"},
    "cancel": {"cancelled"},
    "test": {"test"},
}


def describe_feedback(entry: FeedbackMessage, lang: str) -> str:
    extra = ""
    remaining = entry.body.get("remaining_s")
    if isinstance(remaining, int | float):
        extra = text("remaining", lang, seconds=remaining)
    return text("feedback", lang, state=feedback_state(entry.state, lang), extra=extra)


def device_from_args(args: argparse.Namespace, broker: BrokerUrl) -> SimDevice:
    loc = None
    if args.lat is not None and args.lon is not None:
        loc = Location(lat=args.lat, lon=args.lon, acc_m=args.acc_m)
    return SimDevice(
        args.device,
        args.source,
        broker,
        loc=loc,
        bat=args.bat,
        clock=None if args.no_ts else time.time,
        # The sequence number survives reboots on a real device; seconds
        # since the epoch keep it rising across separate runs of this command.
        seq_start=args.seq if args.seq is not None else int(time.time()),
        password=args.password,
    )


def run_device_command(
    args: argparse.Namespace, broker: BrokerUrl, out: Callable[[str], None]
) -> int:
    """Connect one device, send one gesture, print the feedback; return the exit code."""
    lang = args.lang
    if args.twin:
        return run_twin_command(args, broker, out)
    device = device_from_args(args, broker)
    out(text("connecting", lang, device=args.device, broker=broker.redacted()))
    try:
        device.connect(timeout_s=10, fail_fast=True)
    except ConnectionError as exc:
        out(text("connect_failed", lang, error=exc))
        return 1
    try:
        return _send_and_watch(args, device, out)
    finally:
        device.close()


def _send_and_watch(args: argparse.Namespace, device: SimDevice, out: Callable[[str], None]) -> int:
    lang = args.lang
    command = args.command
    # Feedback queued for this device before the gesture belongs to older alerts.
    baseline = len(device.feedback)
    if command == "cancel":
        sent = device.cancel(args.alert)
    else:
        sent = device.send(command)
    out(text("sent", lang, type=command, id=sent.event.id, seq=sent.event.seq))
    if args.duplicate:
        device.resend(sent)
        out(text("resent", lang, id=sent.event.id))
    if command == "press" and args.cancel_after is not None:
        time.sleep(args.cancel_after)
        follow = device.cancel(sent.event.id)
        out(text("sent", lang, type="cancel", id=follow.event.id, seq=follow.event.seq))
    elif command == "press" and args.again_after is not None:
        time.sleep(args.again_after)
        follow = device.press()
        out(text("sent", lang, type="press", id=follow.event.id, seq=follow.event.seq))

    missing = device.wait_published(10)
    if missing:
        out(text("unacknowledged", lang, count=missing))
        return 1

    # Feedback names the alert by its first event id, which is not the id just
    # sent when the gesture attached to an open incident or cancelled one. This
    # process is the device's only sender, so every feedback that arrives after
    # the gesture is a reply to it.
    shown = 0
    received = baseline
    deadline = time.monotonic() + args.wait
    final = FINAL_STATES[command]
    while True:
        matching = device.feedback[baseline:received]
        for entry in matching[shown:]:
            out(describe_feedback(entry, lang))
        shown = len(matching)
        remaining_s = deadline - time.monotonic()
        if any(entry.state in final for entry in matching) or remaining_s <= 0:
            break
        received = device.wait_more_feedback(received, remaining_s)
    if shown == 0:
        out(text("no_feedback", lang, seconds=args.wait))
    return 0


def run_twin_command(
    args: argparse.Namespace, broker: BrokerUrl, out: Callable[[str], None]
) -> int:
    """Make one gesture on the firmware twin and print its LED indications until the result."""
    from simulator.twin_device import TwinDevice

    lang = args.lang
    try:
        device = TwinDevice(
            args.device, broker, Path(args.twin_dir) / args.device, password=args.password
        )
    except ValueError as exc:
        out(text("invalid_setting", lang, error=exc))
        return 2
    out(text("connecting", lang, device=args.device, broker=broker.redacted()))
    try:
        device.connect(timeout_s=15)
    except ConnectionError as exc:
        device.close()
        out(text("connect_failed", lang, error=exc))
        return 1
    try:
        if args.duplicate:
            out(text("twin_no_duplicate", lang))
        shown = 0

        def show_new() -> list[str]:
            nonlocal shown
            history = list(device.twin.led_history)
            for indication in history[shown:]:
                out(text("led", lang, state=feedback_state(indication, lang)))
            shown = len(history)
            return history

        out(text("gesture", lang, gesture=args.command))
        device.send(args.command)
        follow = getattr(args, "cancel_after", None) or getattr(args, "again_after", None)
        if follow is not None:
            deadline = time.monotonic() + follow
            while time.monotonic() < deadline:
                show_new()
                time.sleep(0.05)
            second = "cancel" if getattr(args, "cancel_after", None) is not None else "press"
            out(text("gesture", lang, gesture=second))
            device.send(second)
            final = {"cancelled"} if second == "cancel" else {"confirmed"}
        else:
            final = FINAL_STATES[args.command]
        deadline = time.monotonic() + args.wait
        while time.monotonic() < deadline:
            if final & set(show_new()):
                break
            time.sleep(0.05)
        show_new()
        missing = device.wait_published(5)
    finally:
        device.close()
    if missing:
        out(text("unacknowledged", lang, count=missing))
        return 1
    return 0


def register_devices(
    args: argparse.Namespace, device_ids: list[str], sources: list[str]
) -> dict[str, str]:
    """Register the load devices at the stations in turn; return their broker passwords."""
    if not args.api_user or not args.api_password:
        raise ApiError.missing_login()
    api = DispatchApi.login(args.dispatch_url, args.api_user, args.api_password)
    try:
        stations = api.stations()
        passwords: dict[str, str] = {}
        for number, device_id in enumerate(device_ids):
            station = stations[number % len(stations)]
            kind = sources[number % len(sources)]
            answer = api.register_device(
                device_id, kind, f"Beban {device_id}", station["lat"], station["lon"]
            )
            password = find_password(answer)
            if password is not None:
                passwords[device_id] = password
        return passwords
    finally:
        api.close()


def run_load(args: argparse.Namespace, broker: BrokerUrl, out: Callable[[str], None]) -> int:
    """Connect ``--devices`` devices and play a random load plan; exit 1 if PUBACKs are missing."""
    lang = args.lang
    device_ids = [f"{args.prefix}-{number:04d}" for number in range(args.devices)]
    sources = ["button", "app"] if args.source == "mixed" else [args.source]
    try:
        mix = parse_mix(args.mix)
        rng = random.Random(args.seed)
        plan = plan_load(
            rng, device_ids, args.rate, args.duration, args.window, mix, args.duplicates
        )
        credentials = load_credentials(args.credentials)
    except (ValueError, OSError) as exc:
        out(text("invalid_setting", lang, error=exc))
        return 2

    if args.register:
        try:
            credentials.update(register_devices(args, device_ids, sources))
        except (ApiError, httpx.HTTPError) as exc:
            out(text("api_failed", lang, error=exc))
            return 1

    out(
        text(
            "load_start",
            lang,
            devices=args.devices,
            rate=args.rate,
            duration=args.duration,
            gestures=sum(plan.gestures.values()),
            events=len(plan.steps),
            duplicates=plan.duplicates,
        )
    )
    try:
        fleet = Fleet(
            load_device(args, broker, device_id, sources[number % len(sources)], credentials)
            for number, device_id in enumerate(device_ids)
        )
    except ValueError as exc:
        out(text("invalid_setting", lang, error=exc))
        return 2
    try:
        fleet.connect(timeout_s=30)
    except ConnectionError as exc:
        out(text("connect_failed", lang, error=exc))
        return 1
    try:
        fleet.heartbeat()
        result = play(plan.steps, fleet)
    finally:
        fleet.close()

    out(
        text(
            "load_done",
            lang,
            elapsed=result.elapsed_s,
            events=sum(result.published.values()),
            duplicates=result.duplicates,
            missing=result.unacknowledged,
        )
    )
    return 1 if result.unacknowledged else 0


def load_device(
    args: argparse.Namespace,
    broker: BrokerUrl,
    device_id: str,
    source: str,
    credentials: dict[str, str],
) -> Device:
    """Return a plain MQTT device, or with ``--twin`` a firmware twin for a button."""
    password = credentials.get(device_id)
    if args.twin and source == "button":
        from simulator.twin_device import TwinDevice

        return TwinDevice(device_id, broker, Path(args.twin_dir) / device_id, password)
    return SimDevice(device_id, source, broker, bat=90, password=password)  # type: ignore[arg-type]


def load_credentials(path: str | None) -> dict[str, str]:
    """Read a JSON object of device id -> broker password; raise ValueError if it is not one."""
    if not path:
        return {}
    with open(path) as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"invalid credentials file {path!r}: expected {{device_id: password}}")
    return data

"""Turn parsed command-line arguments into calls of the command modules."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path

from provision.device_config import CA_TARGET, parse_assignments
from provision.dispatch_client import DispatchClient
from provision.errors import Fault, ProvisionError
from provision.flash import flash
from provision.install import install
from provision.register import RegisterOptions, check_device_id, register
from provision.setup import SetupOptions, setup
from provision.ui import Ui
from provision.verify import verify


def make_ui(language: str) -> Ui:
    return Ui(language)


def _require(value: object, option: str) -> None:
    if value in (None, ""):
        raise ProvisionError(Fault.MISSING_OPTION, option=option)


def _secret(value: str | None, option: str, prompt: str) -> str:
    if value:
        return value
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise ProvisionError(Fault.MISSING_OPTION, option=option)


def _dispatch_client(args: argparse.Namespace) -> DispatchClient:
    client = DispatchClient(args.dispatch_url, token=args.token)
    if not args.token:
        _require(args.username, "--username")
        password = _secret(args.password, "--password", "Kata sandi teknisi / password: ")
        client.login(args.username, password)
    return client


def _register_options(args: argparse.Namespace, default_dir: Path) -> RegisterOptions:
    check_device_id(args.device_id)
    _require(args.wifi_ssid, "--wifi-ssid")
    _require(args.mqtt_url, "--mqtt-url")
    wifi_password = _secret(args.wifi_password, "--wifi-password", "WiFi password: ")
    try:
        pins = parse_assignments(args.pin, "--pin")
        timings = parse_assignments(args.timing, "--timing")
    except ValueError as exc:
        raise ProvisionError(Fault.REQUEST_REJECTED, status="-", detail=str(exc)) from exc
    return RegisterOptions(
        device_id=args.device_id,
        wifi_ssid=args.wifi_ssid,
        wifi_password=wifi_password,
        mqtt_url=args.mqtt_url,
        out=args.out or default_dir / args.device_id / "config.json",
        label=args.label,
        lat=args.lat,
        lon=args.lon,
        kind=args.kind,
        ca_file=args.ca_file,
        pins=pins,
        timings=timings,
        test_at_boot=args.test_at_boot,
    )


def run(args: argparse.Namespace, ui: Ui) -> int:
    command = args.command
    if command == "flash":
        _require(args.port, "--port")
        _require(args.image, "--image")
        flash(ui, args.port, args.image, args.images_list, no_reset=args.no_reset, baud=args.baud)
    elif command == "install":
        _require(args.port, "--port")
        extra = {}
        if args.ca_file is not None:
            extra["/" + CA_TARGET] = Path(args.ca_file).read_bytes()
        install(
            ui,
            args.port,
            args.config,
            args.firmware_dir,
            extra,
            pause_s=args.repl_pause_s,
            timeout_s=args.repl_timeout_s,
        )
    elif command == "register":
        options = _register_options(args, Path("var/provision"))
        client = _dispatch_client(args)
        try:
            register(ui, client, options)
        finally:
            client.close()
    elif command == "verify":
        check_device_id(args.device_id)
        client = _dispatch_client(args)
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=args.since_s)
        try:
            verify(ui, client, args.device_id, since, args.timeout_s, args.poll_s)
        finally:
            client.close()
    elif command == "setup":
        _require(args.port, "--port")
        setup_options = SetupOptions(
            port=args.port,
            register=_register_options(args, args.state_dir),
            state_dir=args.state_dir,
            image=args.image,
            images_list=args.images_list,
            skip_flash=args.skip_flash,
            no_reset=args.no_reset,
            baud=args.baud,
            firmware_dir=args.firmware_dir,
            repl_pause_s=args.repl_pause_s,
            repl_timeout_s=args.repl_timeout_s,
            verify_timeout_s=args.timeout_s,
            verify_poll_s=args.poll_s,
            restart=args.restart,
        )
        setup(ui, lambda: _dispatch_client(args), setup_options)
    return 0

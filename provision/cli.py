"""``ampera-provision``: the technician's tool. Parses arguments and calls the commands.

Messages are in Bahasa Indonesia unless ``--lang en`` is given or the locale
is English (LANG=en_...). Exit codes: 0 done, 1 a field fault (the message
names the next step), 2 wrong usage, 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from provision import commands
from provision.dispatch_client import DEFAULT_DISPATCH_URL
from provision.errors import Fault, ProvisionError
from provision.flash import DEFAULT_WRITE_BAUD
from provision.i18n import detect_language
from provision.images import DEFAULT_IMAGES_LIST
from provision.install import DEFAULT_FIRMWARE_DIR


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def _add_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        default=_env("AMPERA_SERIAL_PORT"),
        help="serial port of the board, e.g. /dev/ttyUSB0 or COM3 (env AMPERA_SERIAL_PORT)",
    )


def _add_flash(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--image", type=Path, help="MicroPython .bin image to write")
    parser.add_argument(
        "--images-list",
        type=Path,
        default=Path(os.environ.get("AMPERA_FIRMWARE_IMAGES") or DEFAULT_IMAGES_LIST),
        help="JSON list of approved images by SHA-256 (env AMPERA_FIRMWARE_IMAGES)",
    )
    parser.add_argument(
        "--baud",
        type=int,
        default=DEFAULT_WRITE_BAUD,
        help="serial speed for writing, bits/s (lower it for long or poor cables)",
    )
    parser.add_argument(
        "--no-reset",
        action="store_true",
        help="do not reset the board into download mode; use after pressing BOOT+RESET by hand",
    )


def _add_install(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--firmware-dir",
        type=Path,
        default=DEFAULT_FIRMWARE_DIR,
        help="folder whose files are copied to the board (default: firmware/micropython)",
    )
    parser.add_argument(
        "--repl-pause-s",
        type=float,
        default=0.5,
        help="seconds to wait between raw-REPL attempts and after closing the port",
    )
    parser.add_argument(
        "--repl-timeout-s",
        type=float,
        default=3.0,
        help="seconds to wait for the REPL prompt in each of the 4 attempts",
    )


def _add_dispatch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dispatch-url",
        default=_env("AMPERA_DISPATCH_URL", DEFAULT_DISPATCH_URL),
        help="base URL of the dispatch API (env AMPERA_DISPATCH_URL)",
    )
    parser.add_argument(
        "--username",
        default=_env("AMPERA_PROVISION_USERNAME"),
        help="technician account (env AMPERA_PROVISION_USERNAME)",
    )
    parser.add_argument(
        "--password",
        default=_env("AMPERA_PROVISION_PASSWORD"),
        help="technician password (env AMPERA_PROVISION_PASSWORD; asked for when missing)",
    )
    parser.add_argument(
        "--token",
        default=_env("AMPERA_PROVISION_TOKEN"),
        help="bearer token instead of user name and password (env AMPERA_PROVISION_TOKEN)",
    )


def _add_device(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device-id", required=True, help="device id, e.g. btn-ilir-timur-0007")


def _add_register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--label", help="where the button hangs, e.g. 'Pasar 16 Ilir, pintu 2'")
    parser.add_argument("--lat", type=float, help="latitude of the button, degrees")
    parser.add_argument("--lon", type=float, help="longitude of the button, degrees")
    parser.add_argument("--kind", choices=("button", "app"), default="button")
    parser.add_argument("--wifi-ssid", default=_env("AMPERA_WIFI_SSID"), help="WiFi name on site")
    parser.add_argument(
        "--wifi-password",
        default=_env("AMPERA_WIFI_PASSWORD"),
        help="WiFi password on site (env AMPERA_WIFI_PASSWORD; asked for when missing)",
    )
    parser.add_argument(
        "--mqtt-url",
        default=_env("AMPERA_DEVICE_MQTT_URL"),
        help="broker address as the device sees it, e.g. mqtts://broker.example:8883 "
        "(env AMPERA_DEVICE_MQTT_URL)",
    )
    parser.add_argument("--ca-file", type=Path, help="CA certificate the device trusts (TLS)")
    parser.add_argument(
        "--pin", action="append", metavar="NAME=GPIO", help="override a pin, e.g. button=27"
    )
    parser.add_argument(
        "--timing",
        action="append",
        metavar="NAME=VALUE",
        help="override a timing, e.g. hold_min_ms=1500 (unit in the name)",
    )
    parser.add_argument(
        "--test-at-boot",
        action="store_true",
        help="the device sends a test alert each time it starts (handy on site)",
    )
    parser.add_argument(
        "--out", type=Path, help="where to write config.json (default var/provision/ID/)"
    )


def _add_verify(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout-s", type=float, default=120.0, help="seconds to wait for the test alert"
    )
    parser.add_argument("--poll-s", type=float, default=1.0, help="seconds between API checks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ampera-provision",
        description="Flash, register, install and check Ampera panic buttons.",
    )
    parser.add_argument("--lang", choices=("id", "en"), help="language of messages (default: id)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logs on stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    flash = sub.add_parser("flash", help="write the MicroPython image to the board")
    _add_port(flash)
    _add_flash(flash)

    install = sub.add_parser("install", help="copy the firmware files and config.json")
    _add_port(install)
    _add_install(install)
    install.add_argument("--config", type=Path, required=True, help="config.json to copy")
    install.add_argument("--ca-file", type=Path, help="CA certificate to copy as ca.crt")

    register = sub.add_parser("register", help="register the device and write config.json")
    _add_dispatch(register)
    _add_device(register)
    _add_register(register)

    verify = sub.add_parser("verify", help="wait for the device online and its test alert")
    _add_dispatch(verify)
    _add_device(verify)
    _add_verify(verify)
    verify.add_argument(
        "--since-s",
        type=float,
        default=600.0,
        help="accept a test alert that arrived up to this many seconds ago",
    )

    setup = sub.add_parser("setup", help="all of the above for one device, resumable")
    _add_port(setup)
    _add_flash(setup)
    _add_install(setup)
    _add_dispatch(setup)
    _add_device(setup)
    _add_register(setup)
    _add_verify(setup)
    setup.add_argument(
        "--skip-flash", action="store_true", help="the board already has MicroPython"
    )
    setup.add_argument(
        "--state-dir",
        type=Path,
        default=Path("var/provision"),
        help="where each device's progress and config.json are kept",
    )
    setup.add_argument("--restart", action="store_true", help="forget progress and start over")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.CRITICAL,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    ui = commands.make_ui(detect_language(args.lang))
    try:
        return commands.run(args, ui)
    except ProvisionError as error:
        ui.error(error)
        return 1
    except KeyboardInterrupt:
        ui.error(ProvisionError(Fault.INTERRUPTED))
        return 130


if __name__ == "__main__":
    raise SystemExit(main())

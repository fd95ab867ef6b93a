"""``ampera-provision``: the technician's tool. Parses arguments and calls the commands.

Messages and the --help output are in Bahasa Indonesia unless ``--lang en``
is given or the locale is English (LANG=en_...). Exit codes: 0 done, 1 a field
fault (the message names the next step), 2 wrong usage, 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from provision import commands
from provision.dispatch_client import DEFAULT_DISPATCH_URL
from provision.errors import Fault, ProvisionError
from provision.flash import DEFAULT_WRITE_BAUD
from provision.i18n import LANGUAGES, Translator, detect_language
from provision.images import DEFAULT_IMAGES_LIST
from provision.install import DEFAULT_FIRMWARE_DIR

# Subcommands that build_parser adds. requested_language stops reading at the first of them.
COMMANDS = ("flash", "install", "register", "verify", "setup")


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def _add_port(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--port", default=_env("AMPERA_SERIAL_PORT"), help=t("help.port"))


def _add_flash(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--image", type=Path, help=t("help.image"))
    parser.add_argument(
        "--images-list",
        type=Path,
        default=Path(os.environ.get("AMPERA_FIRMWARE_IMAGES") or DEFAULT_IMAGES_LIST),
        help=t("help.images_list"),
    )
    parser.add_argument("--baud", type=int, default=DEFAULT_WRITE_BAUD, help=t("help.baud"))
    parser.add_argument("--no-reset", action="store_true", help=t("help.no_reset"))


def _add_install(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument(
        "--firmware-dir", type=Path, default=DEFAULT_FIRMWARE_DIR, help=t("help.firmware_dir")
    )
    parser.add_argument("--repl-pause-s", type=float, default=0.5, help=t("help.repl_pause_s"))
    parser.add_argument("--repl-timeout-s", type=float, default=3.0, help=t("help.repl_timeout_s"))


def _add_dispatch(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument(
        "--dispatch-url",
        default=_env("AMPERA_DISPATCH_URL", DEFAULT_DISPATCH_URL),
        help=t("help.dispatch_url"),
    )
    parser.add_argument(
        "--username", default=_env("AMPERA_PROVISION_USERNAME"), help=t("help.username")
    )
    parser.add_argument(
        "--password", default=_env("AMPERA_PROVISION_PASSWORD"), help=t("help.password")
    )
    parser.add_argument("--token", default=_env("AMPERA_PROVISION_TOKEN"), help=t("help.token"))


def _add_device(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--device-id", required=True, help=t("help.device_id"))


def _add_register(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--label", help=t("help.label"))
    parser.add_argument("--lat", type=float, help=t("help.lat"))
    parser.add_argument("--lon", type=float, help=t("help.lon"))
    parser.add_argument("--kind", choices=("button", "app"), default="button", help=t("help.kind"))
    parser.add_argument("--wifi-ssid", default=_env("AMPERA_WIFI_SSID"), help=t("help.wifi_ssid"))
    parser.add_argument(
        "--wifi-password", default=_env("AMPERA_WIFI_PASSWORD"), help=t("help.wifi_password")
    )
    parser.add_argument(
        "--mqtt-url", default=_env("AMPERA_DEVICE_MQTT_URL"), help=t("help.mqtt_url")
    )
    parser.add_argument("--ca-file", type=Path, help=t("help.ca_file"))
    parser.add_argument("--pin", action="append", metavar="NAME=GPIO", help=t("help.pin"))
    parser.add_argument("--timing", action="append", metavar="NAME=VALUE", help=t("help.timing"))
    parser.add_argument("--test-at-boot", action="store_true", help=t("help.test_at_boot"))
    parser.add_argument("--out", type=Path, help=t("help.out"))


def _add_verify(parser: argparse.ArgumentParser, t: Translator) -> None:
    parser.add_argument("--timeout-s", type=float, default=120.0, help=t("help.timeout_s"))
    parser.add_argument("--poll-s", type=float, default=1.0, help=t("help.poll_s"))


def _formatter_class(usage_prefix: str) -> type[argparse.HelpFormatter]:
    """Return a HelpFormatter that starts the usage line with ``usage_prefix``."""

    class Formatter(argparse.HelpFormatter):
        def add_usage(
            self,
            usage: str | None,
            actions: Iterable[argparse.Action],
            groups: Iterable[Any],
            prefix: str | None = None,
        ) -> None:
            super().add_usage(usage, actions, groups, usage_prefix if prefix is None else prefix)

    return Formatter


def _localize(parser: argparse.ArgumentParser, t: Translator) -> argparse.ArgumentParser:
    """Set argparse's own heading and -h/--help text in the chosen language.

    The parser must be created with ``add_help=False`` so that -h/--help is
    added here with the translated text.
    """
    # argparse offers no public setter for the heading of the options group.
    parser._optionals.title = t("help.options_title")
    parser.add_argument(
        "-h", "--help", action="help", default=argparse.SUPPRESS, help=t("help.help")
    )
    return parser


def build_parser(language: str = "id") -> argparse.ArgumentParser:
    """Build the argument parser with its help texts in ``language`` (``id`` or ``en``)."""
    t = Translator(language)
    formatter = _formatter_class(t("help.usage_prefix"))
    parser = _localize(
        argparse.ArgumentParser(
            prog="ampera-provision",
            description=t("help.description"),
            formatter_class=formatter,
            add_help=False,
        ),
        t,
    )
    parser.add_argument("--lang", choices=LANGUAGES, help=t("help.lang"))
    parser.add_argument("-v", "--verbose", action="store_true", help=t("help.verbose"))
    sub = parser.add_subparsers(dest="command", required=True, title=t("help.commands_title"))

    def add_command(name: str) -> argparse.ArgumentParser:
        text = t(f"help.command.{name}")
        command = sub.add_parser(
            name, help=text, description=text, formatter_class=formatter, add_help=False
        )
        return _localize(command, t)

    flash = add_command("flash")
    _add_port(flash, t)
    _add_flash(flash, t)

    install = add_command("install")
    _add_port(install, t)
    _add_install(install, t)
    install.add_argument("--config", type=Path, required=True, help=t("help.install_config"))
    install.add_argument("--ca-file", type=Path, help=t("help.install_ca_file"))

    register = add_command("register")
    _add_dispatch(register, t)
    _add_device(register, t)
    _add_register(register, t)

    verify = add_command("verify")
    _add_dispatch(verify, t)
    _add_device(verify, t)
    _add_verify(verify, t)
    verify.add_argument("--since-s", type=float, default=600.0, help=t("help.since_s"))

    setup = add_command("setup")
    _add_port(setup, t)
    _add_flash(setup, t)
    _add_install(setup, t)
    _add_dispatch(setup, t)
    _add_device(setup, t)
    _add_register(setup, t)
    _add_verify(setup, t)
    setup.add_argument("--skip-flash", action="store_true", help=t("help.skip_flash"))
    setup.add_argument(
        "--state-dir", type=Path, default=Path("var/provision"), help=t("help.state_dir")
    )
    setup.add_argument("--restart", action="store_true", help=t("help.restart"))
    return parser


def requested_language(argv: Sequence[str]) -> str | None:
    """Return the ``--lang`` value given before the command, or None.

    The full parser is built in the chosen language, so ``--lang`` is read
    first with a parser that defines only that option. Like the full parser, it
    looks only before the command name, and a missing value yields None so
    that the full parser reports the mistake.
    """
    before_command = list(argv)
    for index, arg in enumerate(before_command):
        if arg in COMMANDS:
            before_command = before_command[:index]
            break
    pre_parser = argparse.ArgumentParser(add_help=False, exit_on_error=False)
    pre_parser.add_argument("--lang")
    try:
        known, _ = pre_parser.parse_known_args(before_command)
    except argparse.ArgumentError:
        return None
    return known.lang


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    language = detect_language(requested_language(argv))
    args = build_parser(language).parse_args(argv)
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

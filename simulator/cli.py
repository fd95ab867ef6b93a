"""``ampera-sim``: simulated panic buttons and app users, random load, the month scenario, the demo.

The entry point parses arguments and calls the command modules. Messages are
Indonesian unless ``--lang en`` is given.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from simulator.connection import DEFAULT_MQTT_URL, parse_broker_url
from simulator.messages import LANGUAGES, text
from simulator.plan import DEFAULT_MIX, GESTURES

DEFAULT_DISPATCH_URL = "http://127.0.0.1:8000"
# The gateway's own default window; a load plan times its cancels inside it.
DEFAULT_WINDOW_S = 10.0


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f"ampera-sim: error: {name}={value!r} is not a number") from None


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"invalid count {value}: must be 0 or more")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ampera-sim",
        description="Tombol panik dan pengguna aplikasi Ampera tersimulasi lewat MQTT, dan demo. / "
        "Simulated Ampera panic buttons and app users over MQTT, and the demo.",
    )
    add_common_arguments(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, summary in (
        ("press", "tekan tombol panik sekali / press the panic button once"),
        ("hold", "tahan tombol panik, langsung terkonfirmasi / hold the panic button"),
        ("cancel", "batalkan peringatan yang menunggu / cancel the pending alert"),
        ("test", "kirim uji teknisi / send a technician test event"),
    ):
        device = commands.add_parser(name, help=summary, description=summary)
        add_common_arguments(device, suppress=True)
        add_device_arguments(device)
        if name == "press":
            follow = device.add_mutually_exclusive_group()
            follow.add_argument(
                "--cancel-after",
                type=float,
                metavar="S",
                help="cancel the press S seconds later (an accidental press)",
            )
            follow.add_argument(
                "--again-after",
                type=float,
                metavar="S",
                help="press a second time S seconds later (confirms inside the window)",
            )
        if name == "cancel":
            device.add_argument(
                "--alert", help="event id of the press to cancel (default: the pending alert)"
            )

    load = commands.add_parser(
        "load", help="beban acak dari banyak perangkat / random load from many devices"
    )
    add_common_arguments(load, suppress=True)
    load.add_argument("--devices", type=int, default=50, help="simulated devices (default 50)")
    load.add_argument("--rate", type=float, default=20.0, help="gestures per second (default 20)")
    load.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    default_mix = ",".join(f"{gesture}={weight:g}" for gesture, weight in DEFAULT_MIX.items())
    load.add_argument(
        "--mix",
        default=default_mix,
        help=f"weights of the gestures {', '.join(GESTURES)} (default {default_mix})",
    )
    load.add_argument(
        "--duplicates",
        type=float,
        default=0.05,
        help="share of gestures whose first event is sent twice with the same bytes (default 0.05)",
    )
    load.add_argument(
        "--window",
        type=float,
        default=env_float("AMPERA_CONFIRM_WINDOW_S", DEFAULT_WINDOW_S),
        help="the gateway's confirm window in seconds; cancels and second presses come a "
        "quarter of it after the press [env AMPERA_CONFIRM_WINDOW_S, default 10]",
    )
    load.add_argument("--prefix", default="sim-load", help="device id prefix (default sim-load)")
    load.add_argument(
        "--source", choices=("mixed", "button", "app"), default="mixed", help="event source"
    )
    load.add_argument(
        "--credentials",
        help="JSON file mapping device ids to broker passwords (for a broker with accounts)",
    )
    load.add_argument("--seed", type=int, default=None, help="random seed (default: random)")
    load.add_argument(
        "--register",
        action="store_true",
        help="register the devices through the dispatch API first and use the broker "
        "passwords it returns (needs --api-user and --api-password)",
    )
    add_api_arguments(load)
    load.add_argument(
        "--twin",
        action="store_true",
        help="run the button devices on the firmware's own modules (the device twin); "
        "the firmware sends no chosen duplicates",
    )
    load.add_argument(
        "--twin-dir", default="var/twin", help="flash directories of the twins (default var/twin)"
    )

    scenario = commands.add_parser(
        "scenario",
        help="putar skenario pada layanan yang berjalan / "
        "replay a scripted scenario against running services",
    )
    add_common_arguments(scenario, suppress=True)
    scenario.add_argument("name", choices=("month",), help="month: the first month of Ampera")
    add_month_arguments(scenario)
    add_api_arguments(scenario)
    scenario.add_argument(
        "--twin-dir",
        default="var/twin",
        help="flash directories of the twin buttons (default var/twin)",
    )

    demo = commands.add_parser(
        "demo",
        help="nyalakan semua layanan dan putar ulang sebulan / "
        "start every service and replay the month (make demo)",
    )
    add_common_arguments(demo, suppress=True)
    add_month_arguments(demo)
    demo.add_argument(
        "--once",
        action="store_true",
        default=os.environ.get("AMPERA_DEMO_ONCE") == "1",
        help="stop every service and exit after the summary [env AMPERA_DEMO_ONCE=1]",
    )
    demo.add_argument(
        "--free-ports",
        action="store_true",
        help="pick free ports instead of the defaults 1883, 8000 and 9189 (for tests)",
    )
    demo.add_argument(
        "--station-accounts",
        type=non_negative_int,
        default=None,
        metavar="N",
        help="create Polsek accounts for the first N stations only (default: every station); "
        "each account costs about 0.2 s of password hashing",
    )
    demo.add_argument(
        "--state-dir",
        default=os.environ.get("AMPERA_DEMO_DIR", "var/demo"),
        help="demo state directory, emptied at start [env AMPERA_DEMO_DIR, default var/demo]",
    )
    return parser


def add_common_arguments(parser: argparse.ArgumentParser, suppress: bool = False) -> None:
    """Add the broker, language and log options; ``suppress`` keeps a subcommand's copy
    from overwriting a value given before the subcommand."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    lang = os.environ.get("AMPERA_LANG", "id")
    parser.add_argument(
        "--mqtt-url",
        default=default(os.environ.get("AMPERA_MQTT_URL", DEFAULT_MQTT_URL)),
        help="broker URL mqtt://user:pass@host:port, mqtts://, ws:// or wss:// "
        f"[env AMPERA_MQTT_URL, default {DEFAULT_MQTT_URL}]",
    )
    parser.add_argument(
        "--mqtt-ca-file",
        default=default(os.environ.get("AMPERA_MQTT_CA_FILE")),
        help="CA certificate (PEM) for mqtts:// and wss:// [env AMPERA_MQTT_CA_FILE]",
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default(lang if lang in LANGUAGES else "id"),
        help="language of the output: id (Indonesian, default) or en [env AMPERA_LANG]",
    )
    parser.add_argument(
        "--log-level",
        default=default(os.environ.get("AMPERA_LOG_LEVEL", "WARNING")),
        help="level of the MQTT and HTTP details logged on stderr [env AMPERA_LOG_LEVEL]",
    )


def add_api_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dispatch-url",
        default=os.environ.get("AMPERA_DISPATCH_URL", DEFAULT_DISPATCH_URL),
        help=f"dispatch API base URL [env AMPERA_DISPATCH_URL, default {DEFAULT_DISPATCH_URL}]",
    )
    parser.add_argument(
        "--api-user",
        default=os.environ.get("AMPERA_SIM_API_USER"),
        help="admin login of the dispatch API: registers devices and acts as staff "
        "[env AMPERA_SIM_API_USER]",
    )
    parser.add_argument(
        "--api-password",
        default=os.environ.get("AMPERA_SIM_API_PASSWORD"),
        help="its password [env AMPERA_SIM_API_PASSWORD]",
    )


def add_device_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", required=True, help="device id, e.g. btn-0001")
    parser.add_argument("--source", choices=("button", "app"), default="button")
    parser.add_argument(
        "--password",
        default=os.environ.get("AMPERA_DEVICE_PASSWORD"),
        help="the device's broker password; the username is the device id "
        "[env AMPERA_DEVICE_PASSWORD]",
    )
    parser.add_argument("--lat", type=float, help="latitude sent as loc (degrees)")
    parser.add_argument("--lon", type=float, help="longitude sent as loc (degrees)")
    parser.add_argument("--acc-m", type=float, default=None, help="location accuracy in metres")
    parser.add_argument("--bat", type=int, default=None, help="battery percentage 0-100")
    parser.add_argument("--seq", type=int, default=None, help="sequence number of the event")
    parser.add_argument(
        "--no-ts", action="store_true", help="send ts: null, like a device without time sync"
    )
    parser.add_argument(
        "--duplicate", action="store_true", help="send the event twice, as a QoS 1 retry"
    )
    parser.add_argument(
        "--wait", type=float, default=15.0, help="seconds to wait for feedback (default 15)"
    )
    parser.add_argument(
        "--twin",
        action="store_true",
        help="run the firmware's own modules (the device twin) and show its LED "
        "instead of sending the event directly",
    )
    parser.add_argument(
        "--twin-dir",
        default="var/twin",
        help="directory for the twin's flash queue (default var/twin)",
    )


def add_month_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale",
        type=float,
        default=env_float("AMPERA_DEMO_SCALE", 1.0),
        help="share of the month's figures to replay, above 0 and at most 1 "
        "[env AMPERA_DEMO_SCALE, default 1]",
    )
    parser.add_argument(
        "--replay-s",
        type=float,
        default=20.0,
        help="seconds the month's presses are spread over (default 20)",
    )
    parser.add_argument(
        "--window",
        type=float,
        default=env_float("AMPERA_CONFIRM_WINDOW_S", 2.0),
        help="confirm window in seconds; the demo starts its gateway with it "
        "[env AMPERA_CONFIRM_WINDOW_S, default 2 for the demo]",
    )
    parser.add_argument("--seed", type=int, default=176, help="random seed (default 176)")
    parser.add_argument(
        "--twin-buttons",
        action="store_true",
        help="run the physical buttons on the firmware's own modules (the device twin) "
        "instead of plain MQTT clients",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        broker = parse_broker_url(args.mqtt_url, args.mqtt_ca_file)
    except ValueError as exc:
        print(text("invalid_setting", args.lang, error=exc), file=sys.stderr)
        return 2

    def out(line: str) -> None:
        print(line, flush=True)

    if args.command in ("press", "hold", "cancel", "test"):
        from simulator.commands import run_device_command

        return run_device_command(args, broker, out)
    if args.command == "load":
        from simulator.commands import run_load

        return run_load(args, broker, out)
    if args.command == "scenario":
        from simulator.month import run_scenario_command

        return run_scenario_command(args, broker, out)
    from simulator.demo import run_demo

    return run_demo(args, out)


if __name__ == "__main__":
    sys.exit(main())

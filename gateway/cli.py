"""``ampera-gateway``: parse the settings, start the gateway, stop on SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sqlite3
import sys
from collections.abc import Sequence
from types import FrameType

from gateway import logs
from gateway.config import Config, ConfigError, parse

EXIT_CONFIG = 2


def main(argv: Sequence[str] | None = None) -> int:
    try:
        config = parse(argv)
    except ConfigError as exc:
        print(f"ampera-gateway: error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    listener = logs.configure(config.log_level)
    try:
        return _run(config)
    finally:
        listener.stop()


def _run(config: Config) -> int:
    """Run the gateway until a stop signal; return the exit code."""
    # Imported after the configuration is valid, so a bad flag fails at once.
    from gateway.service import Gateway

    try:
        gateway = Gateway(config)
    except (OSError, sqlite3.Error) as exc:
        print(
            f"ampera-gateway: error: cannot open the state in {str(config.state_dir)!r}: {exc}; "
            "set AMPERA_STATE_DIR or --state-dir to a writable directory",
            file=sys.stderr,
        )
        return EXIT_CONFIG

    def stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("gateway").info(
            logs.kv("stop_requested", signal=signal.Signals(signum).name)
        )
        gateway.request_stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        gateway.start()
    except OSError as exc:
        print(
            f"ampera-gateway: error: cannot listen for /metrics on "
            f"{config.metrics_host}:{config.metrics_port}: {exc}; "
            "set AMPERA_GATEWAY_METRICS_PORT or --metrics-port to a free port (0 picks one)",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    try:
        gateway.run()
    except Exception:
        # Nothing unacknowledged is lost: the broker resends it to the next start.
        logging.getLogger("gateway").exception(logs.kv("processor_failed", exit_code=1))
        return 1
    gateway.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())

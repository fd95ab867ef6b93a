"""``ampera-sim demo`` (``make demo``): start every service, replay the month, print the figures.

The demo starts the secure development broker (accounts, TLS, WebSocket),
the dispatch API and the gateway, each as its own process with its state
under ``var/demo/`` (emptied at every start). It then replays the month
scenario through real MQTT and HTTP and prints the statistics that the API
reports. With ``--once`` (``AMPERA_DEMO_ONCE=1``) it stops everything and
exits; otherwise the services run until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx

from broker.secure import SecureBroker
from broker.server import free_port
from simulator.accounts import DemoLogin, create_logins, migrate, plan_logins, station_ids
from simulator.api import ApiError, DispatchApi
from simulator.connection import BrokerUrl, parse_broker_url
from simulator.messages import text
from simulator.month import MonthRun, print_summary
from simulator.runner import Fleet
from simulator.scenario import PlannedDevice
from simulator.services import Service, ServiceFailed, pick_port

API_PORT = 8000
MQTT_PORT = 1883
METRICS_PORT = 9189
# Polsek accounts that act on their own station's incidents during the
# replay; the operator acts on the rest. Each login costs a password check.
ACTING_STATIONS = 3
# Holds the demo's process id, so a second demo does not empty a running one's state.
PID_FILE = "demo.pid"
# Half the heartbeat interval of the button supervision class (60 s).
HEARTBEAT_INTERVAL_S = 30.0


class DemoStopped(Exception):
    """SIGTERM or Ctrl-C arrived while the demo was starting or replaying."""


def running_demo(state_dir: Path) -> int | None:
    """Return the process id of a live demo that uses ``state_dir``, or None."""
    try:
        pid = int((state_dir / PID_FILE).read_text().strip())
    except (OSError, ValueError):
        return None
    if pid == os.getpid():
        return None
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None  # no such process (or no /proc to tell)
    # A process id of a finished demo may have been given to another program.
    return pid if b"ampera-sim" in command else None


@dataclass
class Demo:
    """The demo's services and what they were started with."""

    state_dir: Path
    window_s: float
    out: Callable[[str], None]
    lang: str = "id"
    gateway_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    broker: SecureBroker | None = None
    dispatch: Service | None = None
    gateway: Service | None = None
    api_url: str = ""
    metrics_port: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    # Tests set this so that a demo never competes for the contract's ports.
    free_ports: bool = False
    # The month's devices, kept online while the services run.
    fleet: Fleet | None = None
    # Polsek accounts to create, for the first stations; None creates one for each.
    station_accounts: int | None = None

    # -- start ------------------------------------------------------------

    def start(self) -> None:
        """Start broker, dispatch API and gateway; raise ServiceFailed naming the failed one."""
        if self.state_dir.exists():
            shutil.rmtree(self.state_dir)
        self.state_dir.mkdir(parents=True)
        (self.state_dir / PID_FILE).write_text(f"{os.getpid()}\n")
        self.out(text("state_dir", self.lang, path=self.state_dir))

        database_url = f"sqlite:///{(self.state_dir / 'dispatch.db').resolve()}"
        self.logins = plan_logins(station_ids()[: self.station_accounts])
        migrate(database_url)
        with ThreadPoolExecutor(1) as pool:
            # Hashing the passwords takes seconds; it overlaps the services' start.
            self.out(text("accounts", self.lang))
            accounts: Future[None] = pool.submit(create_logins, database_url, self.logins)
            try:
                self.start_broker()
                self.start_dispatch(database_url)
                self.start_gateway()
            finally:
                # Waits for the accounts; a service failure above still wins.
                problem = accounts.exception()
        if problem is not None:
            raise ServiceFailed(
                "ampera-dispatch create-user",
                f"failed: {problem}",
                self.state_dir / "dispatch.db",
                "",
            )

    def port(self, preferred: int) -> int:
        if self.free_ports:
            return free_port()
        port = pick_port(preferred)
        if port != preferred:
            self.out("  " + text("port_taken", self.lang, preferred=preferred, port=port))
        return port

    def start_broker(self) -> None:
        self.out(text("starting", self.lang, name="Mosquitto"))
        data_dir = self.state_dir / "mosquitto"
        log_path = data_dir / "mosquitto.log"
        try:
            # Both steps raise RuntimeError naming what is missing: the dynamic
            # security plugin, openssl for the development CA, or a free port.
            broker = SecureBroker(data_dir)
            broker.process.port = self.port(MQTT_PORT)
            self.broker = broker
            broker.start()
        except RuntimeError as exc:
            # Mosquitto prints errors found before it opens its log file on stdout.
            output = "\n".join(tail(path) for path in (log_path, data_dir / "stdout.log"))
            raise ServiceFailed("Mosquitto", str(exc), log_path, output) from None
        self.out(
            text(
                "started",
                self.lang,
                name="Mosquitto",
                address=f"mqtt://127.0.0.1:{broker.port}, mqtts://127.0.0.1:{broker.tls_port}, "
                f"ws://127.0.0.1:{broker.ws_port}",
            )
        )

    def start_dispatch(self, database_url: str) -> None:
        assert self.broker is not None
        port = self.port(API_PORT)
        self.api_url = f"http://127.0.0.1:{port}"
        env = {
            "AMPERA_DATABASE_URL": database_url,
            "AMPERA_HOST": "127.0.0.1",
            "AMPERA_PORT": str(port),
            "AMPERA_GATEWAY_TOKEN": self.gateway_token,
            "AMPERA_BROKER_ADMIN_URL": self.broker.admin_url,
            "AMPERA_MQTT_WS_URL": f"ws://127.0.0.1:{self.broker.ws_port}",
            "AMPERA_DISPATCH_STATE_DIR": str(self.state_dir / "dispatch"),
            "AMPERA_LOG_LEVEL": "INFO",
        }
        health = f"{self.api_url}/healthz"
        self.dispatch = Service(
            "ampera-dispatch",
            ["ampera-dispatch", "serve"],
            env,
            self.state_dir / "dispatch.log",
            ready=lambda: httpx.get(health, timeout=1).status_code == 200,
        )
        self.out(text("starting", self.lang, name="ampera-dispatch"))
        self.dispatch.start(timeout_s=60)
        self.out(text("started", self.lang, name="ampera-dispatch", address=self.api_url))

    def start_gateway(self) -> None:
        assert self.broker is not None
        self.metrics_port = self.port(METRICS_PORT)
        metrics = f"http://127.0.0.1:{self.metrics_port}/metrics"
        env = {
            "AMPERA_MQTT_URL": self.broker.gateway_url,
            "AMPERA_DISPATCH_URL": self.api_url,
            "AMPERA_GATEWAY_TOKEN": self.gateway_token,
            "AMPERA_STATE_DIR": str(self.state_dir / "gateway"),
            "AMPERA_CONFIRM_WINDOW_S": f"{self.window_s:g}",
            "AMPERA_GATEWAY_METRICS_PORT": str(self.metrics_port),
            # Staff actions reach the devices as feedback within half a second.
            "AMPERA_GATEWAY_CHANGES_POLL_S": "0.5",
            "AMPERA_GATEWAY_STATUS_INTERVAL_S": "2",
            "AMPERA_LOG_LEVEL": "INFO",
        }

        def subscribed() -> bool:
            return "\nampera_gateway_mqtt_connected 1.0" in httpx.get(metrics, timeout=1).text

        self.gateway = Service(
            "ampera-gateway", ["ampera-gateway"], env, self.state_dir / "gateway.log", subscribed
        )
        self.out(text("starting", self.lang, name="ampera-gateway"))
        self.gateway.start(timeout_s=60)
        self.out(text("started", self.lang, name="ampera-gateway", address=metrics))

    # -- replay -----------------------------------------------------------

    def login(self, role: str) -> DispatchApi:
        account = next(login for login in self.logins if login.role == role)
        return DispatchApi.login(self.api_url, account.username, account.password)

    def device_broker(self, device: PlannedDevice) -> BrokerUrl:
        """Buttons connect over TLS as in the field; app users over WebSocket as the web app."""
        assert self.broker is not None
        if device.source == "app":
            return parse_broker_url(f"ws://127.0.0.1:{self.broker.ws_port}")
        return parse_broker_url(
            f"mqtts://127.0.0.1:{self.broker.tls_port}", ca_file=str(self.broker.ca_file)
        )

    def replay(self, args: argparse.Namespace) -> int:
        """Replay the month and print the summary; return 0 when the API's figures match."""
        admin = self.login("admin")
        acting = station_ids()[:ACTING_STATIONS]
        station_staff = {
            login.polsek: DispatchApi.login(self.api_url, login.username, login.password)
            for login in self.logins
            if login.polsek in acting
        }
        run = MonthRun(
            admin,
            self.device_broker,
            self.out,
            self.lang,
            station_staff,
            twin_dir=self.state_dir / "twins" if args.twin_buttons else None,
        )
        result = run.run(args, keep_connected=not args.once)
        self.fleet = run.fleet
        names = {station.id: station.name for station in run.stations()}
        print_summary(result, names, self.out, self.lang)
        self.print_next_steps()
        return 1 if result.mismatches else 0

    def print_next_steps(self) -> None:
        assert self.broker is not None
        out = self.out
        out("")
        out(text("next_title", self.lang) + " / " + text("next_title", other(self.lang)) + ":")
        rows = [
            ("API", self.api_url),
            ("API docs (OpenAPI)", f"{self.api_url}/docs"),
            ("Konsol staf / Staff console", f"{self.api_url}/console/"),
            ("Aplikasi warga / Citizen app", f"{self.api_url}/app/"),
            ("Statistik / Statistics", f"{self.api_url}/v1/stats"),
            ("Gateway /metrics", f"http://127.0.0.1:{self.metrics_port}/metrics"),
            ("MQTT", f"mqtt://127.0.0.1:{self.broker.port}"),
            ("MQTT TLS", f"mqtts://127.0.0.1:{self.broker.tls_port}"),
            ("MQTT WebSocket", f"ws://127.0.0.1:{self.broker.ws_port}"),
            ("CA", str(self.broker.ca_file)),
            ("Log", str(self.state_dir / "*.log")),
        ]
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            out(f"  {name.ljust(width)}  {value}")
        out("")
        out(text("logins_title", self.lang) + ":")
        width = max(len(login.username) for login in self.logins)
        for login in self.logins:
            role = login.role + (f" ({login.polsek})" if login.polsek else "")
            out(f"  {login.username.ljust(width)}  {login.password}  {role}")

    # -- stop -------------------------------------------------------------

    def keep_devices_online(self, stop: threading.Event) -> None:
        """Send the devices' heartbeats until ``stop`` is set.

        A button that stays silent past its supervision class's reporting
        time is listed as needing attention in the console.
        """
        while self.fleet is not None and not stop.wait(HEARTBEAT_INTERVAL_S):
            self.fleet.heartbeat()

    def stop(self) -> None:
        """Close the devices, then stop the gateway, the API and the broker with SIGTERM."""
        self.out(text("stopping", self.lang))
        if self.fleet is not None:
            self.fleet.close()
            self.fleet = None
        for service in (self.gateway, self.dispatch):
            if service is not None:
                service.stop()
        if self.broker is not None:
            self.broker.stop()
        (self.state_dir / PID_FILE).unlink(missing_ok=True)
        self.out(text("stopped", self.lang))


def other(lang: str) -> str:
    return "en" if lang == "id" else "id"


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def run_demo(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    lang = args.lang
    out(text("demo_title", lang))
    out(text("demo_title", other(lang)))
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop_requested.is_set():
            return
        stop_requested.set()
        raise DemoStopped(signal.Signals(signum).name)

    busy = running_demo(Path(args.state_dir))
    if busy is not None:
        out(text("demo_busy", lang, pid=busy, path=args.state_dir))
        return 1
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    demo = Demo(
        Path(args.state_dir),
        args.window,
        out,
        lang,
        free_ports=args.free_ports,
        station_accounts=args.station_accounts,
    )
    code = 0
    try:
        demo.start()
        code = demo.replay(args)
        if not args.once:
            out("")
            out(text("running", lang))
            threading.Thread(
                target=demo.keep_devices_online, args=(stop_requested,), daemon=True
            ).start()
            stop_requested.wait()
    except DemoStopped:
        pass
    except ServiceFailed as exc:
        out(text("service_failed", lang, name=exc.name, problem=exc.problem, log=exc.log_path))
        out(exc.log_tail)
        code = 1
    except (ApiError, ConnectionError, httpx.HTTPError) as exc:
        out(text("api_failed", lang, error=exc))
        code = 1
    finally:
        # A second Ctrl-C while stopping is ignored, so every service is stopped.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            demo.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    return code

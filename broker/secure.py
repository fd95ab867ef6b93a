"""Start a secure development broker: accounts, ACLs, TLS and WebSocket.

Used by the tests and the demo. It makes a development CA with
``broker/make-dev-ca.sh``, writes the first dynamic-security file with an
admin and a gateway account, and renders ``dev/mosquitto-secure.conf.in``
through :class:`broker.server.MosquittoProcess`.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from broker import dynsec
from broker.server import BROKER_DIR, MosquittoProcess, free_port

DYNSEC_PLUGIN_PATHS = (
    "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
    "/usr/lib/mosquitto_dynamic_security.so",
    "/usr/local/lib/mosquitto_dynamic_security.so",
)


def find_dynsec_plugin() -> str:
    """Return the dynamic security plugin's path or raise RuntimeError saying what to install."""
    for path in DYNSEC_PLUGIN_PATHS:
        if Path(path).exists():
            return path
    raise RuntimeError(
        "mosquitto_dynamic_security.so not found: install it with "
        "'sudo apt-get install mosquitto' (Mosquitto 2.0 or newer)"
    )


def make_dev_ca(cert_dir: Path, *names: str) -> Path:
    """Write ca.crt, server.crt and server.key into ``cert_dir`` with the development script."""
    script = BROKER_DIR / "make-dev-ca.sh"
    result = subprocess.run(
        ["sh", str(script), str(cert_dir), *names], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"make-dev-ca.sh failed: {result.stderr.strip()}")
    return Path(cert_dir)


@dataclass
class SecureBroker:
    """A secure development broker and the service accounts it was created with."""

    data_dir: Path
    admin_username: str = "ampera-admin"
    gateway_username: str = "ampera-gateway"
    admin_password: str = field(default_factory=dynsec.generate_password)
    gateway_password: str = field(default_factory=dynsec.generate_password)
    devices: dict[str, str] = field(default_factory=dict)
    process: MosquittoProcess = field(init=False)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        self.cert_dir = self.data_dir / "certs"
        self.dynsec_file = self.data_dir / "dynamic-security.json"
        self.tls_port = free_port()
        self.ws_port = free_port()
        self.process = MosquittoProcess(
            self.data_dir,
            template="dev/mosquitto-secure.conf.in",
            tls_port=self.tls_port,
            ws_port=self.ws_port,
            cert_dir=self.cert_dir,
            dynsec_file=self.dynsec_file,
            dynsec_plugin=find_dynsec_plugin(),
        )

    @property
    def port(self) -> int:
        return self.process.port

    @property
    def ca_file(self) -> Path:
        return self.cert_dir / "ca.crt"

    def url(self, username: str, password: str, scheme: str = "mqtt") -> str:
        """Return ``mqtt://``, ``mqtts://`` or ``ws://`` URL with the given account."""
        port = {"mqtt": self.port, "mqtts": self.tls_port, "ws": self.ws_port}[scheme]
        return f"{scheme}://{username}:{password}@127.0.0.1:{port}"

    @property
    def admin_url(self) -> str:
        return self.url(self.admin_username, self.admin_password)

    @property
    def gateway_url(self) -> str:
        return self.url(self.gateway_username, self.gateway_password)

    @property
    def service_accounts_file(self) -> Path:
        return self.data_dir / "service-accounts.json"

    def prepare(self) -> None:
        """Write certificates and the first dynsec file unless they exist (a restart keeps them).

        The admin and gateway passwords are kept beside the dynsec file, so a
        new ``SecureBroker`` on the same directory (the demo started again)
        logs in with the passwords whose hashes the plugin stored.
        """
        if not self.ca_file.exists():
            make_dev_ca(self.cert_dir)
        if self.dynsec_file.exists() and self.service_accounts_file.exists():
            saved = json.loads(self.service_accounts_file.read_text())
            self.admin_username, self.admin_password = saved["admin"]
            self.gateway_username, self.gateway_password = saved["gateway"]
            return
        config = dynsec.build_config(
            (self.admin_username, self.admin_password),
            (self.gateway_username, self.gateway_password),
            self.devices,
        )
        dynsec.write_config(self.dynsec_file, config)
        # Development only: production keeps these passwords in the services'
        # own configuration, never in clear next to the broker.
        dynsec.write_config(
            self.service_accounts_file,
            {
                "admin": [self.admin_username, self.admin_password],
                "gateway": [self.gateway_username, self.gateway_password],
            },
        )

    def start(self, timeout_s: float = 10.0) -> None:
        self.prepare()
        self.process.start(timeout_s)

    def stop(self) -> None:
        self.process.stop()

    def kill(self) -> None:
        self.process.kill()

    def restart(self) -> None:
        self.process.restart()

    def __enter__(self) -> SecureBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    """Run a secure development broker in the foreground until Ctrl-C or SIGTERM.

    ``python -m broker.secure var/broker`` starts it and prints the URLs with
    the admin and gateway accounts, which the dispatch API
    (``AMPERA_BROKER_ADMIN_URL``) and the gateway (``AMPERA_MQTT_URL``) need.
    """
    import argparse
    import signal
    import time

    parser = argparse.ArgumentParser(
        prog="python -m broker.secure",
        description="Secure development broker: dynamic-security accounts, TLS, WebSocket.",
    )
    parser.add_argument("data_dir", type=Path, help="folder for certificates, accounts, data")
    parser.add_argument("--port", type=int, default=0, help="plain MQTT port (0: a free port)")
    parser.add_argument("--tls-port", type=int, default=0, help="MQTT over TLS port (0: free)")
    parser.add_argument("--ws-port", type=int, default=0, help="MQTT over WebSocket port (0: free)")
    args = parser.parse_args(argv)

    broker = SecureBroker(args.data_dir.resolve())
    if args.port:
        broker.process.port = args.port
    if args.tls_port:
        broker.tls_port = broker.process.values["tls_port"] = args.tls_port
    if args.ws_port:
        broker.ws_port = broker.process.values["ws_port"] = args.ws_port

    stopped = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopped
        stopped = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    broker.start()
    print(f"AMPERA_BROKER_ADMIN_URL={broker.admin_url}")
    print(f"AMPERA_MQTT_URL={broker.gateway_url}   # the gateway's account")
    print(f"AMPERA_MQTT_WS_URL=ws://127.0.0.1:{broker.ws_port}")
    print(f"MQTT over TLS: mqtts://127.0.0.1:{broker.tls_port} with CA {broker.ca_file}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stopped and broker.process.process is not None:
            if broker.process.process.poll() is not None:
                print(f"mosquitto exited; see {broker.data_dir / 'mosquitto.log'}")
                return 1
            time.sleep(0.5)
    finally:
        broker.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

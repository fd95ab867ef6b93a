"""Start, stop and restart a Mosquitto process with the project's configuration.

Used by the test fixtures and by the demo, so both run the broker exactly as
configured in ``broker/``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from pathlib import Path

BROKER_DIR = Path(__file__).resolve().parent


def find_mosquitto() -> str:
    """Return the path of the mosquitto binary or raise RuntimeError saying what to install."""
    path = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None
    )
    if path is None:
        raise RuntimeError("mosquitto not found: install it with 'sudo apt-get install mosquitto'")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


class MosquittoProcess:
    """One Mosquitto broker rendered from a template in ``broker/``.

    ``template`` is relative to ``broker/``; extra keyword values fill further
    placeholders of that template.
    """

    def __init__(
        self,
        data_dir: Path,
        port: int | None = None,
        template: str = "dev/mosquitto.conf.in",
        **values: object,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.template = BROKER_DIR / template
        self.values = values
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "mosquitto.conf"

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        text = self.template.read_text().format(
            port=self.port, data_dir=self.data_dir, broker_dir=BROKER_DIR, **self.values
        )
        self.config_path.write_text(text)
        self._give_to_mosquitto_user()
        return self.config_path

    def _give_to_mosquitto_user(self) -> None:
        # Started as root, Mosquitto switches to the 'mosquitto' user, which
        # must own its persistence and log files.
        if os.geteuid() != 0:
            return
        try:
            user = pwd.getpwnam("mosquitto")
        except KeyError:
            return
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
        # pytest makes its temporary directories 0700 for root, so the
        # 'mosquitto' user could not reach its own files below them (the log
        # file, the persistence file, certificates). Adding search permission
        # for others lets it pass through without letting anyone list them.
        # Only directories inside the system temporary directory are changed.
        temp_root = Path(tempfile.gettempdir()).resolve()
        for parent in self.data_dir.resolve().parents:
            if temp_root not in parent.parents:
                continue
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                os.chmod(parent, stat.S_IMODE(mode) | stat.S_IXOTH)

    def start(self, timeout_s: float = 10.0) -> None:
        self.write_config()
        log = open(self.data_dir / "stdout.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [find_mosquitto(), "-c", str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        try:
            wait_for_port(self.port, timeout_s)
        except TimeoutError:
            self.stop()
            raise RuntimeError(
                f"mosquitto did not start on port {self.port}; see {self.data_dir}/mosquitto.log"
            ) from None

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop gracefully (SIGTERM), which saves the persistence file."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        """Stop abruptly (SIGKILL): whatever was not yet saved is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def reload(self) -> None:
        """Ask the broker to re-read its configuration (SIGHUP)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)

    def __enter__(self) -> MosquittoProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Run the demo's services (dispatch API, gateway) as subprocesses and pick their ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from broker.server import free_port

VENV_BIN = Path(sys.executable).parent


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def pick_port(preferred: int) -> int:
    """Return ``preferred`` when nothing listens there on 127.0.0.1, else a free port."""
    return preferred if port_is_free(preferred) else free_port()


class ServiceFailed(RuntimeError):
    """A service exited or did not become ready; ``log_tail`` is the end of its output."""

    def __init__(self, name: str, problem: str, log_path: Path, log_tail: str) -> None:
        super().__init__(f"{name} {problem}")
        self.name = name
        self.problem = problem
        self.log_path = log_path
        self.log_tail = log_tail


class Service:
    """One console script in its own process, its output in ``log_path``.

    ``ready`` is polled after the start until it returns True; an exception
    from it means "not ready yet".
    """

    def __init__(
        self,
        name: str,
        args: list[str],
        env: Mapping[str, str],
        log_path: Path,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        script = VENV_BIN / args[0]
        self.name = name
        self.args = [str(script) if script.exists() else args[0], *args[1:]]
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.ready = ready
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the process and wait until it is ready; raise ServiceFailed."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            # A new session keeps the terminal's Ctrl-C away from the service,
            # so the demo stops services in order with SIGTERM.
            self.process = subprocess.Popen(
                self.args,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        if self.ready is None:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            code = self.process.poll()
            if code is not None:
                raise self.failure(f"exited with code {code} while starting")
            try:
                if self.ready():
                    return
            except Exception:  # noqa: BLE001 - any failure means "not ready yet"
                pass
            time.sleep(0.1)
        raise self.failure(f"was not ready after {timeout_s:g} s")

    def failure(self, problem: str) -> ServiceFailed:
        return ServiceFailed(self.name, problem, self.log_path, self.log_tail())

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """Send SIGTERM, wait, then SIGKILL if needed; return the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        self.process = None
        return code

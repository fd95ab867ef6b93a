"""Run the project's services as real subprocesses for integration tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


class ServiceProcess:
    """A console script (``ampera-gateway``, ``ampera-dispatch serve``...) in its own process.

    ``ready`` is polled after start until it returns True; its exceptions
    count as "not ready yet". Output goes to ``log_path``.
    """

    def __init__(
        self,
        args: list[str],
        env: Mapping[str, str],
        log_path: Path,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        program = VENV_BIN / args[0]
        self.args = [str(program) if program.exists() else args[0], *args[1:]]
        self.env = {**os.environ, **env}
        self.log_path = Path(log_path)
        self.ready = ready
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 20.0) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        if self.ready is None:
            return
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.args[0]} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            try:
                if self.ready():
                    return
            except Exception:  # noqa: BLE001 - any failure means "not ready yet"
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.args[0]} not ready after {timeout_s} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def terminate(self, timeout_s: float = 15.0) -> int | None:
        """Send SIGTERM and wait; return the exit code."""
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

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up, as in a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> ServiceProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.terminate()

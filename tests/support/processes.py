"""Run the project's services as real subprocesses for integration tests.

The demo starts its services with ``simulator.services.Service``; the tests
use the same class, with a crash (SIGKILL) and a context manager added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from simulator.services import Service


class ServiceProcess(Service):
    """A console script (``ampera-gateway``, ``ampera-dispatch serve``...) in its own process.

    ``ready`` is polled after start until it returns True; its exceptions
    count as "not ready yet". Output goes to ``log_path``. A process that
    exits or is not ready in time raises ``ServiceFailed`` (a RuntimeError)
    with the end of its log.
    """

    def __init__(
        self,
        args: list[str],
        env: Mapping[str, str],
        log_path: Path,
        ready: Callable[[], bool] | None = None,
    ) -> None:
        super().__init__(Path(args[0]).name, args, env, Path(log_path), ready)

    def terminate(self, timeout_s: float = 15.0) -> int | None:
        """Send SIGTERM and wait; return the exit code."""
        return self.stop(timeout_s)

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

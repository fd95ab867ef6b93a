"""Structured ``key=value`` log lines and a per-error rate limit."""

from __future__ import annotations

import logging
import logging.handlers
import queue
import threading
import time
from collections.abc import Callable

LOG_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"


class _PahoStopNoise(logging.Filter):
    """Demote paho 2.2's "Client is not connected" error, logged by its loop after disconnect."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and str(record.msg).startswith(
            "Client is not connected"
        ):
            record.levelno = logging.DEBUG
            record.levelname = "DEBUG"
            return logging.getLogger("paho").isEnabledFor(logging.DEBUG)
        return True


def configure(level: str) -> logging.handlers.QueueListener:
    """Set up logging for the ``ampera-gateway`` process; only the entry point calls it.

    Records go through a queue to a writer thread, so the processor does not
    wait for the write and flush of each line (about a fifth of its time in
    a profile of an 8,000-event drain). The caller stops the returned
    listener at exit, which writes what is still queued.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = logging.handlers.QueueListener(records, handler)
    # The queue handler formats only the message: the writer thread adds the
    # time, level and logger with LOG_FORMAT. basicConfig's default format
    # would put "INFO:gateway:" inside the message as well.
    logging.basicConfig(
        level=level, handlers=[logging.handlers.QueueHandler(records)], format="%(message)s"
    )
    listener.start()
    paho = logging.getLogger("paho")
    # paho logs every packet at DEBUG; its warnings and errors are still wanted.
    paho.setLevel(max(logging.getLevelName(level), logging.INFO))
    paho.addFilter(_PahoStopNoise())
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return listener


def _quote(value: object) -> str:
    text = str(value)
    if text == "" or any(char in text for char in ' "=\n'):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    return text


def kv(event: str, **fields: object) -> str:
    """Format ``event key=value ...``; values with spaces or quotes are quoted."""
    parts = [event]
    parts.extend(f"{key}={_quote(value)}" for key, value in fields.items())
    return " ".join(parts)


class RateLimitedLog:
    """Log each distinct error key at most once per ``interval_s``, counting the rest.

    A flood of the same bad message or the same connection failure then
    yields one line per interval with ``suppressed=N``.
    """

    def __init__(
        self,
        logger: logging.Logger,
        interval_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval_s = interval_s
        self.clock = clock
        self._last: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def log(self, level: int, key: str, event: str, **fields: object) -> bool:
        """Log unless ``key`` was logged within the interval; return True when logged."""
        now = self.clock()
        with self._lock:
            last = self._last.get(key)
            if last is not None and now - last[0] < self.interval_s:
                self._last[key] = (last[0], last[1] + 1)
                return False
            suppressed = last[1] if last else 0
            self._last[key] = (now, 0)
            if len(self._last) > 10_000:
                self._last.clear()
        if suppressed:
            fields["suppressed"] = suppressed
        self.logger.log(level, kv(event, **fields))
        return True

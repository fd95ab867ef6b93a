"""Rate limiting in a sliding window: failed logins per username, registrations per address.

Pure logic with the time passed in. The state lives in the process, so a
restart forgets it and several API processes would each count on their own.
"""

from __future__ import annotations

import threading
from collections import deque


class SlidingWindowLimiter:
    """Allow at most ``max_events`` recorded events per key within ``window_s`` seconds."""

    def __init__(self, max_events: int, window_s: float) -> None:
        self.max_events = max_events
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, now: float) -> float | None:
        """Return seconds until ``key`` may try again, or None when it may try now."""
        with self._lock:
            failures = self._prune(key, now)
            if not failures:
                # Forget keys with nothing recent, so random usernames cannot fill memory.
                del self._failures[key]
                return None
            if len(failures) < self.max_events:
                return None
            return max(0.0, failures[0] + self.window_s - now)

    def record(self, key: str, now: float) -> None:
        with self._lock:
            self._prune(key, now).append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _prune(self, key: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

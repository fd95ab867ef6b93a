# Millisecond tick arithmetic. On the board ticks_ms() wraps (every 2**30 ms
# on the ESP32), so every interval goes through diff() and add(). Under
# CPython the twin and the tests pass plain, non-wrapping integers.

try:
    from time import ticks_add as add
    from time import ticks_diff as diff
except ImportError:

    def diff(end, start):
        return end - start

    def add(start, delta_ms):
        return start + delta_ms


def due(now, deadline):
    """True once `now` has reached `deadline` (both tick values)."""
    return deadline is not None and diff(now, deadline) >= 0

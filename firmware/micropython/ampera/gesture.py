# Button input in three layers: a debouncer per pin, a recogniser state
# machine per button with named timers, and one table that maps gestures to
# event types. Times are tick milliseconds passed in by the caller; nothing
# here reads a clock or a pin.

from ampera import clock

# Gesture names. Strings, because they are logged and used as table keys.
PANIC_SHORT = "panic_short"
PANIC_HOLD = "panic_hold"
CANCEL_HOLD = "cancel_hold"
CANCEL_LONG_HOLD = "cancel_long_hold"

# The one place where a gesture becomes an event type of the contract.
GESTURE_EVENTS = {
    PANIC_SHORT: "press",
    PANIC_HOLD: "hold",
    CANCEL_HOLD: "cancel",
    CANCEL_LONG_HOLD: "test",
}


class Debouncer:
    """Accepts a new level only after it has stayed unchanged for debounce_ms.

    Raw edges come from the pin interrupt with their own tick time, so a
    late poll still measures durations from the real edges.
    """

    def __init__(self, debounce_ms, pressed=False):
        self.debounce_ms = debounce_ms
        self.stable = pressed
        self.candidate = pressed
        self.candidate_t = 0

    def feed(self, t, pressed):
        """Record one raw edge; returns a settled (pressed, t) first, if one became due before t."""
        settled = self.poll(t)
        if pressed != self.candidate:
            self.candidate = pressed
            self.candidate_t = t
        return settled

    def poll(self, now):
        """Return (pressed, t) when the candidate level has been stable long enough, else None."""
        if self.candidate == self.stable:
            return None
        if clock.diff(now, self.candidate_t) < self.debounce_ms:
            return None
        self.stable = self.candidate
        return (self.stable, self.candidate_t)

    def force(self, pressed, t):
        """Set the level without debouncing (a wake from deep sleep by this button)."""
        self.stable = self.candidate = pressed
        self.candidate_t = t


class Recogniser:
    """Turns debounced levels of one button into gestures.

    short: gesture for a release after at least press_min_ms and before the
    first hold step (None: short presses mean nothing on this button).
    holds: ((hold_ms, gesture), ...) ascending; each fires once, while the
    button is still down, when the press has lasted hold_ms.
    """

    def __init__(self, press_min_ms, short, holds):
        self.press_min_ms = press_min_ms
        self.short = short
        self.holds = holds
        self.down_t = None
        self.fired = 0  # number of hold steps already fired in this press
        self.presses = 0  # short presses so far in this burst, for logs

    def level(self, pressed, t):
        """Apply one debounced level change; return a gesture or None."""
        if pressed:
            if self.down_t is None:
                self.down_t = t
                self.fired = 0
            return None
        if self.down_t is None:
            return None
        held_ms = clock.diff(t, self.down_t)
        fired = self.fired
        self.down_t = None
        self.fired = 0
        if fired or held_ms < self.press_min_ms or self.short is None:
            return None
        self.presses += 1
        return self.short

    def poll(self, now):
        """Return a hold gesture whose time has come while the button is down, else None."""
        if self.down_t is None or self.fired >= len(self.holds):
            return None
        hold_ms, gesture = self.holds[self.fired]
        if clock.diff(now, self.down_t) < hold_ms:
            return None
        self.fired += 1
        return gesture

    @property
    def is_down(self):
        return self.down_t is not None


class Button:
    """Debouncer plus recogniser for one physical button."""

    def __init__(self, name, debounce_ms, press_min_ms, short, holds):
        self.name = name
        self.debouncer = Debouncer(debounce_ms)
        self.recogniser = Recogniser(press_min_ms, short, holds)

    def edge(self, t, pressed, out):
        """Feed one raw edge; append any gestures to `out`."""
        settled = self.debouncer.feed(t, pressed)
        if settled is not None:
            self._settle(settled, out)

    def poll(self, now, out):
        """Advance the timers to `now`; append any gestures to `out`."""
        settled = self.debouncer.poll(now)
        if settled is not None:
            self._settle(settled, out)
        gesture = self.recogniser.poll(now)
        if gesture is not None:
            out.append(gesture)

    def _settle(self, settled, out):
        pressed, t = settled
        # A hold that became due before this release still counts.
        if not pressed:
            gesture = self.recogniser.poll(t)
            if gesture is not None:
                out.append(gesture)
        gesture = self.recogniser.level(pressed, t)
        if gesture is not None:
            out.append(gesture)

    def wake_press(self, t, still_down):
        """Replay the press that woke the chip from deep sleep.

        The pin may already be released when the firmware starts, so the
        caller knows of the press from the wake reason, not from the pin.
        """
        self.debouncer.force(True, t)
        self.recogniser.level(True, t)
        if not still_down:
            release_t = clock.add(t, self.recogniser.press_min_ms)
            self.debouncer.force(False, release_t)
            gesture = self.recogniser.level(False, release_t)
            return gesture
        return None

    @property
    def is_down(self):
        return self.recogniser.is_down or self.debouncer.candidate


def panic_button(timings):
    return Button(
        "panic",
        timings["debounce_ms"],
        timings["press_min_ms"],
        PANIC_SHORT,
        ((timings["hold_min_ms"], PANIC_HOLD),),
    )


def cancel_button(timings):
    return Button(
        "cancel",
        timings["debounce_ms"],
        timings["press_min_ms"],
        None,
        ((timings["cancel_hold_ms"], CANCEL_HOLD), (timings["test_hold_ms"], CANCEL_LONG_HOLD)),
    )

# LED and buzzer patterns as data, and a player that turns the current
# indication into pin levels for a given tick time. The meaning of every
# pattern is written down for the person who has the button in
# docs/id/panduan-tombol.md; change both together.

from ampera import clock

# Indications, from the device's point of view.
IDLE = "idle"
SENDING = "sending"  # an event is on its way to the broker
QUEUED_OFFLINE = "queued_offline"  # events wait in flash, no connection
PENDING = "pending"  # confirm window running: cancel is still possible
CONFIRMED = "confirmed"
UNCONFIRMED = "unconfirmed"  # window ran out: forwarded to staff to verify
ACKNOWLEDGED = "acknowledged"  # a Polsek has taken the alert
DISPATCHED = "dispatched"  # officers are on the way
CANCELLED = "cancelled"
TEST = "test"
LOW_BATTERY = "low_battery"
CONFIG_ERROR = "config_error"
MAINTENANCE = "maintenance"

# LED: alternating on/off durations in ms, starting with on, repeated.
# Buzzer: the same form, played once when the indication starts.
LED_PATTERNS = {
    IDLE: (0, 1000),
    SENDING: (100, 100),
    QUEUED_OFFLINE: (100, 1900),
    PENDING: (500, 500),
    CONFIRMED: (1000, 0),
    UNCONFIRMED: (1000, 0),
    ACKNOWLEDGED: (150, 150, 150, 1550),
    DISPATCHED: (150, 150, 150, 150, 150, 1250),
    CANCELLED: (100, 100, 100, 100, 100, 1500),
    TEST: (50, 50),
    LOW_BATTERY: (50, 9950),
    CONFIG_ERROR: (200, 200, 200, 200, 200, 200, 1000, 1000),
    MAINTENANCE: (50, 450),
}
BUZZER_PATTERNS = {
    SENDING: (80,),
    CONFIRMED: (400,),
    UNCONFIRMED: (400,),
    ACKNOWLEDGED: (150, 100, 150),
    DISPATCHED: (150, 100, 150, 100, 150),
    CANCELLED: (80, 80, 80, 80, 80),
    TEST: (50, 50, 50),
    CONFIG_ERROR: (1000,),
}


def level_at(pattern, elapsed_ms, repeat=True):
    """Return True when the pattern is in an 'on' phase elapsed_ms after it started."""
    period = 0
    for d in pattern:
        period += d
    if period == 0:
        return False
    if elapsed_ms >= period:
        if not repeat:
            return False
        elapsed_ms %= period
    on = True
    for d in pattern:
        if elapsed_ms < d:
            return on
        elapsed_ms -= d
        on = not on
    return False


class Player:
    """Plays one indication at a time on the LED and, when enabled, the buzzer."""

    def __init__(self, buzzer_enabled):
        self.buzzer_enabled = buzzer_enabled
        self.current = IDLE
        self.started = 0

    def show(self, indication, now):
        """Switch to an indication; returns True when it changed (the buzzer restarts)."""
        if indication == self.current:
            return False
        self.current = indication
        self.started = now
        return True

    def led(self, now):
        return level_at(LED_PATTERNS[self.current], clock.diff(now, self.started))

    def buzzer(self, now):
        if not self.buzzer_enabled:
            return False
        pattern = BUZZER_PATTERNS.get(self.current)
        if pattern is None:
            return False
        return level_at(pattern, clock.diff(now, self.started), repeat=False)

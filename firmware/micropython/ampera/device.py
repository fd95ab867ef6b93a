# The device's alert state machine: gestures become queued events, broker
# acknowledgements and the gateway's feedback move the current alert along,
# and indication() names what the LED shows. No I/O and no clock reads: the
# caller passes tick times and wall-clock milliseconds.

from ampera import clock, gesture, indicator, payload

# Decisions on a gesture, logged by the caller.
EMITTED = "emitted"
IGNORED_NO_ALERT = "ignored_no_alert"  # cancel with nothing to cancel
IGNORED_ALERT_OPEN = "ignored_alert_open"  # test while an alert is open

# Local alert states besides the contract's feedback states.
QUEUED = "queued"  # event in the outbox, no PUBACK yet
SENT = "sent"  # PUBACK received, no feedback yet
CANCEL_QUEUED = "cancel_queued"
CANCEL_SENT = "cancel_sent"

# States after which the alert is shown for result_show_ms and then closed.
CLOSING_STATES = ("cancelled", "resolved", "test")
SHOWN_AS = {
    "confirmed": indicator.CONFIRMED,
    "unconfirmed": indicator.UNCONFIRMED,
    "acknowledged": indicator.ACKNOWLEDGED,
    "dispatched": indicator.DISPATCHED,
    "cancelled": indicator.CANCELLED,
    "test": indicator.TEST,
    "resolved": indicator.IDLE,
}
MAX_ALERT_IDS = 8


class Alert:
    """The alert the person is in, from the first press until it closes."""

    def __init__(self, first_id, is_test, now):
        self.first_id = first_id
        self.ids = [first_id]
        self.is_test = is_test
        self.state = QUEUED
        self.since = now
        self.window_end = None
        self.cancelled_here = False

    def set(self, state, now):
        self.state = state
        self.since = now


class Device:
    def __init__(self, cfg, outbox, log=None):
        self.cfg = cfg
        self.t = cfg["timings"]
        self.outbox = outbox
        self.log = log or (lambda *a: None)
        self.alert = None
        self.seq_types = {}  # seq -> (event id, type) of queued events of this run
        self.last_activity = 0
        self.evicted = 0

    # Gestures and events

    def on_gesture(self, name, now, wall_ms, bat):
        """Queue the event a gesture stands for; return a decision name."""
        event_type = gesture.GESTURE_EVENTS[name]
        self.last_activity = now
        alert = self._live_alert(now)
        alert_ref = None
        if event_type == "cancel":
            if alert is None or alert.is_test or alert.cancelled_here:
                return IGNORED_NO_ALERT
            alert_ref = alert.first_id
        elif event_type == "test" and alert is not None:
            return IGNORED_ALERT_OPEN

        seq, event_id = self.outbox.next_id()
        data = payload.event(event_id, event_type, seq, wall_ms, bat, alert_ref)
        evicted = self.outbox.add(seq, event_type, data)
        if evicted is not None:
            self.evicted += 1
            self.log("queue_full action=%s dropped_total=%d" % (evicted, self.outbox.dropped))
        self.seq_types[seq] = (event_id, event_type)

        if event_type == "cancel":
            alert.cancelled_here = True
            alert.set(CANCEL_QUEUED, now)
        elif alert is None or alert.cancelled_here or alert.is_test:
            # A press after a cancel here, or after a test, is a new alert for the LED.
            self.alert = Alert(event_id, event_type == "test", now)
        else:
            if len(alert.ids) < MAX_ALERT_IDS:
                alert.ids.append(event_id)
            if alert.state in (SENT, QUEUED):
                alert.set(QUEUED, now)
        self.log("event_queued id=%s type=%s seq=%d queued=%d" % (event_id, event_type, seq, len(self.outbox)))
        return EMITTED

    def on_puback(self, seq, now):
        """Record the broker's PUBACK for the event with this seq."""
        info = self.seq_types.pop(seq, None)
        alert = self.alert
        if info is None or alert is None:
            return
        event_id, event_type = info
        if event_type == "cancel" and alert.state == CANCEL_QUEUED:
            alert.set(CANCEL_SENT, now)
        elif event_id in alert.ids and alert.state == QUEUED:
            alert.set(SENT, now)

    def on_feedback(self, data, now):
        """Apply a feedback payload; return the new state or None when ignored."""
        parsed = payload.parse_feedback(data)
        if parsed is None:
            self.log("feedback_invalid bytes=%d" % len(data))
            return None
        alert_id, state, remaining_s = parsed
        alert = self.alert
        if alert is None:
            # After a reboot the device has lost its alert. Feedback from the
            # station still shows the person that help is coming.
            if state not in ("acknowledged", "dispatched"):
                return None
            alert = self.alert = Alert(alert_id, False, now)
        elif alert_id not in alert.ids:
            self.log("feedback_stale alert=%s current=%s" % (alert_id, alert.first_id))
            return None
        if alert.cancelled_here and state != "cancelled":
            # The person cancelled here, maybe under duress: the LED keeps
            # showing "cancelled" whatever the station does next.
            return None
        if state == "pending":
            alert.window_end = clock.add(now, int(remaining_s * 1000))
        alert.set(state, now)
        self.last_activity = now
        return state

    # What to show

    def _live_alert(self, now):
        alert = self.alert
        if alert is None:
            return None
        shown_ms = clock.diff(now, alert.since)
        if alert.state in CLOSING_STATES and shown_ms >= self.t["result_show_ms"]:
            self.alert = None
        elif alert.state == CANCEL_SENT or (alert.is_test and alert.state == SENT):
            # No feedback came (a cancel after confirmation gets none).
            if shown_ms >= self.t["feedback_timeout_ms"] + self.t["result_show_ms"]:
                self.alert = None
        elif shown_ms >= self.t["alert_memory_ms"]:
            self.alert = None
        return self.alert

    def indication(self, now, link_up, low_battery):
        """Name the indication for this moment (see indicator.py)."""
        alert = self._live_alert(now)
        queued = len(self.outbox) > 0
        if queued and not link_up:
            return indicator.QUEUED_OFFLINE
        if alert is not None:
            shown = self._alert_indication(alert, now)
            if shown is not None:
                return shown
        elif queued:
            return indicator.SENDING
        if low_battery:
            return indicator.LOW_BATTERY
        return indicator.IDLE

    def _alert_indication(self, alert, now):
        state = alert.state
        if alert.cancelled_here:
            if state == CANCEL_QUEUED:
                return indicator.SENDING
            if state == CANCEL_SENT and clock.diff(now, alert.since) < self.t["feedback_timeout_ms"]:
                return indicator.SENDING
            # Local fallback: a cancel after confirmation gets no feedback.
            return indicator.CANCELLED
        if state == QUEUED:
            return indicator.SENDING
        if state == SENT:
            waited = clock.diff(now, alert.since)
            if waited < self.t["feedback_timeout_ms"]:
                return indicator.SENDING
            if alert.is_test:
                return indicator.TEST
            # Local fallback without feedback: the gateway's window runs
            # from about now, so show it, then "forwarded".
            if waited < self.t["feedback_timeout_ms"] + self.t["local_window_ms"]:
                return indicator.PENDING
            return indicator.UNCONFIRMED
        if state == "pending":
            if clock.due(now, alert.window_end):
                return indicator.UNCONFIRMED
            return indicator.PENDING
        return SHOWN_AS.get(state)

    def busy(self, now):
        """True while an event waits for its PUBACK or the last activity is recent (no deep sleep).

        An open alert alone does not keep a battery device awake: its later
        feedback waits in the broker's session until the next wake.
        """
        if len(self.outbox):
            return True
        return clock.diff(now, self.last_activity) < self.t["awake_ms"]

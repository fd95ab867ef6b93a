# Topics and payloads of the MQTT contract (prefix ampera/v1). topic() is the
# only place in the firmware that builds a topic string. Payloads are built
# with % formatting into compact JSON, so a retry resends identical bytes and
# no dict is allocated per message.

import json

PREFIX = "ampera/v1"
EVENT = "event"
FEEDBACK = "feedback"
STATUS = "status"
HEARTBEAT = "heartbeat"
SUFFIXES = (EVENT, FEEDBACK, STATUS, HEARTBEAT)

EVENT_TYPES = ("press", "hold", "cancel", "test")
FEEDBACK_STATES = (
    "pending",
    "confirmed",
    "unconfirmed",
    "cancelled",
    "acknowledged",
    "dispatched",
    "resolved",
    "test",
)


def topic(device_id, suffix):
    """Return ampera/v1/dev/{device_id}/{suffix}; raise ValueError on an unknown suffix."""
    if suffix not in SUFFIXES:
        raise ValueError("unknown topic suffix %r" % suffix)
    return "%s/dev/%s/%s" % (PREFIX, device_id, suffix)


def event(event_id, event_type, seq, ts_ms, bat=None, alert=None):
    """Return the event JSON bytes (contract field order: v, id, type, source, seq, ts, bat, alert).

    event_id and alert contain only [0-9a-f-], so they need no escaping.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError("unknown event type %r" % event_type)
    text = '{"v":1,"id":"%s","type":"%s","source":"button","seq":%d,"ts":%s' % (
        event_id,
        event_type,
        seq,
        "null" if ts_ms is None else "%d" % ts_ms,
    )
    if bat is not None:
        text += ',"bat":%d' % bat
    if alert is not None:
        text += ',"alert":"%s"' % alert
    return (text + "}").encode()


def heartbeat(bat, rssi, uptime_s, queued):
    """Return the heartbeat JSON; bat and rssi are left out when not measured."""
    text = '{"uptime_s":%d,"queued":%d' % (uptime_s, queued)
    if bat is not None:
        text += ',"bat":%d' % bat
    if rssi is not None:
        text += ',"rssi":%d' % rssi
    return (text + "}").encode()


def status_online(fw):
    return ('{"online":true,"fw":"%s"}' % fw).encode()


STATUS_OFFLINE = b'{"online":false}'


def parse_feedback(data):
    """Return (alert_id, state, remaining_s) from a feedback payload, or None when invalid.

    remaining_s is None unless the state is pending. Unknown extra fields are ignored.
    """
    try:
        body = json.loads(data)
    except (ValueError, UnicodeError):
        return None
    if not isinstance(body, dict):
        return None
    alert = body.get("alert")
    state = body.get("state")
    if not isinstance(alert, str) or state not in FEEDBACK_STATES:
        return None
    remaining = None
    if state == "pending":
        remaining = body.get("remaining_s")
        if not isinstance(remaining, (int, float)) or remaining < 0:
            return None
    return (alert, state, remaining)

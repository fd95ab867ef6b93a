"""Feedback payloads sent to ``ampera/v1/dev/{device_id}/feedback``."""

from __future__ import annotations

import json
from enum import StrEnum


class FeedbackState(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNCONFIRMED = "unconfirmed"
    CANCELLED = "cancelled"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"
    TEST = "test"


def encode_feedback(alert_event_id: str, state: FeedbackState, **extra: object) -> bytes:
    """Return the feedback JSON; ``remaining_s`` is required for ``pending``."""
    if state is FeedbackState.PENDING and "remaining_s" not in extra:
        raise ValueError("pending feedback needs remaining_s, the seconds left in the window")
    body = {"alert": alert_event_id, "state": str(state), **extra}
    return json.dumps(body, separators=(",", ":")).encode()

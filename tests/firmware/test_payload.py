"""The firmware's topics and payloads agree with the shared protocol package."""

from __future__ import annotations

import json

import pytest
from ampera import payload

from protocol import topics
from protocol.events import Event, parse_event
from protocol.feedback import FeedbackState, encode_feedback


@pytest.mark.parametrize("suffix", topics.DEVICE_SUFFIXES)
def test_topic_matches_protocol(suffix):
    assert payload.topic("btn-0007", suffix) == topics.device_topic("btn-0007", suffix)


def test_unknown_suffix_rejected():
    with pytest.raises(ValueError, match="unknown topic suffix"):
        payload.topic("btn-0007", "events")


def test_event_types_and_feedback_states_match_protocol():
    assert set(payload.EVENT_TYPES) == set(Event.model_fields["type"].annotation.__args__)
    assert set(payload.FEEDBACK_STATES) == {str(state) for state in FeedbackState}


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("a1b2c3d4-0", "press", 0, None), {"ts": None}),
        (("a1b2c3d4-7", "hold", 7, 1_796_000_000_123, 55), {"ts": 1_796_000_000_123, "bat": 55}),
        (("a1b2c3d4-8", "cancel", 8, None, None, "a1b2c3d4-7"), {"alert": "a1b2c3d4-7"}),
        (("a1b2c3d4-9", "test", 9, None), {"type": "test"}),
    ],
)
def test_event_payload_is_valid_and_compact(args, expected):
    data = payload.event(*args)
    event = parse_event(data)
    for key, value in expected.items():
        assert getattr(event, key) == value
    assert b" " not in data
    assert len(data) < 200


def test_heartbeat_and_status_payloads():
    beat = json.loads(payload.heartbeat(80, -61, 3600, 2))
    assert beat == {"bat": 80, "rssi": -61, "uptime_s": 3600, "queued": 2}
    assert "bat" not in json.loads(payload.heartbeat(None, None, 1, 0))
    assert json.loads(payload.status_online("0.1.0")) == {"online": True, "fw": "0.1.0"}
    assert json.loads(payload.STATUS_OFFLINE) == {"online": False}


@pytest.mark.parametrize("state", list(FeedbackState))
def test_feedback_from_protocol_encoder_is_parsed(state):
    extra = {"remaining_s": 7.5} if state is FeedbackState.PENDING else {}
    parsed = payload.parse_feedback(encode_feedback("a1b2c3d4-0", state, **extra))
    assert parsed == ("a1b2c3d4-0", str(state), 7.5 if extra else None)


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b'{"alert": 1, "state": "confirmed"}',
        b'{"alert": "x", "state": "nope"}',
        b'{"alert": "x", "state": "pending"}',
        b'{"alert": "x", "state": "pending", "remaining_s": -1}',
    ],
)
def test_invalid_feedback_is_ignored(data):
    assert payload.parse_feedback(data) is None

import json

import pytest

from protocol.events import MAX_EVENT_BYTES, InvalidEvent, RejectReason, encode_event, parse_event

VALID = {"v": 1, "id": "e-1", "type": "press", "source": "button", "seq": 0, "ts": None}


def payload(**changes):
    return json.dumps({**VALID, **changes}).encode()


def test_parse_event_accepts_minimal_payload():
    event = parse_event(payload())

    assert event.id == "e-1"
    assert event.ts is None


def test_encode_event_round_trip():
    event = parse_event(payload(loc={"lat": -2.97, "lon": 104.75, "acc_m": 5}, bat=80))

    assert parse_event(encode_event(event)) == event


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe", RejectReason.INVALID_UTF8),
        (b"{not json", RejectReason.INVALID_JSON),
        (b"[1, 2]", RejectReason.NOT_OBJECT),
        (payload(v=2), RejectReason.SCHEMA),
        (payload(type="panic"), RejectReason.SCHEMA),
        (payload(seq=-1), RejectReason.SCHEMA),
        (payload(seq=True), RejectReason.SCHEMA),
        (payload(ts="2026-12-04"), RejectReason.SCHEMA),
        (payload(id=""), RejectReason.SCHEMA),
        (payload(id="x" * 65), RejectReason.SCHEMA),
        (payload(bat=101), RejectReason.SCHEMA),
        (payload(loc={"lat": 95, "lon": 0}), RejectReason.SCHEMA),
        (json.dumps({k: v for k, v in VALID.items() if k != "ts"}).encode(), RejectReason.SCHEMA),
        (payload(pad="x" * MAX_EVENT_BYTES), RejectReason.OVERSIZE),
    ],
)
def test_parse_event_rejects_with_reason(raw, reason):
    with pytest.raises(InvalidEvent) as info:
        parse_event(raw)

    assert info.value.reason is reason


def test_parse_event_keeps_seconds_timestamp_unchanged():
    # A clock in seconds is not re-interpreted; it shows up as skew later.
    assert parse_event(payload(ts=1_733_346_782)).ts == 1_733_346_782

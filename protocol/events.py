"""Validate event payloads published on ``ampera/v1/dev/{device_id}/event``.

The payload is one UTF-8 JSON object of at most 1 KiB. Validation returns a
typed ``Event`` or raises ``InvalidEvent`` with a reason code (a fixed,
metric-friendly word) and a message naming the value.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

MAX_EVENT_BYTES = 1024


class RejectReason(StrEnum):
    """Why an incoming message was rejected; used as the metric label."""

    OVERSIZE = "oversize"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    NOT_OBJECT = "not_object"
    SCHEMA = "schema"
    BAD_TOPIC = "bad_topic"


class InvalidEvent(ValueError):
    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class Location(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    acc_m: Annotated[float, Field(ge=0)] | None = None


class Event(BaseModel):
    """One event as the device sent it; unknown extra fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: Literal[1]
    id: Annotated[str, Field(min_length=1, max_length=64)]
    type: Literal["press", "hold", "cancel", "test"]
    source: Literal["button", "app"]
    seq: Annotated[StrictInt, Field(ge=0)]
    # Unix milliseconds on the device clock, or null when it is not synced.
    # The unit is never guessed from the size: a value in seconds is kept as
    # it is and shows up as a large clock skew.
    ts: StrictInt | None
    loc: Location | None = None
    bat: Annotated[StrictInt, Field(ge=0, le=100)] | None = None
    alert: Annotated[str, Field(min_length=1, max_length=64)] | None = None


def parse_event(payload: bytes) -> Event:
    """Parse and validate one event payload; raise InvalidEvent naming the problem."""
    if len(payload) > MAX_EVENT_BYTES:
        raise InvalidEvent(
            RejectReason.OVERSIZE,
            f"payload of {len(payload)} bytes exceeds the {MAX_EVENT_BYTES}-byte limit",
        )
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEvent(RejectReason.INVALID_UTF8, f"payload is not UTF-8: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEvent(RejectReason.INVALID_JSON, f"payload is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidEvent(
            RejectReason.NOT_OBJECT, f"payload is a JSON {type(data).__name__}, expected an object"
        )
    try:
        return Event.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(payload)"
        raise InvalidEvent(
            RejectReason.SCHEMA,
            f"field {field!r}: {first['msg']} (value {first.get('input')!r})",
        ) from None


def encode_event(event: Event) -> bytes:
    """Serialise an event the way devices do: compact JSON without null optional fields."""
    data = event.model_dump(exclude_none=True)
    data["ts"] = event.ts  # ts is required even when null
    return json.dumps(data, separators=(",", ":")).encode()

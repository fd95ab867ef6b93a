"""Build and parse the MQTT topics under the ``ampera/v1`` prefix.

Every component builds topics through these functions, so no module writes a
topic string by hand.
"""

from __future__ import annotations

import re

PREFIX = "ampera/v1"

# The device id is also the device's broker username, so ACLs can pin each
# device to its own topics.
DEVICE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")

EVENT = "event"
FEEDBACK = "feedback"
STATUS = "status"
HEARTBEAT = "heartbeat"
DEVICE_SUFFIXES = (EVENT, FEEDBACK, STATUS, HEARTBEAT)

GATEWAY_STATUS = f"{PREFIX}/gateway/status"


def is_valid_device_id(device_id: str) -> bool:
    return bool(DEVICE_ID_PATTERN.match(device_id))


def device_topic(device_id: str, suffix: str) -> str:
    """Return ``ampera/v1/dev/{device_id}/{suffix}``; raise ValueError on a bad id or suffix."""
    if not is_valid_device_id(device_id):
        raise ValueError(
            f"invalid device id {device_id!r}: use 3-64 characters of a-z, 0-9 and '-', "
            "starting with a letter or digit"
        )
    if suffix not in DEVICE_SUFFIXES:
        raise ValueError(f"unknown topic suffix {suffix!r}: expected one of {DEVICE_SUFFIXES}")
    return f"{PREFIX}/dev/{device_id}/{suffix}"


def device_wildcard(suffix: str) -> str:
    """Return the subscription filter for one suffix across all devices."""
    if suffix not in DEVICE_SUFFIXES:
        raise ValueError(f"unknown topic suffix {suffix!r}: expected one of {DEVICE_SUFFIXES}")
    return f"{PREFIX}/dev/+/{suffix}"


def parse_device_topic(topic: str) -> tuple[str, str] | None:
    """Split a device topic into ``(device_id, suffix)``.

    Returns None when the topic is not a device topic, has an unknown suffix or
    a device id that does not match the pattern.
    """
    parts = topic.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != PREFIX or parts[2] != "dev":
        return None
    device_id, suffix = parts[3], parts[4]
    if suffix not in DEVICE_SUFFIXES or not is_valid_device_id(device_id):
        return None
    return device_id, suffix

"""Build the dynamic security plugin's JSON file: roles, the admin and gateway accounts.

Mosquitto's dynamic security plugin keeps clients, roles and ACLs in one JSON
file and saves it again whenever an admin changes something over the
``$CONTROL/dynamic-security/v1`` topic. This module writes the first version
of that file, so a new broker starts with:

- role ``ampera-admin``: may send commands to the plugin (the dispatch
  service creates and revokes device accounts with it);
- role ``ampera-gateway``: reads every device's events, heartbeats and
  status, publishes feedback and the gateway's own status;
- one role per device, ``dev-{device_id}``: publishes only on that device's
  ``event``, ``status`` and ``heartbeat`` topics and subscribes only to its
  ``feedback``. The device id is also the username.

Mosquitto 2.0's dynamic security plugin does not replace ``%u`` or ``%c`` in
ACL topics (that arrives with 2.1), so one shared role with ``%u`` would
grant nothing: each device gets its own role instead.

Run ``python -m broker.dynsec --help`` to write a file from the command line.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from protocol.topics import GATEWAY_STATUS, PREFIX

ADMIN_ROLE = "ampera-admin"
GATEWAY_ROLE = "ampera-gateway"
DEVICE_ROLE_PREFIX = "dev-"

# Mosquitto 2.0 hashes dynsec passwords with PBKDF2-HMAC-SHA512, a 12-byte
# salt and, from mosquitto_ctrl, 101 iterations. Device and service passwords
# are random 128-bit or longer tokens, so the low count costs no security.
PBKDF2_ITERATIONS = 101
SALT_BYTES = 12

# Until a role grants more, a client may not publish or subscribe, but it
# may receive what its subscriptions match and may unsubscribe.
DEFAULT_ACL_ACCESS = {
    "publishClientSend": False,
    "publishClientReceive": True,
    "subscribe": False,
    "unsubscribe": True,
}


def generate_password() -> str:
    """Return a random password of 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def hash_password(password: str, salt: bytes | None = None) -> dict[str, Any]:
    """Return the ``password``, ``salt`` and ``iterations`` fields of a dynsec client."""
    salt = salt if salt is not None else os.urandom(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS, 64)
    return {
        "password": base64.b64encode(digest).decode(),
        "salt": base64.b64encode(salt).decode(),
        "iterations": PBKDF2_ITERATIONS,
    }


def _acl(acltype: str, topic: str, allow: bool = True) -> dict[str, Any]:
    return {"acltype": acltype, "topic": topic, "allow": allow}


def admin_role() -> dict[str, Any]:
    control = "$CONTROL/dynamic-security/#"
    return {
        "rolename": ADMIN_ROLE,
        "textName": "Dispatch service: manages device accounts",
        "acls": [
            _acl("publishClientSend", control),
            _acl("publishClientReceive", control),
            _acl("subscribePattern", control),
        ],
    }


def gateway_role() -> dict[str, Any]:
    devices = f"{PREFIX}/dev/+"
    return {
        "rolename": GATEWAY_ROLE,
        "textName": "Gateway: reads device messages, sends feedback",
        "acls": [
            _acl("subscribePattern", f"{devices}/event"),
            _acl("subscribePattern", f"{devices}/heartbeat"),
            _acl("subscribePattern", f"{devices}/status"),
            _acl("subscribePattern", GATEWAY_STATUS),
            _acl("publishClientSend", f"{devices}/feedback"),
            _acl("publishClientSend", GATEWAY_STATUS),
        ],
    }


def device_role_name(device_id: str) -> str:
    return f"{DEVICE_ROLE_PREFIX}{device_id}"


def device_role(device_id: str) -> dict[str, Any]:
    """Return the role that pins one device (or app account) to its own topics."""
    own = f"{PREFIX}/dev/{device_id}"
    return {
        "rolename": device_role_name(device_id),
        "textName": f"Device {device_id}: its own topics only",
        "acls": [
            _acl("publishClientSend", f"{own}/event"),
            _acl("publishClientSend", f"{own}/status"),
            _acl("publishClientSend", f"{own}/heartbeat"),
            _acl("subscribePattern", f"{own}/feedback"),
            # The app shows whether the gateway is up before a citizen presses.
            _acl("subscribePattern", GATEWAY_STATUS),
        ],
    }


def client_entry(username: str, password: str, role: str, text_name: str = "") -> dict[str, Any]:
    return {
        "username": username,
        "textName": text_name or username,
        **hash_password(password),
        "roles": [{"rolename": role}],
    }


def build_config(
    admin: tuple[str, str],
    gateway: tuple[str, str],
    devices: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return a dynsec configuration with the three roles and the given accounts.

    ``admin`` and ``gateway`` are ``(username, password)``; ``devices`` maps a
    device id to its password.
    """
    clients = [
        client_entry(admin[0], admin[1], ADMIN_ROLE, "Ampera broker admin"),
        client_entry(gateway[0], gateway[1], GATEWAY_ROLE, "Ampera gateway"),
    ]
    roles = [admin_role(), gateway_role()]
    for device_id, password in (devices or {}).items():
        clients.append(client_entry(device_id, password, device_role_name(device_id)))
        roles.append(device_role(device_id))
    return {
        "defaultACLAccess": DEFAULT_ACL_ACCESS,
        "clients": clients,
        "groups": [],
        "roles": roles,
    }


def write_config(path: Path, config: dict[str, Any]) -> Path:
    """Write the file readable only by its owner, because it contains password hashes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(config, handle, indent=2)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m broker.dynsec",
        description="Write a first dynamic-security.json with the admin and gateway accounts. "
        "Passwords come from the environment (never the command line, where other users "
        "can read them); a missing one is generated and printed once.",
    )
    parser.add_argument("file", type=Path, help="path of the JSON file to write")
    parser.add_argument("--admin-user", default="ampera-admin")
    parser.add_argument("--gateway-user", default="ampera-gateway")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = parser.parse_args(argv)

    if args.file.exists() and not args.force:
        print(
            f"{args.file} exists; the broker keeps its accounts there. "
            "Use --force to replace every account in it.",
            file=sys.stderr,
        )
        return 1
    admin_password = os.environ.get("AMPERA_BROKER_ADMIN_PASSWORD") or generate_password()
    gateway_password = os.environ.get("AMPERA_BROKER_GATEWAY_PASSWORD") or generate_password()
    write_config(
        args.file,
        build_config((args.admin_user, admin_password), (args.gateway_user, gateway_password)),
    )
    if "AMPERA_BROKER_ADMIN_PASSWORD" not in os.environ:
        print(f"admin account: {args.admin_user} password: {admin_password}")
    if "AMPERA_BROKER_GATEWAY_PASSWORD" not in os.environ:
        print(f"gateway account: {args.gateway_user} password: {gateway_password}")
    print(f"wrote {args.file}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

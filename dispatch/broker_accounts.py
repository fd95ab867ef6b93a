"""Create and revoke the broker accounts of devices and app users.

``DynsecAccounts`` sends commands to Mosquitto's dynamic security plugin on
``$CONTROL/dynamic-security/v1`` with the broker admin account and waits for
the reply on ``$CONTROL/dynamic-security/v1/response``, so accounts change
without a broker restart. ``NoBrokerAccounts`` only makes passwords, for a
broker without authentication.

Each device gets its own role (``dev-{device_id}``) that allows publishing on
its own ``event``, ``status`` and ``heartbeat`` topics and subscribing to its
own ``feedback``: Mosquitto 2.0's plugin does not substitute ``%u`` in ACLs.
App accounts (ids such as ``app-...``) are created the same way.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import ssl
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import paho.mqtt.client as mqtt

from broker.dynsec import device_role, device_role_name
from protocol.topics import is_valid_device_id

log = logging.getLogger(__name__)

CONTROL_TOPIC = "$CONTROL/dynamic-security/v1"
RESPONSE_TOPIC = f"{CONTROL_TOPIC}/response"
ADMIN_URL_ENV = "AMPERA_BROKER_ADMIN_URL"

# Error texts of Mosquitto 2.0's dynamic security plugin that mean the
# account is already in the requested state.
_ALREADY_EXISTS = {"Client already exists", "Role already exists"}
_NOT_FOUND = {"Client not found", "Role not found"}


class BrokerAccountsError(RuntimeError):
    """A broker account could not be created or revoked. The message names the cause."""


class BrokerAccounts(Protocol):
    def create_device(self, device_id: str) -> str: ...  # returns the new password

    def revoke_device(self, device_id: str) -> None: ...


def generate_password() -> str:
    """Return a random password of 32 URL-safe characters (192 bits)."""
    return secrets.token_urlsafe(24)


def _check_device_id(device_id: str) -> None:
    if not is_valid_device_id(device_id):
        raise BrokerAccountsError(
            f"invalid device id {device_id!r}: use 3-64 characters of a-z, 0-9 and '-'"
        )


class NoBrokerAccounts:
    """For a broker without authentication: returns a password and keeps nothing."""

    def create_device(self, device_id: str) -> str:
        _check_device_id(device_id)
        return generate_password()

    def revoke_device(self, device_id: str) -> None:
        _check_device_id(device_id)


@dataclass(frozen=True)
class BrokerAddress:
    """Broker address and login, parsed from ``mqtt://user:pass@host:port``."""

    host: str
    port: int
    username: str
    password: str
    tls: bool = False
    websocket: bool = False
    ca_file: str | None = None

    @classmethod
    def parse(cls, url: str) -> BrokerAddress:
        """Parse an mqtt, mqtts, ws or wss URL; a ``?ca=PATH`` query names a CA file."""
        parts = urlsplit(url)
        defaults = {"mqtt": 1883, "mqtts": 8883, "ws": 80, "wss": 443}
        if parts.scheme not in defaults:
            raise BrokerAccountsError(
                f"unsupported broker URL scheme {parts.scheme!r}: use mqtt, mqtts, ws or wss"
            )
        if not parts.hostname:
            raise BrokerAccountsError("broker URL has no host: expected mqtt://user:pass@host:port")
        if not parts.username or parts.password is None:
            raise BrokerAccountsError(
                "broker admin URL has no user name or password: expected mqtt://user:pass@host:port"
            )
        ca = parse_qs(parts.query).get("ca", [None])[0]
        return cls(
            host=parts.hostname,
            port=parts.port or defaults[parts.scheme],
            username=unquote(parts.username),
            password=unquote(parts.password),
            tls=parts.scheme in ("mqtts", "wss"),
            websocket=parts.scheme in ("ws", "wss"),
            ca_file=ca,
        )


class DynsecAccounts:
    """Broker accounts kept by Mosquitto's dynamic security plugin."""

    def __init__(self, admin_url: str, timeout_s: float = 10.0) -> None:
        self.address = BrokerAddress.parse(admin_url)
        self.timeout_s = timeout_s

    @classmethod
    def from_env(cls) -> DynsecAccounts:
        url = os.environ.get(ADMIN_URL_ENV)
        if not url:
            raise BrokerAccountsError(f"{ADMIN_URL_ENV} is not set")
        return cls(url)

    def create_device(self, device_id: str) -> str:
        """Create the account and its role, or give an existing account a new password."""
        _check_device_id(device_id)
        password = generate_password()
        role = device_role(device_id)
        role_name = device_role_name(device_id)
        responses = self.execute(
            [
                {"command": "createRole", "rolename": role_name, "acls": role["acls"]},
                {
                    "command": "createClient",
                    "username": device_id,
                    "password": password,
                    "roles": [{"rolename": role_name}],
                },
            ]
        )
        self._raise_unless_ok(responses[0], device_id, allowed=_ALREADY_EXISTS)
        if responses[1].get("error") == "Client already exists":
            # Registering a device again replaces its password; its role was
            # attached when the account was created. (Mosquitto 2.0.11 returns
            # "Internal error" for addClientRole with a role the client has.)
            (response,) = self.execute(
                [{"command": "setClientPassword", "username": device_id, "password": password}]
            )
            self._raise_unless_ok(response, device_id)
            log.info("broker_account_password_replaced device_id=%s", device_id)
        else:
            self._raise_unless_ok(responses[1], device_id)
            log.info("broker_account_created device_id=%s", device_id)
        return password

    def revoke_device(self, device_id: str) -> None:
        """Delete the account (which disconnects the device) and its role; absent ones are fine."""
        _check_device_id(device_id)
        responses = self.execute(
            [
                {"command": "deleteClient", "username": device_id},
                {"command": "deleteRole", "rolename": device_role_name(device_id)},
            ]
        )
        for response in responses:
            self._raise_unless_ok(response, device_id, allowed=_NOT_FOUND)
        log.info("broker_account_revoked device_id=%s", device_id)

    @staticmethod
    def _raise_unless_ok(
        response: dict[str, Any], device_id: str, allowed: set[str] | frozenset[str] = frozenset()
    ) -> None:
        error = response.get("error")
        if error and error not in allowed:
            raise BrokerAccountsError(
                f"broker rejected {response.get('command')} for device {device_id!r}: {error}"
            )

    def execute(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send commands in one control message and return the plugin's responses in order."""
        correlation = uuid.uuid4().hex
        tagged = [
            {**command, "correlationData": f"{correlation}-{index}"}
            for index, command in enumerate(commands)
        ]
        payload = json.dumps({"commands": tagged})
        reply = self._request(payload, correlation)
        by_tag = {item.get("correlationData"): item for item in reply.get("responses", [])}
        results = []
        for command in tagged:
            response = by_tag.get(command["correlationData"])
            if response is None:
                raise BrokerAccountsError(
                    f"broker sent no response to {command['command']}; "
                    "is the dynamic security plugin loaded?"
                )
            results.append(response)
        return results

    def _client(self) -> mqtt.Client:
        address = self.address
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"ampera-dispatch-admin-{uuid.uuid4().hex[:12]}",
            protocol=mqtt.MQTTv311,
            transport="websockets" if address.websocket else "tcp",
        )
        client.username_pw_set(address.username, address.password)
        if address.tls:
            client.tls_set(ca_certs=address.ca_file, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        return client

    def _request(self, payload: str, correlation: str) -> dict[str, Any]:
        address = self.address
        client = self._client()
        connected = threading.Event()
        subscribed = threading.Event()
        answered = threading.Event()
        state: dict[str, Any] = {}

        def on_connect(client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any):
            state["connect_reason"] = reason
            connected.set()
            if not reason.is_failure:
                client.subscribe(RESPONSE_TOPIC, qos=1)

        def on_subscribe(client: mqtt.Client, userdata: Any, mid: int, reasons: Any, props: Any):
            state["subscribe_reasons"] = reasons
            subscribed.set()

        def on_message(client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
            try:
                body = json.loads(message.payload)
            except ValueError:
                return
            tags = [item.get("correlationData", "") for item in body.get("responses", [])]
            if any(str(tag).startswith(correlation) for tag in tags):
                state["reply"] = body
                answered.set()

        client.on_connect = on_connect
        client.on_subscribe = on_subscribe
        client.on_message = on_message
        where = f"{address.host}:{address.port}"
        try:
            client.connect(address.host, address.port, keepalive=30)
        except (OSError, ssl.SSLError) as exc:
            raise BrokerAccountsError(f"cannot connect to the broker at {where}: {exc}") from exc
        client.loop_start()
        try:
            if not connected.wait(self.timeout_s):
                raise BrokerAccountsError(f"broker at {where} did not answer CONNECT in time")
            reason = state["connect_reason"]
            if reason.is_failure:
                raise BrokerAccountsError(
                    f"broker at {where} rejected the admin account {address.username!r}: {reason}"
                )
            if not subscribed.wait(self.timeout_s):
                raise BrokerAccountsError(f"broker at {where} did not acknowledge SUBSCRIBE")
            if any(code.is_failure for code in state["subscribe_reasons"]):
                raise BrokerAccountsError(
                    f"account {address.username!r} may not subscribe to {RESPONSE_TOPIC}: "
                    "it needs the broker's admin role"
                )
            client.publish(CONTROL_TOPIC, payload, qos=1)
            if not answered.wait(self.timeout_s):
                raise BrokerAccountsError(
                    f"no reply on {RESPONSE_TOPIC} within {self.timeout_s} s: is the dynamic "
                    f"security plugin loaded and may {address.username!r} use it?"
                )
            return state["reply"]
        finally:
            client.disconnect()
            client.loop_stop()

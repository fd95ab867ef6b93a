"""Parse ``AMPERA_MQTT_URL`` and build paho-mqtt clients that speak the contract.

Every simulated device and app user connects with MQTT 3.1.1 and the
version-2 callback API of paho-mqtt 2.x, because the contract requires
nothing that only MQTT 5 offers.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt

DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"

Transport = Literal["tcp", "websockets"]

# Scheme -> (paho transport, TLS on, default port).
SCHEMES: dict[str, tuple[Transport, bool, int]] = {
    "mqtt": ("tcp", False, 1883),
    "mqtts": ("tcp", True, 8883),
    "ws": ("websockets", False, 80),
    "wss": ("websockets", True, 443),
}


@dataclass(frozen=True)
class BrokerUrl:
    """Broker address, transport and account; a device may replace the account with its own."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    path: str = "/mqtt"
    ca_file: str | None = None

    @property
    def transport(self) -> Transport:
        return SCHEMES[self.scheme][0]

    @property
    def tls(self) -> bool:
        return SCHEMES[self.scheme][1]

    def with_credentials(self, username: str | None, password: str | None) -> BrokerUrl:
        return replace(self, username=username, password=password)

    def redacted(self) -> str:
        """Return the URL for logs and screens, with the password left out."""
        user = f"{self.username}:***@" if self.username else ""
        return f"{self.scheme}://{user}{self.host}:{self.port}"


def parse_broker_url(url: str, ca_file: str | None = None) -> BrokerUrl:
    """Parse ``mqtt[s]://user:pass@host:port`` or ``ws[s]://...``; raise ValueError if invalid."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"invalid MQTT URL {url!r}: the scheme must be one of {', '.join(SCHEMES)}"
        )
    if not parts.hostname:
        raise ValueError(f"invalid MQTT URL {url!r}: the host is missing")
    try:
        port = parts.port or SCHEMES[parts.scheme][2]
    except ValueError:
        raise ValueError(f"invalid MQTT URL {url!r}: the port is not a number 1-65535") from None
    return BrokerUrl(
        scheme=parts.scheme,
        host=parts.hostname,
        port=port,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        path=parts.path or "/mqtt",
        ca_file=ca_file,
    )


def new_client(broker: BrokerUrl, client_id: str, clean_session: bool = True) -> mqtt.Client:
    """Return an unconnected MQTT 3.1.1 client configured for ``broker``."""
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=clean_session,
        protocol=mqtt.MQTTv311,
        transport=broker.transport,
    )
    if broker.transport == "websockets":
        client.ws_set_options(path=broker.path)
    if broker.tls:
        context = ssl.create_default_context(cafile=broker.ca_file)
        client.tls_set_context(context)
    if broker.username is not None:
        client.username_pw_set(broker.username, broker.password)
    client.reconnect_delay_set(min_delay=1, max_delay=10)
    return client

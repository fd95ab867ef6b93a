"""Press on the device twin, acknowledge in the dispatch API, see it on the twin's LED.

Real parts end to end: Mosquitto, ``ampera-gateway``, ``ampera-dispatch serve``
(SQLite), and the firmware's own modules in the twin.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from broker.server import MosquittoProcess
from simulator.twin import Twin
from tests.support.dispatch import DispatchServer, dispatch_server_sqlite  # noqa: F401 - fixture
from tests.support.gateway import GatewayProcess, gateway_factory, wait_until  # noqa: F401

pytestmark = pytest.mark.slow

WINDOW_S = 1.0


def incident_of(
    server: DispatchServer, token: str, device: str, state: str
) -> dict[str, Any] | None:
    with server.client(token) as client:
        response = client.get("/v1/incidents", params={"state": state})
        response.raise_for_status()
        items = [i for i in response.json()["items"] if i["device_id"] == device]
    return items[0] if items else None


def test_twin_press_acknowledged_by_station_lights_led(
    mosquitto: MosquittoProcess,
    dispatch_server_sqlite: DispatchServer,  # noqa: F811
    gateway_factory: Callable[..., GatewayProcess],  # noqa: F811
    tmp_path: Path,
):
    server = dispatch_server_sqlite
    gateway = gateway_factory(
        mqtt_url=mosquitto.url,
        dispatch_url=server.url,
        token=server.gateway_token,
        confirm_window_s=WINDOW_S,
    )
    gateway.start()
    operator = server.token_for("operator")
    device = f"btn-twin-{uuid.uuid4().hex[:6]}"

    with Twin(device, mosquitto.url, tmp_path / "twin") as twin:
        twin.wait_for(lambda: twin.link_state == "up", what="link up")
        twin.press()
        incident = wait_until(
            lambda: incident_of(server, operator, device, "unconfirmed"), 20, "unconfirmed incident"
        )
        assert incident["first_event_id"] == twin.alert_id
        assert incident["source"] == "button"
        assert incident["press_count"] == 1

        with server.client(operator) as staff:
            staff.post(f"/v1/incidents/{incident['id']}/acknowledge").raise_for_status()
        twin.wait_for_led("acknowledged")

        # The person saw the window run, then the station's acknowledgement.
        assert "pending" in twin.led_history
        assert twin.led_history.index("pending") < twin.led_history.index("acknowledged")
        assert twin.queued == 0

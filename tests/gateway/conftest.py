"""Fixtures for gateway integration tests: the dispatch API and a gateway factory.

``api`` runs the real ``ampera-dispatch serve`` (SQLite) and ``stub_api``
the in-process stub; both offer one interface (url, token, incidents,
stop, start) so a test reads the same against either.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import httpx
import pytest

from tests.gateway.stub_api import StubDispatch
from tests.support.dispatch import DispatchServer, bearer
from tests.support.gateway import gateway_factory  # noqa: F401 - a fixture

TOKEN = "gateway-test-token"


class DispatchUnderTest(Protocol):
    url: str
    token: str

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident, cancelled and test ones included, as the API stores it."""
        ...

    def stop(self) -> None: ...

    def start(self) -> None: ...


class StubBackedApi:
    def __init__(self, stub: StubDispatch) -> None:
        self.stub = stub
        self.url = stub.url
        self.token = stub.token

    def incidents(self) -> list[dict[str, Any]]:
        with self.stub.lock:
            snapshots = list(self.stub.alerts.values())
        return [
            {
                "alert_id": snap["alert_id"],
                "device_id": snap["device_id"],
                "first_event_id": snap["first_event_id"],
                "state": snap["outcome"],
                "press_count": snap["press_count"],
                "test": snap["test"],
                "cancel_after_confirm": snap["cancel_after_confirm"],
            }
            for snap in snapshots
        ]

    def stop(self) -> None:
        self.stub.stop()

    def start(self) -> None:
        self.stub.start()


STATES = [
    "unconfirmed",
    "confirmed",
    "acknowledged",
    "dispatched",
    "on_scene",
    "resolved",
    "cancelled",
]


class RealApi:
    """``ampera-dispatch serve`` read through the staff API as an operator."""

    def __init__(self, server: DispatchServer) -> None:
        self.server = server
        self.url = server.url
        self.token = server.gateway_token
        self.staff_token = server.token_for("operator")

    def incidents(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        with httpx.Client(base_url=self.url, headers=bearer(self.staff_token), timeout=10) as c:
            for test in ("false", "true"):
                cursor = None
                while True:
                    params: dict[str, Any] = {"state": STATES, "test": test, "limit": 200}
                    if cursor:
                        params["cursor"] = cursor
                    response = c.get("/v1/incidents", params=params)
                    response.raise_for_status()
                    page = response.json()
                    items.extend(page["items"])
                    cursor = page["next"]
                    if not cursor:
                        break
        return items

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()


@pytest.fixture
def api(tmp_path: Path) -> Iterator[DispatchUnderTest]:
    """The real dispatch API on SQLite, stopped after the test."""
    server = DispatchServer(f"sqlite:///{tmp_path / 'dispatch.db'}", tmp_path / "dispatch")
    with server:
        yield RealApi(server)


@pytest.fixture
def stub_api() -> Iterator[DispatchUnderTest]:
    with StubDispatch(TOKEN) as stub:
        yield StubBackedApi(stub)

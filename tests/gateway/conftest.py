"""Fixtures for gateway integration tests: the dispatch API and a gateway factory.

``api`` gives the tests one interface (url, token, incidents, stop, start)
whether it runs the real ``ampera-dispatch serve`` or, before that exists,
the in-process stub.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import pytest

from tests.gateway.stub_api import StubDispatch
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


@pytest.fixture
def api() -> Iterator[DispatchUnderTest]:
    with StubDispatch(TOKEN) as stub:
        yield StubBackedApi(stub)

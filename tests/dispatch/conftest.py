"""Fixtures for the dispatch API tests: the app in-process with a fake clock, and factories.

Most tests drive the real FastAPI app through Starlette's TestClient, which
is httpx against the ASGI app without a network. The end-to-end tests start
the real server with ``tests.support.dispatch``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dispatch import db as dbmod
from dispatch.broker_accounts import NoBrokerAccounts
from dispatch.context import AppContext
from dispatch.main import create_app
from dispatch.ratelimit import SlidingWindowLimiter
from dispatch.security import create_token
from dispatch.settings import Settings
from dispatch.users import create_user
from tests.support.dispatch import (  # noqa: F401  (fixtures)
    DEFAULT_PASSWORD,
    dispatch_server,
    dispatch_server_sqlite,
    use_fast_password_hashing,
)

GATEWAY_TOKEN = "gateway-test-token"
# At a station's own coordinates, so routing is unambiguous.
LOC_ILIR_TIMUR_1 = {"lat": -2.9760, "lon": 104.7560, "acc_m": 10}
LOC_PLAJU = {"lat": -2.9950, "lon": 104.8200, "acc_m": 10}


class FakeClock:
    """A clock that moves only when a test advances it."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start
        self.mono = 1000.0

    def __call__(self) -> dt.datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
        self.mono += seconds


class RecordingAccounts(NoBrokerAccounts):
    def __init__(self) -> None:
        self.created: list[str] = []
        self.revoked: list[str] = []

    def create_device(self, device_id: str) -> str:
        self.created.append(device_id)
        return super().create_device(device_id)

    def revoke_device(self, device_id: str) -> None:
        self.revoked.append(device_id)


_alert_numbers = itertools.count(1)


def snapshot(**overrides: Any) -> dict[str, Any]:
    """Return one gateway alert snapshot; every field can be overridden."""
    number = next(_alert_numbers)
    base: dict[str, Any] = {
        "alert_id": f"alert-{uuid.uuid4().hex[:12]}",
        "version": 1,
        "device_id": "btn-0001",
        "source": "button",
        "test": False,
        "outcome": "confirmed",
        "decision": "confirmed_by_hold",
        "first_event_id": f"e-{number}",
        "first_event_at": "2026-12-04T21:13:02.123Z",
        "last_event_at": "2026-12-04T21:13:05.456Z",
        "press_count": 1,
        "cancel_after_confirm": False,
        "loc": LOC_ILIR_TIMUR_1,
        "bat": 87,
        "age_at_arrival_ms": 140,
        "clock_skew_ms": -35,
        "events": [{"id": f"e-{number}", "type": "press", "seq": number}],
    }
    base.update(overrides)
    return base


@dataclass
class Api:
    client: TestClient
    context: AppContext
    clock: FakeClock
    accounts: RecordingAccounts
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str, polsek: str = "ilir-timur-1") -> dict[str, str]:
        """Bearer headers for a user of ``role`` (the polsek user belongs to ``polsek``)."""
        if role == "gateway":
            return {"Authorization": f"Bearer {GATEWAY_TOKEN}"}
        if role == "anonymous":
            return {}
        username = f"{role}-{polsek}" if role == "polsek" else f"{role}-user"
        if username not in self.tokens:
            self.tokens[username] = self.make_user(
                username, role, polsek if role == "polsek" else None
            )
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def make_user(self, username: str, role: str, polsek: str | None) -> str:
        with self.context.db.write() as session:
            if role == "citizen":
                from dispatch.models import User
                from dispatch.security import hash_password

                user = User(
                    username=username,
                    password_hash=hash_password(DEFAULT_PASSWORD),
                    role=role,
                    polsek=None,
                    created_at=self.clock(),
                    disabled=False,
                )
                session.add(user)
                session.flush()
            else:
                user = create_user(
                    session, username, DEFAULT_PASSWORD, role, polsek, self.clock(), update=True
                )
            user_id = user.id
        return create_token(
            self.context.signing_key, user_id, username, role, polsek, self.clock(), 3600
        )

    def ingest(self, *snapshots: dict[str, Any]) -> httpx.Response:
        return self.client.post(
            "/v1/ingest/alerts", json={"alerts": list(snapshots)}, headers=self.headers("gateway")
        )

    def new_incident(self, **overrides: Any) -> str:
        response = self.ingest(snapshot(**overrides))
        assert response.status_code == 200, response.text
        return str(response.json()["results"][0]["incident_id"])

    def act(
        self,
        incident_id: str,
        action: str,
        role: str = "operator",
        body: Any = None,
        polsek: str = "ilir-timur-1",
    ) -> httpx.Response:
        return self.client.post(
            f"/v1/incidents/{incident_id}/{action}", json=body, headers=self.headers(role, polsek)
        )

    def get(self, path: str, role: str = "operator", **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self.headers(role), **kwargs)


def build_api(database_url: str, state_dir: Path) -> Iterator[Api]:
    use_fast_password_hashing()
    dbmod.upgrade(database_url)
    clock = FakeClock(dt.datetime.now(dt.UTC).replace(microsecond=0))
    settings = Settings(
        database_url=database_url,
        gateway_token=GATEWAY_TOKEN,
        dispatch_state_dir=state_dir,
        login_max_failures=3,
        login_window_s=60,
        stream_poll_s=0.05,
        web_dir=state_dir / "web",
    )
    accounts = RecordingAccounts()
    context = AppContext(
        settings=settings,
        db=dbmod.Database(database_url),
        signing_key=b"test-signing-key-0123456789abcdef",
        accounts=accounts,
        limiter=SlidingWindowLimiter(settings.login_max_failures, settings.login_window_s),
        clock=clock,
        monotonic=clock.monotonic,
    )
    app = create_app(context=context)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client=client, context=context, clock=clock, accounts=accounts)
    context.db.dispose()


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """The app on SQLite and on PostgreSQL, with a fake clock."""
    yield from build_api(database_url, tmp_path)


@pytest.fixture
def sqlite_api(tmp_path: Path) -> Iterator[Api]:
    """The app on SQLite only, for behaviour that does not depend on the engine."""
    yield from build_api(f"sqlite:///{tmp_path / 'dispatch.db'}", tmp_path)

"""Fixtures for the staff console's browser tests.

``console_stack`` runs the real pipeline once per test module: Mosquitto,
``ampera-gateway`` and ``ampera-dispatch serve`` with one staff user per role.
The API runs on SQLite only, because the API's own tests cover PostgreSQL. ``browser`` opens a fresh
browser context per test and fails the test if the page tried to
reach any host but 127.0.0.1. Browser contexts share one Chromium process
(see tests/support/browser.py), so a test starts no browser of its own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from broker.server import MosquittoProcess
from tests.console import sample_data
from tests.support.browser import BrowserSession, new_session, require_chromium
from tests.support.dispatch import DEFAULT_PASSWORD, DispatchServer, bearer
from tests.support.gateway import GatewayProcess, MqttProbe

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO / "docs" / "screenshots"

# Staff users created in every stack: username -> (role, station).
USERS = {
    "admin-kota": ("admin", None),
    "operator-kota": ("operator", None),
    "polsek-it1": ("polsek", "ilir-timur-1"),
    "polsek-kemuning": ("polsek", "kemuning"),
}

# Playwright waits for what a person would see: generous, never a timing claim.
SEEN_TIMEOUT_MS = 15_000


@dataclass
class ConsoleStack:
    """The running services and API clients for one test module."""

    dispatch: DispatchServer
    broker: MosquittoProcess | None = None
    gateway: GatewayProcess | None = None
    probe: MqttProbe | None = None
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    @property
    def console_url(self) -> str:
        return f"{self.dispatch.url}/console/"

    def client(self, username: str) -> httpx.Client:
        """Return an API client logged in as one of ``USERS``."""
        if username not in self.clients:
            token = self.dispatch.token(username)
            self.clients[username] = httpx.Client(
                base_url=self.dispatch.url, headers=bearer(token), timeout=10
            )
        return self.clients[username]

    def incident(self, incident_id: str, username: str = "operator-kota") -> dict[str, Any]:
        response = self.client(username).get(f"/v1/incidents/{incident_id}")
        response.raise_for_status()
        return dict(response.json())

    def register_button(self, device_id: str, place: str) -> str:
        """Register a button at one of ``sample_data.PLACES`` so routing finds its station."""
        lat, lon = sample_data.PLACES[place]
        response = self.client("admin-kota").post(
            "/v1/devices",
            json={
                "device_id": device_id,
                "kind": "button",
                "label": device_id,
                "lat": lat,
                "lon": lon,
            },
        )
        response.raise_for_status()
        return device_id

    def ingest(self, *snapshots: dict[str, Any]) -> list[str]:
        """Send alert snapshots as the gateway does; return the incident ids."""
        results = sample_data.ingest(
            self.dispatch.url, self.dispatch.gateway_token, list(snapshots)
        )
        return [result["incident_id"] for result in results]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        if self.probe is not None:
            self.probe.close()
        if self.gateway is not None:
            self.gateway.kill()
        self.dispatch.stop()
        if self.broker is not None:
            self.broker.kill()


def create_users(server: DispatchServer) -> None:
    for username, (role, polsek) in USERS.items():
        server.create_user(username, role, polsek=polsek)


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    """Mosquitto, the gateway and the dispatch API, wired as in production."""
    require_chromium()
    base = tmp_path_factory.mktemp("console-stack")
    broker = MosquittoProcess(base / "mosquitto")
    broker.start()
    stack = ConsoleStack(
        dispatch=DispatchServer(f"sqlite:///{base / 'dispatch.db'}", base / "dispatch"),
        broker=broker,
    )
    try:
        stack.dispatch.start()
        create_users(stack.dispatch)
        stack.gateway = GatewayProcess(
            base,
            mqtt_url=broker.url,
            dispatch_url=stack.dispatch.url,
            token=stack.dispatch.gateway_token,
            confirm_window_s=1.0,
        )
        stack.gateway.start()
        stack.probe = MqttProbe(broker.url)
        yield stack
    finally:
        stack.close()


@pytest.fixture(scope="module")
def api_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    """The dispatch API alone, for views whose data enters through the ingest API."""
    require_chromium()
    base = tmp_path_factory.mktemp("console-api")
    stack = ConsoleStack(
        dispatch=DispatchServer(f"sqlite:///{base / 'dispatch.db'}", base / "dispatch")
    )
    try:
        stack.dispatch.start()
        create_users(stack.dispatch)
        yield stack
    finally:
        stack.close()


@pytest.fixture
def browser() -> Iterator[BrowserSession]:
    """A fresh context in the shared Chromium; the test fails if a page requested another host."""
    require_chromium()
    with new_session() as session:
        yield session
        assert session.external_requests == [], "the console contacted another host"


def log_in(
    page: Page, stack: ConsoleStack, username: str, password: str = DEFAULT_PASSWORD
) -> None:
    """Sign in through the login form and wait until the live stream is connected."""
    page.goto(stack.console_url)
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    if USERS[username][0] != "technician":
        expect(page.locator("#stream-status")).to_have_attribute(
            "data-status", "live", timeout=SEEN_TIMEOUT_MS
        )


# A translation key shown instead of its text, such as "detail.press_count".
RAW_KEY = re.compile(
    r"\b(?:action|alert|app|audit|common|complaints|confirmation|detail|devices|error|lang|login"
    r"|nav|note|outcome|queue|role|scope|settings|sound|source|state|stats|stream|time|unit)"
    r"\.[a-z_]+\b"
)


def assert_translated(page: Page) -> None:
    """Fail when the page shows a message key for which the language has no text."""
    shown = RAW_KEY.findall(page.locator("body").inner_text())
    assert shown == [], f"untranslated message keys on the page: {shown}"


def screenshot_path(tmp_path: Path, name: str) -> Path:
    """Where a view's screenshot goes: docs/screenshots with AMPERA_SCREENSHOTS=1, else tmp."""
    if os.environ.get("AMPERA_SCREENSHOTS") == "1":
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        return SCREENSHOT_DIR / f"console-{name}.png"
    return tmp_path / f"console-{name}.png"

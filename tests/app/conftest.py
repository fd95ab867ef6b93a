"""The whole stack for the citizen app's browser tests.

One session-scoped stack serves every app test (each xdist worker has its own): the secure broker
(dynamic-security accounts, WebSocket listener), the dispatch API on SQLite
serving the built app at /app/, and the gateway. Each test registers its own
citizen through the app, so each has its own device and its own alerts.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from broker.secure import SecureBroker
from tests.support.browser import (
    DEFAULT_TIMEOUT_MS,
    BrowserSession,
    is_external,
    require_chromium,
    shared_chromium,
)
from tests.support.dispatch import DispatchServer
from tests.support.gateway import GatewayProcess

REPO = Path(__file__).resolve().parents[2]
APP_BUILD = REPO / "dispatch" / "web" / "app"
SCREENSHOTS = REPO / "docs" / "screenshots"

# Polsek Ilir Timur I area in Palembang; what the browser reports as its position.
PALEMBANG = {"latitude": -2.9761, "longitude": 104.7754, "accuracy": 12}

# Long enough to see the countdown and press cancel, short enough for the suite.
CONFIRM_WINDOW_S = 3.0

# A phone-sized screen for the app and its screenshots.
PHONE_VIEWPORT = (390, 844)


def build_app() -> None:
    """Build the app with scripts/build-app.sh unless the build is there (make test builds it)."""
    if (APP_BUILD / "index.html").exists():
        return
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "build-app.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"building the app failed:\n{result.stdout}\n{result.stderr}")


@dataclass
class AppStack:
    broker: SecureBroker
    dispatch: DispatchServer
    gateway: GatewayProcess
    operator_token: str

    @property
    def app_url(self) -> str:
        return f"{self.dispatch.url}/app/"

    def staff(self) -> httpx.Client:
        return self.dispatch.client(self.operator_token)

    def incidents(self, device_id: str, **params: Any) -> list[dict[str, Any]]:
        """Return the incidents of one device that the operator's list shows."""
        with self.staff() as client:
            response = client.get("/v1/incidents", params=params)
        response.raise_for_status()
        return [item for item in response.json()["items"] if item["device_id"] == device_id]

    def wait_incident(
        self, device_id: str, timeout_s: float = 20.0, **params: Any
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.incidents(device_id, **params)
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no incident for {device_id} ({params}) within {timeout_s} s")

    def act(self, incident_id: str, action: str, body: dict[str, Any] | None = None) -> None:
        with self.staff() as client:
            response = client.post(f"/v1/incidents/{incident_id}/{action}", json=body or {})
        assert response.status_code == 200, response.text


@pytest.fixture(scope="session")
def app_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppStack]:
    require_chromium()
    build_app()
    base = tmp_path_factory.mktemp("app-stack")
    broker = SecureBroker(base / "broker")
    broker.start()
    dispatch = DispatchServer(
        f"sqlite:///{base / 'dispatch.db'}",
        base / "dispatch",
        extra_env={
            "AMPERA_BROKER_ADMIN_URL": broker.admin_url,
            "AMPERA_MQTT_WS_URL": f"ws://127.0.0.1:{broker.ws_port}",
        },
    )
    gateway = GatewayProcess(
        base,
        mqtt_url=broker.gateway_url,
        dispatch_url=dispatch.url,
        token=dispatch.gateway_token,
        confirm_window_s=CONFIRM_WINDOW_S,
    )
    try:
        dispatch.start()
        gateway.start(timeout_s=60)
        yield AppStack(broker, dispatch, gateway, dispatch.token_for("operator"))
    finally:
        gateway.kill()
        dispatch.stop()
        broker.kill()


@pytest.fixture(scope="session")
def chromium() -> Any:
    """The process's one headless Chromium; each test gets a fresh context in it.

    Playwright's sync API allows one driver per thread, so the app tests share
    the driver and browser of ``tests.support.browser`` with the console tests.
    """
    require_chromium()
    return shared_chromium()


@pytest.fixture
def phone_factory(chromium: Any) -> Iterator[Callable[..., BrowserSession]]:
    """Open fresh phone-sized browser contexts; keyword arguments go to ``new_context``.

    A new context starts without cookies, storage, service workers or cache,
    like the fresh profile of ``tests.support.browser.chromium_session``,
    without the cost of starting Chromium for every test. After the test,
    each context must have requested no other host and raised no uncaught
    exception.
    """
    opened: list[tuple[BrowserSession, list[str]]] = []

    def open_phone(**options: Any) -> BrowserSession:
        context = chromium.new_context(
            viewport={"width": PHONE_VIEWPORT[0], "height": PHONE_VIEWPORT[1]},
            device_scale_factor=2,
            has_touch=True,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            **options,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        session = BrowserSession(context=context)
        context.on(
            "request",
            lambda request: (
                session.external_requests.append(request.url) if is_external(request.url) else None
            ),
        )
        uncaught: list[str] = []
        context.on("page", lambda page: page.on("pageerror", lambda e: uncaught.append(str(e))))
        opened.append((session, uncaught))
        return session

    yield open_phone
    for session, _ in opened:
        session.context.close()
    for session, uncaught in opened:
        assert session.external_requests == [], "the app requested another host"
        assert uncaught == [], "the app raised uncaught exceptions"


@pytest.fixture
def phone(phone_factory: Callable[..., BrowserSession]) -> BrowserSession:
    """A fresh phone with location granted and set in Palembang."""
    return phone_factory(geolocation=PALEMBANG, permissions=["geolocation"])


_counter = iter(range(1_000_000))


def new_email() -> str:
    return f"warga{os.getpid()}-{next(_counter)}@contoh.id"


def register(page: Any, app_url: str, email: str | None = None) -> str:
    """Register a citizen through the app's form; return the app's device id."""
    page.goto(app_url)
    page.locator("#reg-email").fill(email or new_email())
    page.locator("#reg-name").fill("Siti Aminah")
    page.locator("#reg-phone").fill("081234567890")
    page.locator("#reg-password").fill("rahasia-siti-1")
    page.locator("#register-form button[type=submit]").click()
    page.locator("#screen-panic").wait_for(state="visible")
    wait_connected(page)
    device_id = page.locator("#settings-device").text_content()
    assert device_id and device_id.startswith("app-"), device_id
    return device_id


def wait_connected(page: Any) -> None:
    page.locator("#conn.conn-online").wait_for()


def wait_phase(page: Any, phase: str, timeout_ms: float = 20_000) -> None:
    page.locator(f"#alert-status[data-phase='{phase}']").wait_for(
        state="attached", timeout=timeout_ms
    )


def screenshot(page: Any, name: str) -> None:
    """Take a screenshot of the screen; keep it as ``docs/screenshots/app-{name}.png``.

    The page is always rendered to an image, so a broken screen still fails the
    test, but the checked-in files are only replaced with AMPERA_SCREENSHOTS=1
    (as for the console): a plain test run leaves the work tree clean.
    """
    image = page.screenshot()
    if os.environ.get("AMPERA_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"app-{name}.png").write_bytes(image)


def status_text(page: Any) -> str:
    return page.locator("#status-text").text_content() or ""

"""Start Debian's headless Chromium through Playwright for browser tests.

The tests never download a browser build (``playwright install`` is not
used): they drive the system Chromium at ``AMPERA_CHROMIUM`` (default
``/usr/bin/chromium``, from the Debian package ``chromium``).

Each session starts without cookies, storage or cache. Chromium's resolver and
proxy flags let only loopback addresses through, so a request for a CDN, a
tile server or any other host fails instead of leaving the machine.
``BrowserSession.external_requests`` lists every such attempt, so a test can
assert that the page requested nothing from any other host.

Playwright's sync API allows one driver per thread, so every test area
shares the one from ``shared_playwright()`` and, usually, the one browser
from ``shared_chromium()``. Usage::

    from tests.support.browser import new_session, require_chromium

    def test_page():
        require_chromium()
        with new_session() as session:
            page = session.new_page()
            page.goto(url)
            ...
            assert session.external_requests == []
"""

from __future__ import annotations

import atexit
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM_PATH = Path(os.environ.get("AMPERA_CHROMIUM", "/usr/bin/chromium"))

# Flags for a quiet, sandbox-free headless run as root in a container: no GPU,
# no QUIC, and none of Chromium's own background traffic (component updates,
# sync, field trials), because tests may send nothing off this machine.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Every name but the loopback ones resolves to nothing, and a request to a
    # literal non-loopback address goes to a proxy port where nothing listens
    # (Chromium always bypasses the proxy for loopback addresses).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    "--proxy-server=http://127.0.0.1:9",
    # Web Audio may start without a user gesture, so the console's alert
    # sound can be exercised by a test.
    "--autoplay-policy=no-user-gesture-required",
]

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error"}

# Timeout in milliseconds for Playwright's waits (expect, wait_for_*): generous,
# because tests assert what happens, never how fast.
DEFAULT_TIMEOUT_MS = 15_000


def chromium_problem() -> str | None:
    """Return why Chromium cannot run here, or None when it can."""
    if not CHROMIUM_PATH.exists():
        return f"Chromium not found at {CHROMIUM_PATH} (install the Debian package chromium)"
    if not os.access(CHROMIUM_PATH, os.X_OK):
        return f"{CHROMIUM_PATH} is not executable"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the Python package playwright is missing: {exc}"
    return None


def require_chromium() -> None:
    """Skip the calling test when Chromium is missing, or fail it under CI=true."""
    problem = chromium_problem()
    if problem is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {problem}")
    pytest.skip(problem)


def is_external(url: str) -> bool:
    """Tell whether a request URL leaves this machine."""
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return False
    host = (parts.hostname or "").lower()
    return host not in LOOPBACK_HOSTS and not host.startswith("127.")


@dataclass
class BrowserSession:
    """One Chromium profile: the Playwright context and what it tried to fetch."""

    context: Any  # playwright.sync_api.BrowserContext
    external_requests: list[str] = field(default_factory=list)
    # Messages logged at level "error", which include the browser's own
    # "Failed to load resource" line for every 4xx or 5xx response.
    console_errors: list[str] = field(default_factory=list)
    # Uncaught exceptions and unhandled promise rejections in page scripts.
    page_errors: list[str] = field(default_factory=list)

    def new_page(self) -> Any:
        """Open a tab that records console errors and uncaught exceptions."""
        page = self.context.new_page()

        def record_console(message: Any) -> None:
            if message.type == "error":
                self.console_errors.append(message.text)

        page.on("console", record_console)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page


def _record_external_requests(session: BrowserSession) -> None:
    def record_request(request: Any) -> None:
        if is_external(request.url):
            session.external_requests.append(request.url)

    session.context.on("request", record_request)


_shared: dict[str, Any] = {}


def shared_playwright() -> Any:
    """Return this process's one Playwright driver, started on first use.

    Playwright's sync API runs one instance per thread: starting a second
    while one is open raises "using Playwright Sync API inside the asyncio
    loop". Every test area must therefore go through this function (or
    ``shared_chromium``) instead of calling ``sync_playwright()`` itself, so
    that one pytest process can run the browser tests of every area.
    """
    if "playwright" not in _shared:
        from playwright.sync_api import sync_playwright

        _shared["playwright"] = sync_playwright().start()
        atexit.register(_stop_shared)
    return _shared["playwright"]


def shared_chromium() -> Any:
    """Return this process's headless Chromium (a Playwright ``Browser``), launched once.

    Playwright gives the launched browser a new temporary profile directory
    and deletes it on exit. Each ``new_session`` on it is a separate context
    that starts without cookies, storage, service workers or cache.
    """
    browser = _shared.get("chromium")
    if browser is None or not browser.is_connected():
        browser = shared_playwright().chromium.launch(
            executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
        )
        _shared["chromium"] = browser
    return browser


def _stop_shared() -> None:
    browser = _shared.pop("chromium", None)
    playwright = _shared.pop("playwright", None)
    try:
        if browser is not None and browser.is_connected():
            browser.close()
        if playwright is not None:
            playwright.stop()
    except Exception:  # noqa: BLE001 - the process is exiting; the driver dies with it
        pass


@contextmanager
def new_session(
    *,
    viewport: tuple[int, int] = (1280, 800),
    locale: str = "id-ID",
    timezone_id: str = "Asia/Jakarta",
    **context_options: Any,
) -> Iterator[BrowserSession]:
    """Open a fresh context in the shared Chromium and close it after.

    Extra keyword arguments go to Playwright's ``Browser.new_context`` (for
    example ``is_mobile``, ``geolocation``, ``permissions``).
    """
    context = shared_chromium().new_context(
        viewport={"width": viewport[0], "height": viewport[1]},
        locale=locale,
        timezone_id=timezone_id,
        **context_options,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    session = BrowserSession(context=context)
    _record_external_requests(session)
    try:
        yield session
    finally:
        context.close()


@contextmanager
def chromium_session(
    profile_dir: Path,
    *,
    viewport: tuple[int, int] = (1280, 800),
    locale: str = "id-ID",
    timezone_id: str = "Asia/Jakarta",
    **context_options: Any,
) -> Iterator[BrowserSession]:
    """Launch a separate headless Chromium on a fresh profile in ``profile_dir``.

    For scripts and for tests that need a profile directory of their own;
    other tests should prefer ``new_session``, which starts no new browser.
    ``profile_dir`` must not exist yet or be empty, so every run starts
    without cookies, storage or cache. Extra keyword arguments go to
    Playwright's ``launch_persistent_context``.
    """
    profile_dir = Path(profile_dir)
    if profile_dir.exists() and any(profile_dir.iterdir()):
        raise ValueError(f"profile directory {profile_dir} is not empty; pass a fresh one")
    profile_dir.mkdir(parents=True, exist_ok=True)

    context = shared_playwright().chromium.launch_persistent_context(
        str(profile_dir),
        executable_path=str(CHROMIUM_PATH),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": viewport[0], "height": viewport[1]},
        locale=locale,
        timezone_id=timezone_id,
        **context_options,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    session = BrowserSession(context=context)
    _record_external_requests(session)
    try:
        yield session
    finally:
        context.close()
        shutil.rmtree(profile_dir, ignore_errors=True)

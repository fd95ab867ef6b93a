"""Start the real dispatch API for tests, create users and get tokens.

Shared by the dispatch, gateway, simulator, console, app and provisioning
tests. Typical use in a conftest.py::

    from tests.support.dispatch import dispatch_server  # noqa: F401  (the fixture)

    def test_something(dispatch_server):
        token = dispatch_server.token_for("operator")
        httpx.get(f"{dispatch_server.url}/v1/incidents", headers=bearer(token))

``DispatchServer`` runs ``ampera-dispatch serve`` as a subprocess on a free
port with its own database; ``create_user`` writes straight to that database
(the same code as ``ampera-dispatch create-user``).
"""

from __future__ import annotations

import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import ServiceProcess

DEFAULT_PASSWORD = "kata-sandi-uji-1"
# One ready-made user per role; the polsek user belongs to this station.
DEFAULT_POLSEK = "ilir-timur-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def use_fast_password_hashing() -> None:
    """Hash test passwords with cheap argon2 parameters.

    The parameters are stored in each hash, so the server verifies these
    hashes just as cheaply; the default parameters cost about 0.3 s per hash.
    """
    from argon2 import PasswordHasher

    from dispatch import security

    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def create_user(
    database_url: str,
    username: str,
    role: str,
    password: str = DEFAULT_PASSWORD,
    polsek: str | None = None,
) -> None:
    """Create (or update) a staff user in the database, applying migrations first."""
    from dispatch import db as dbmod
    from dispatch.timeutil import utc_now
    from dispatch.users import create_user as create

    use_fast_password_hashing()
    dbmod.upgrade(database_url)
    database = dbmod.Database(database_url)
    try:
        with database.write() as session:
            create(session, username, password, role, polsek, utc_now(), update=True)
    finally:
        database.dispose()


def get_token(url: str, username: str, password: str = DEFAULT_PASSWORD) -> str:
    response = httpx.post(
        f"{url}/v1/auth/token", data={"username": username, "password": password}, timeout=10
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


class DispatchServer:
    """``ampera-dispatch serve`` on a free port with its own database and state directory."""

    def __init__(
        self,
        database_url: str,
        state_dir: Path,
        gateway_token: str | None = None,
        port: int | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.state_dir = Path(state_dir)
        self.gateway_token = gateway_token or secrets.token_urlsafe(24)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            "AMPERA_DATABASE_URL": database_url,
            "AMPERA_GATEWAY_TOKEN": self.gateway_token,
            "AMPERA_HOST": "127.0.0.1",
            "AMPERA_PORT": str(self.port),
            "AMPERA_DISPATCH_STATE_DIR": str(self.state_dir),
            **(extra_env or {}),
        }
        self.process = ServiceProcess(
            ["ampera-dispatch", "serve"],
            env=self.env,
            log_path=self.state_dir / "dispatch.log",
            ready=self._ready,
        )
        self._users: set[str] = set()

    def _ready(self) -> bool:
        return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200

    def start(self) -> DispatchServer:
        self.process.start(timeout_s=30)
        return self

    def stop(self) -> None:
        self.process.terminate()

    def kill(self) -> None:
        self.process.kill()

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_user(
        self,
        username: str,
        role: str,
        password: str = DEFAULT_PASSWORD,
        polsek: str | None = None,
    ) -> None:
        create_user(self.database_url, username, role, password, polsek)
        self._users.add(username)

    def token(self, username: str, password: str = DEFAULT_PASSWORD) -> str:
        return get_token(self.url, username, password)

    def token_for(self, role: str, polsek: str = DEFAULT_POLSEK) -> str:
        """Return a token for a ready-made user of ``role`` (created on first use)."""
        username = f"{role}-{polsek}" if role == "polsek" else f"{role}-user"
        if username not in self._users:
            self.create_user(username, role, polsek=polsek if role == "polsek" else None)
        return self.token(username)

    def gateway_headers(self) -> dict[str, str]:
        return bearer(self.gateway_token)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = bearer(token) if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def __enter__(self) -> DispatchServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture
def dispatch_server(database_url: str, tmp_path: Path) -> Iterator[DispatchServer]:
    """A running dispatch API on SQLite and on PostgreSQL (through ``database_url``)."""
    server = DispatchServer(database_url, tmp_path / "dispatch")
    with server:
        yield server


@pytest.fixture
def dispatch_server_sqlite(tmp_path: Path) -> Iterator[DispatchServer]:
    """A running dispatch API on SQLite only, for tests that do not compare engines."""
    server = DispatchServer(f"sqlite:///{tmp_path / 'dispatch.db'}", tmp_path / "dispatch")
    with server:
        yield server

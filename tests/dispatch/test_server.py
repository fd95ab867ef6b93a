"""The real server as a subprocess: restarts, the CLI, migrations, concurrency, live stream."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from dispatch import db as dbmod
from dispatch.models import Base
from tests.dispatch.conftest import LOC_ILIR_TIMUR_1, LOC_PLAJU, snapshot
from tests.support import postgres
from tests.support.dispatch import DispatchServer, bearer

VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DispatchServer]:
    """One server per engine for this module's end-to-end tests (each makes its own data)."""
    state_dir = tmp_path_factory.mktemp("live")
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{state_dir / 'dispatch.db'}"
        else:
            problem = postgres.postgres_available()
            if problem is not None:
                if postgres.postgres_required():
                    pytest.fail(f"CI=true but PostgreSQL is unreachable: {problem}")
                pytest.skip(f"PostgreSQL unreachable: {problem}")
            url = stack.enter_context(postgres.temporary_database())
        yield stack.enter_context(DispatchServer(url, state_dir))


def cli(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "ampera-dispatch"), *args],
        env={**os.environ, "AMPERA_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def ingest(server: DispatchServer, *snapshots: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{server.url}/v1/ingest/alerts",
        json={"alerts": list(snapshots)},
        headers=server.gateway_headers(),
        timeout=30,
    )


def test_migrations_upgrade_empty_database_to_models(database_url: str) -> None:
    dbmod.upgrade(database_url)
    # Running again is a no-op, as at every server start.
    dbmod.upgrade(database_url)
    engine = create_engine(dbmod.normalise_url(database_url))
    try:
        tables = set(inspect(engine).get_table_names())
        assert {
            "users",
            "incidents",
            "incident_changes",
            "devices",
            "citizens",
            "complaints",
            "alembic_version",
        } <= tables
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


CLI_ERRORS = [
    (["--password", "1234567", "--role", "operator"], "minimal 8 karakter"),
    (["--password", "1234567", "--role", "operator"], "at least 8 characters"),
    (["--password", "12345678", "--role", "polsek"], "--polsek"),
    (["--password", "12345678", "--role", "polsek", "--polsek", "atlantis"], "atlantis"),
    (["--password", "12345678", "--role", "chief"], "chief"),
    (["--password", "12345678", "--role", "admin", "--polsek", "plaju"], "--polsek"),
]


@pytest.mark.parametrize(("args", "message"), CLI_ERRORS)
def test_create_user_rejects_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    from dispatch.cli import main

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    code = main(["create-user", "--database-url", url, "--username", "ani", *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_create_user_command_then_login(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    args = [
        "create-user",
        "--username",
        "ani",
        "--password",
        "12345678",
        "--role",
        "polsek",
        "--polsek",
        "plaju",
    ]
    ok = cli(*args, database_url=url)
    assert ok.returncode == 0, ok.stderr
    from dispatch.cli import main

    assert main([*args, "--database-url", url]) == 2
    with DispatchServer(url, tmp_path / "state") as server:
        token = server.token("ani", "12345678")
        me = httpx.get(f"{server.url}/v1/auth/me", headers=bearer(token)).json()
        assert me == {"username": "ani", "role": "polsek", "polsek": "plaju"}
        server.kill()
        server.start()
        # The same token after a crash and restart.
        assert httpx.get(f"{server.url}/v1/auth/me", headers=bearer(token)).json() == me
        key_file = server.state_dir / "dispatch-jwt.key"
        assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_health_openapi_and_errors(live_server: DispatchServer) -> None:
    url = live_server.url
    assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
    assert "/v1/incidents" in httpx.get(f"{url}/openapi.json").json()["paths"]
    assert httpx.get(f"{url}/docs").status_code == 200
    missing = httpx.get(f"{url}/v1/incidents")
    assert missing.status_code == 401
    assert missing.json()["detail"]
    assert "ampera_dispatch_http_requests_total" in httpx.get(f"{url}/metrics").text
    garbage = httpx.post(
        f"{url}/v1/ingest/alerts",
        content=b"{not json",
        headers={**live_server.gateway_headers(), "Content-Type": "application/json"},
    )
    assert garbage.status_code == 422


def test_concurrent_transitions_lose_no_update(live_server: DispatchServer) -> None:
    server = live_server
    headers = bearer(server.token_for("operator"))
    base = snapshot(outcome="unconfirmed", press_count=1, loc=LOC_ILIR_TIMUR_1)
    incident_id = ingest(server, base).json()["results"][0]["incident_id"]
    barrier = threading.Barrier(8)

    def acknowledge(_: int) -> int:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            barrier.wait()
            return client.post(f"/v1/incidents/{incident_id}/acknowledge").status_code

    with ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(acknowledge, range(8)))
    assert codes == [200] + [409] * 7

    def note(n: int) -> int:
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            return client.post(
                f"/v1/incidents/{incident_id}/notes", json={"text": f"note {n}"}
            ).status_code

    def presses(_: int) -> list[int]:
        return [
            ingest(server, dict(base, version=v, press_count=v, outcome="confirmed")).status_code
            for v in range(2, 12)
        ]

    with ThreadPoolExecutor(6) as pool:
        press_future = pool.submit(presses, 0)
        note_codes = list(pool.map(note, range(12)))
        assert press_future.result() == [200] * 10
    assert note_codes == [201] * 12

    client = httpx.Client(base_url=server.url, headers=headers, timeout=30)
    incident = client.get(f"/v1/incidents/{incident_id}").json()
    assert incident["press_count"] == 11
    assert incident["confirmation"] == "confirmed"
    assert incident["state"] == "acknowledged"
    history = client.get(f"/v1/incidents/{incident_id}/history").json()
    actions = [h["action"] for h in history]
    assert actions.count("acknowledged") == 1
    assert actions.count("note") == 12
    assert actions.count("updated") == 10
    assert sorted(h["detail"]["text"] for h in history if h["action"] == "note") == sorted(
        f"note {n}" for n in range(12)
    )
    seqs = [h["seq"] for h in history]
    assert seqs == sorted(set(seqs))


def read_events(
    url: str, params: dict[str, Any], headers: dict[str, str], count: int
) -> list[tuple[int, dict[str, Any]]]:
    """Read ``count`` events from the stream and disconnect."""
    import json

    events: list[tuple[int, dict[str, Any]]] = []
    fields: dict[str, str] = {}
    with httpx.stream(
        "GET", f"{url}/v1/incidents/stream", params=params, headers=headers, timeout=20
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line:
                name, _, value = line.partition(": ")
                fields[name] = value
                continue
            # A blank line ends one event; keep-alive comments have no data.
            if "data" in fields:
                assert fields["event"] == "incident"
                events.append((int(fields["id"]), json.loads(fields["data"])))
            fields = {}
            if len(events) == count:
                break
    return events


def test_stream_delivers_each_change_once_across_reconnect(live_server: DispatchServer) -> None:
    server = live_server
    token = server.token_for("operator")
    client = httpx.Client(base_url=server.url, headers=bearer(token), timeout=30)
    start = int(client.get("/v1/incidents").headers["X-Change-Seq"])

    first = [
        ingest(server, snapshot(loc=LOC_ILIR_TIMUR_1)).json()["results"][0]["incident_id"]
        for _ in range(3)
    ]
    client.post(f"/v1/incidents/{first[0]}/acknowledge")
    client.post(f"/v1/incidents/{first[1]}/notes", json={"text": "x"})
    before = read_events(server.url, {"access_token": token}, {"Last-Event-ID": str(start)}, 3)

    plaju = ingest(server, snapshot(loc=LOC_PLAJU)).json()["results"][0]["incident_id"]
    client.post(f"/v1/incidents/{first[2]}/resolve", json={"outcome": "genuine"})
    resume = str(before[-1][0])
    after = read_events(server.url, {"last_event_id": resume, "access_token": token}, {}, 4)

    seqs = [seq for seq, _ in before + after]
    assert seqs == sorted(seqs)
    assert len(seqs) == len(set(seqs)) == 7
    ids = [incident["id"] for _, incident in before + after]
    assert ids == [*first, first[0], first[1], plaju, first[2]]
    assert (before + after)[-1][1]["state"] == "resolved"

    polsek_token = server.token_for("polsek")
    own = read_events(server.url, {"last_event_id": str(start)}, bearer(polsek_token), 6)
    assert plaju not in {incident["id"] for _, incident in own}
    assert all(incident["polsek"] == "ilir-timur-1" for _, incident in own)

    denied = httpx.get(f"{server.url}/v1/incidents/stream", timeout=10)
    assert denied.status_code == 401
    technician = httpx.get(
        f"{server.url}/v1/incidents/stream",
        params={"access_token": server.token_for("technician")},
        timeout=10,
    )
    assert technician.status_code == 403


@pytest.mark.parametrize("folder", ["console", "app"])
def test_web_folders_are_mounted_when_present(tmp_path: Path, folder: str) -> None:
    from fastapi.testclient import TestClient

    from dispatch.main import create_app
    from dispatch.settings import Settings

    web = tmp_path / "web"
    (web / folder).mkdir(parents=True)
    (web / folder / "index.html").write_text("<h1>Ampera</h1>")
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'x.db'}", dispatch_state_dir=tmp_path, web_dir=web
    )
    with TestClient(create_app(settings)) as client:
        assert "Ampera" in client.get(f"/{folder}/").text
        other = "app" if folder == "console" else "console"
        assert client.get(f"/{other}/").status_code == 404


def test_change_feed_poller_misses_nothing_under_load(live_server: DispatchServer) -> None:
    """A poller that follows ``next`` while writers commit sees every change."""
    server = live_server
    headers = server.gateway_headers()
    staff = bearer(server.token_for("operator"))
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        start = client.get("/v1/ingest/changes", params={"after": 0, "limit": 1000}).json()
        while start["changes"]:
            start = client.get(
                "/v1/ingest/changes", params={"after": start["next"], "limit": 1000}
            ).json()
        after = start["next"]
    done = threading.Event()
    polled: list[int] = []

    def poll() -> None:
        cursor = after
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
            while True:
                finished = done.is_set()
                page = client.get("/v1/ingest/changes", params={"after": cursor}).json()
                polled.extend(change["seq"] for change in page["changes"])
                cursor = page["next"]
                if finished and not page["changes"]:
                    return

    def write(n: int) -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for _ in range(5):
                body = {"alerts": [snapshot(loc=LOC_ILIR_TIMUR_1)]}
                result = client.post("/v1/ingest/alerts", json=body, headers=headers).json()
                incident_id = result["results"][0]["incident_id"]
                client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=staff)

    poller = threading.Thread(target=poll)
    poller.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    done.set()
    poller.join(timeout=60)

    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        full = client.get("/v1/ingest/changes", params={"after": after, "limit": 1000}).json()
    expected = [change["seq"] for change in full["changes"]]
    assert len(expected) == 40
    assert polled == expected


def test_audit_log_rejects_update_and_delete(database_url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    dbmod.upgrade(database_url)
    database = dbmod.Database(database_url)
    try:
        with database.write() as session:
            session.execute(
                text(
                    "INSERT INTO incidents (id, alert_id, alert_version, row_version, device_id, "
                    "registered, source, test, state, confirmation, press_count, "
                    "cancel_after_confirm, first_event_id, first_event_at, events, created_at, "
                    "updated_at) VALUES ('inc_1', 'a1', 1, 1, 'btn-1', false, 'button', false, "
                    "'confirmed', 'confirmed', 1, false, 'e1', :at, '[]', :at, :at)"
                ),
                {"at": "2026-12-04 00:00:00"},
            )
            session.execute(
                text(
                    "INSERT INTO incident_changes (incident_id, at, actor, action, to_state, "
                    "state_changed, test, snapshot) VALUES ('inc_1', :at, 'gateway', 'created', "
                    "'confirmed', true, false, '{}')"
                ),
                {"at": "2026-12-04 00:00:00"},
            )
        for statement in (
            "UPDATE incident_changes SET actor = 'someone else'",
            "DELETE FROM incident_changes",
        ):
            with pytest.raises(DatabaseError, match="append-only"):
                with database.write() as session:
                    session.execute(text(statement))
        with database.read() as session:
            actors = session.execute(text("SELECT actor FROM incident_changes")).scalars().all()
        assert actors == ["gateway"]
    finally:
        database.dispose()

"""Fixtures shared by every test package: a real Mosquitto and real databases."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker.server import MosquittoProcess
from tests.support import postgres


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoProcess]:
    """A fresh development-config Mosquitto on a free port, stopped after the test."""
    broker = MosquittoProcess(tmp_path / "mosquitto")
    broker.start()
    try:
        yield broker
    finally:
        broker.kill()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL database created for this run and dropped after it."""
    problem = postgres.postgres_available()
    if problem is not None:
        if postgres.postgres_required():
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {postgres.ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {postgres.ADMIN_URL}: {problem}")
    with postgres.temporary_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs once on SQLite and once on PostgreSQL.

    The PostgreSQL variant gets its own fresh database, so tests stay
    independent of each other.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dispatch.db'}"
    problem = postgres.postgres_available()
    if problem is not None:
        if postgres.postgres_required():
            pytest.fail(f"CI=true but PostgreSQL is unreachable at {postgres.ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {postgres.ADMIN_URL}: {problem}")
    context = postgres.temporary_database()
    url = context.__enter__()
    request.addfinalizer(lambda: context.__exit__(None, None, None))
    return url


def pytest_report_header() -> str:
    return f"CI={os.environ.get('CI', '')!r} postgres={postgres.ADMIN_URL}"

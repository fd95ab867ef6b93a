"""A PostgreSQL database created for one test run and dropped after it.

The server is taken from AMPERA_TEST_POSTGRES_URL (default: the machine's
server on 127.0.0.1:5432, database ``test``). When it is unreachable the
PostgreSQL variants of the database tests are skipped, except under
``CI=true``, where an unreachable server fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = os.environ.get("AMPERA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_required() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def postgres_available() -> str | None:
    """Return None when the server answers, else the connection error."""
    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip()


@contextmanager
def temporary_database(prefix: str = "ampera_test") -> Iterator[str]:
    """Create a fresh database and yield its SQLAlchemy URL (psycopg 3 driver)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base.replace('postgresql://', 'postgresql+psycopg://', 1)}/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

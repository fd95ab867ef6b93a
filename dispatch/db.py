"""Engine, sessions and migrations for SQLite and PostgreSQL.

Writes take one path on both engines. On SQLite a write transaction starts
with ``BEGIN IMMEDIATE`` (so two writers queue on the busy timeout instead of
failing with "database is locked" when a read lock is upgraded) and a process
lock keeps this process's writers in line. On PostgreSQL the rows changed are
locked with ``SELECT ... FOR UPDATE`` and every insert into the change log
takes a transaction-level advisory lock first, so change sequence numbers
become visible in commit order and a reader polling ``after=N`` never skips one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 15000
# Arbitrary constant naming the advisory lock that orders change-log inserts.
CHANGE_LOG_LOCK_ID = 0x616D7065


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    database = parsed.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy issues BEGIN itself (below), so the driver must not.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get("ampera_write"):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


class Database:
    """The engine, its session factory and the single writer path."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Open a write transaction, committed on success and rolled back on error."""
        if self.is_sqlite:
            with self._write_lock, self.sessions() as session:
                session.connection(execution_options={"ampera_write": True})
                with _commit_or_rollback(session):
                    yield session
        else:
            with self.sessions() as session, _commit_or_rollback(session):
                yield session

    def lock_change_log(self, session: Session) -> None:
        """Serialise change-log inserts until commit (PostgreSQL; SQLite already is)."""
        if not self.is_sqlite:
            session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": CHANGE_LOG_LOCK_ID})

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def _commit_or_rollback(session: Session) -> Iterator[None]:
    try:
        yield
    except BaseException:
        session.rollback()
        raise
    session.commit()


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    """Apply every migration not yet applied to the database at ``url``."""
    command.upgrade(alembic_config(url), "head")
    log.info("migrations applied database=%s", make_url(normalise_url(url)).render_as_string())

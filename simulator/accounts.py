"""Demo staff accounts: one admin, operator and technician, and one user per Polsek.

The accounts are written straight into the dispatch database with the same
code as ``ampera-dispatch create-user``, because seventeen runs of that
command would each pay about 0.7 s of start-up time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

PASSWORD_BYTES = 9  # 12 URL-safe characters, above the API's 8-character minimum


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    polsek: str | None = None


def demo_password() -> str:
    return "demo-" + secrets.token_urlsafe(PASSWORD_BYTES)


def plan_logins(station_ids: list[str]) -> list[DemoLogin]:
    """Return the demo's accounts, each with a new random password."""
    logins = [
        DemoLogin("admin", demo_password(), "admin"),
        DemoLogin("operator", demo_password(), "operator"),
        DemoLogin("teknisi", demo_password(), "technician"),
    ]
    logins += [
        DemoLogin(f"polsek-{station_id}", demo_password(), "polsek", station_id)
        for station_id in station_ids
    ]
    return logins


def station_ids() -> list[str]:
    """Return the ids of the stations the dispatch service serves."""
    from dispatch.stations import STATIONS

    return [station.id for station in STATIONS]


def migrate(database_url: str) -> None:
    """Apply the dispatch database migrations, as ``ampera-dispatch migrate`` does."""
    from dispatch import db as dbmod

    dbmod.upgrade(database_url)


def create_logins(database_url: str, logins: list[DemoLogin]) -> None:
    """Apply the migrations and create every account in one transaction.

    The database must be migrated. Hashing dominates: about 0.2 s per
    password with the service's argon2 parameters.
    """
    from dispatch import db as dbmod
    from dispatch.timeutil import utc_now
    from dispatch.users import create_user

    database = dbmod.Database(database_url)
    try:
        with database.write() as session:
            for login in logins:
                create_user(
                    session, login.username, login.password, login.role, login.polsek, utc_now()
                )
    finally:
        database.dispose()

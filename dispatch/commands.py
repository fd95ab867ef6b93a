"""The CLI's commands; ``cli.py`` only parses arguments."""

from __future__ import annotations

import logging
import sys

from sqlalchemy.exc import SQLAlchemyError

from dispatch import db as dbmod
from dispatch.settings import Settings
from dispatch.timeutil import utc_now
from dispatch.users import UserError, create_user

log = logging.getLogger("dispatch")


def _migrate_or_explain(settings: Settings) -> bool:
    try:
        dbmod.upgrade(settings.database_url)
    except SQLAlchemyError as exc:
        print(
            f"ampera-dispatch: basis data tidak dapat dipakai / database unusable "
            f"({settings.database_url.split('@')[-1]}): {exc}",
            file=sys.stderr,
        )
        return False
    return True


def migrate(settings: Settings) -> int:
    return 0 if _migrate_or_explain(settings) else 1


def serve(settings: Settings) -> int:
    import uvicorn

    from dispatch.main import create_app

    if not _migrate_or_explain(settings):
        return 1
    if settings.gateway_token is None:
        log.warning("AMPERA_GATEWAY_TOKEN is not set: gateway ingest returns 401")
    app = create_app(settings)
    log.info("dispatch starting host=%s port=%s", settings.host, settings.port)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )
    return 0


def create_user_command(
    settings: Settings,
    username: str,
    password: str,
    role: str,
    polsek: str | None,
    update: bool,
) -> int:
    if not _migrate_or_explain(settings):
        return 1
    database = dbmod.Database(settings.database_url)
    try:
        with database.write() as session:
            create_user(session, username, password, role, polsek, utc_now(), update=update)
    except UserError as exc:
        print(f"ampera-dispatch: {exc}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    print(f"Pengguna {username!r} dibuat dengan peran {role} (user created with role {role}).")
    return 0

"""``ampera-dispatch``: run the API (``serve``) and administer it (``create-user``, ``migrate``).

Every option can also be set through its ``AMPERA_*`` environment variable;
a flag given on the command line wins.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from dispatch.settings import Settings

log = logging.getLogger("dispatch")


def _add_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL, SQLite or PostgreSQL (AMPERA_DATABASE_URL; "
        "default sqlite:///var/dispatch.db)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ampera-dispatch", description="Ampera Panic dispatch API / API dispatch Ampera Panic"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the API server (uvicorn)")
    _add_database(serve)
    serve.add_argument("--host", help="listen address (AMPERA_HOST; default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (AMPERA_PORT; default 8000)")
    serve.add_argument(
        "--gateway-token",
        help="bearer token the gateway presents (AMPERA_GATEWAY_TOKEN; prefer the variable, "
        "flags are visible to other users in the process list)",
    )
    serve.add_argument(
        "--broker-admin-url",
        help="mqtt://user:pass@host:port of the broker admin account (AMPERA_BROKER_ADMIN_URL)",
    )
    serve.add_argument(
        "--mqtt-ws-url", help="MQTT over WebSockets address for the app (AMPERA_MQTT_WS_URL)"
    )
    serve.add_argument("--log-level", help="DEBUG, INFO, WARNING (AMPERA_LOG_LEVEL; default INFO)")

    create = commands.add_parser("create-user", help="buat akun staf / create a staff account")
    _add_database(create)
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True, help="minimal 8 karakter / at least 8")
    create.add_argument("--role", required=True, help="admin, operator, polsek or technician")
    create.add_argument("--polsek", help="station id from GET /v1/polsek (role polsek only)")
    create.add_argument(
        "--update", action="store_true", help="replace the password and role of an existing user"
    )

    migrate = commands.add_parser("migrate", help="apply database migrations and exit")
    _add_database(migrate)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    overrides = {
        name: value
        for name in (
            "database_url",
            "host",
            "port",
            "gateway_token",
            "broker_admin_url",
            "mqtt_ws_url",
            "log_level",
        )
        if (value := getattr(args, name, None)) is not None
    }
    return Settings(**overrides)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # Alembic reports every plugin it loads at INFO; only its problems matter here.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = settings_from(args)
    except ValidationError as exc:
        print(f"ampera-dispatch: invalid setting: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    if args.command == "serve":
        from dispatch.commands import serve

        return serve(settings)
    if args.command == "create-user":
        from dispatch.commands import create_user_command

        return create_user_command(
            settings, args.username, args.password, args.role, args.polsek, args.update
        )
    from dispatch.commands import migrate

    return migrate(settings)


if __name__ == "__main__":
    sys.exit(main())

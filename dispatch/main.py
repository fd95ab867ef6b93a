"""The FastAPI app factory: routers, error handlers, metrics and the static web folders."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from dispatch import metrics
from dispatch.accounts import BrokerUnavailable, make_broker_accounts
from dispatch.context import AppContext
from dispatch.db import Database
from dispatch.incident_store import InvalidInput, NotFound
from dispatch.lifecycle import TransitionError
from dispatch.ratelimit import SlidingWindowLimiter
from dispatch.routers import (
    auth,
    citizens,
    complaints,
    devices,
    health,
    incidents,
    ingest,
    polsek,
    stats,
)
from dispatch.security import load_signing_key
from dispatch.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = (
    "Dispatch API of Ampera Panic: incidents from panic buttons and the citizen app, "
    "routed to the Polsek of Palembang. See docs/api.md."
)


def create_app(settings: Settings | None = None, context: AppContext | None = None) -> FastAPI:
    """Build the app; ``context`` lets tests pass a fake clock or broker accounts."""
    if context is None:
        settings = settings or Settings()
        context = AppContext(
            settings=settings,
            db=Database(settings.database_url),
            signing_key=load_signing_key(settings),
            accounts=make_broker_accounts(settings),
            limiter=SlidingWindowLimiter(settings.login_max_failures, settings.login_window_s),
            registration_limiter=SlidingWindowLimiter(
                settings.registration_max, settings.registration_window_s
            ),
        )
    app = FastAPI(title="Ampera Panic dispatch API", version="1.0.0", description=DESCRIPTION)
    app.state.context = context
    for module in (health, auth, polsek, incidents, ingest, stats, devices, citizens, complaints):
        app.include_router(module.router)
    _add_error_handlers(app)
    _add_metrics_middleware(app)
    _mount_web(app, context.settings)
    return app


def _json_error(status_code: int, detail: str, reason: str) -> JSONResponse:
    metrics.REJECTED.labels(reason=reason).inc()
    return JSONResponse(status_code=status_code, content={"detail": detail})


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return _json_error(404, str(exc), "not_found")

    @app.exception_handler(TransitionError)
    async def _transition(_request: Request, exc: TransitionError) -> JSONResponse:
        return _json_error(409, str(exc), "invalid_transition")

    @app.exception_handler(InvalidInput)
    async def _invalid(_request: Request, exc: InvalidInput) -> JSONResponse:
        return _json_error(422, str(exc), "invalid")

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("write conflict error=%s", exc.orig)
        return _json_error(409, "conflicting write: the record already exists, retry", "conflict")

    @app.exception_handler(BrokerUnavailable)
    async def _broker(_request: Request, exc: BrokerUnavailable) -> JSONResponse:
        return _json_error(503, f"{exc}: check the broker and retry", "broker")

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        # PostgreSQL rejects some values SQLite stores, such as NUL characters in text.
        log.info("value rejected by the database error=%s", exc.orig)
        return _json_error(422, f"invalid value: {exc.orig}".strip(), "invalid")

    @app.exception_handler(OperationalError)
    async def _operational(_request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database error error=%s", exc.orig)
        return _json_error(503, "database unavailable or busy: retry shortly", "database")

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        metrics.REJECTED.labels(reason="invalid").inc()
        errors = [
            {key: value for key, value in error.items() if key in ("type", "loc", "msg", "input")}
            for error in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": _jsonable(errors)})


def _jsonable(value: object) -> object:
    """Make validation errors JSON-safe (bytes and odd inputs become strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _add_metrics_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def _observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        metrics.REQUESTS.labels(template, request.method, str(response.status_code)).inc()
        metrics.LATENCY.labels(template).observe(time.perf_counter() - started)
        return response


def _mount_web(app: FastAPI, settings: Settings) -> None:
    for folder, path in (("console", "/console"), ("app", "/app")):
        directory = settings.web_dir / folder
        if directory.is_dir():
            app.mount(path, StaticFiles(directory=directory, html=True), name=folder)

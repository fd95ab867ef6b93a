"""Request dependencies: the app context, the current user and role checks."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer

from dispatch import metrics
from dispatch.context import AppContext
from dispatch.incident_store import CITY, Scope
from dispatch.models import User
from dispatch.schemas import Role
from dispatch.security import TokenError, decode_token, token_matches

log = logging.getLogger(__name__)

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/v1/auth/token", auto_error=False)


def get_context(request: Request) -> AppContext:
    return request.app.state.context  # type: ignore[no-any-return]


Context = Annotated[AppContext, Depends(get_context)]


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    role: Role
    polsek: str | None
    expires_at: dt.datetime

    def scope(self) -> Scope:
        if self.role == Role.POLSEK:
            return Scope(polsek=self.polsek, city_wide=False)
        return CITY


def unauthorized(detail: str) -> HTTPException:
    metrics.REJECTED.labels(reason="unauthorized").inc()
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail=detail,
        headers={"WWW-Authenticate": "Bearer"},
    )


def authenticate(context: AppContext, token: str | None) -> Principal:
    if not token:
        raise unauthorized("missing bearer token: log in at POST /v1/auth/token")
    try:
        claims = decode_token(context.signing_key, token, context.clock())
    except TokenError as exc:
        raise unauthorized(f"invalid or expired token ({exc}): log in again") from exc
    with context.db.read() as session:
        user = session.get(User, claims.user_id)
        if user is None or user.disabled or user.username != claims.username:
            raise unauthorized("the token's account no longer exists or is disabled")
        return Principal(user.id, user.username, Role(user.role), user.polsek, claims.expires_at)


def current_user(
    context: Context, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    return authenticate(context, token)


def current_user_or_query(
    context: Context,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    access_token: Annotated[
        str | None, Query(description="Token for clients that cannot set headers (EventSource).")
    ] = None,
) -> Principal:
    return authenticate(context, token or access_token)


CurrentUser = Annotated[Principal, Depends(current_user)]


def ensure_role(user: Principal, allowed: frozenset[Role]) -> Principal:
    """Return ``user`` when its role is allowed, else raise 403."""
    if user.role not in allowed:
        metrics.REJECTED.labels(reason="forbidden").inc()
        names = ", ".join(sorted(role.value for role in allowed))
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail=f"role {user.role.value!r} may not do this: needs one of {names}",
        )
    return user


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)

    def check(user: CurrentUser) -> Principal:
        return ensure_role(user, allowed)

    return check


STAFF_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.POLSEK})


def stream_staff(user: Annotated[Principal, Depends(current_user_or_query)]) -> Principal:
    """Staff, authenticated by header or by ``?access_token=`` (for EventSource)."""
    return ensure_role(user, STAFF_ROLES)


StreamStaff = Annotated[Principal, Depends(stream_staff)]
Staff = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.POLSEK))]
# Technicians may read test incidents only (checked in the route), so that
# ampera-provision can confirm a new device's test alert.
StaffOrTechnician = Annotated[
    Principal,
    Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.POLSEK, Role.TECHNICIAN)),
]
CityStaff = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.OPERATOR))]
DeviceManager = Annotated[Principal, Depends(require_roles(Role.ADMIN, Role.TECHNICIAN))]
DeviceViewer = Annotated[
    Principal,
    Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.POLSEK, Role.TECHNICIAN)),
]
ComplaintFiler = Annotated[
    Principal,
    Depends(require_roles(Role.ADMIN, Role.OPERATOR, Role.POLSEK, Role.CITIZEN)),
]


def require_gateway(context: Context, token: Annotated[str | None, Depends(oauth2_scheme)]) -> None:
    """Accept only the gateway's bearer token (AMPERA_GATEWAY_TOKEN)."""
    expected = context.settings.gateway_token
    if expected is None:
        raise unauthorized("gateway ingest is disabled: AMPERA_GATEWAY_TOKEN is not set")
    if not token or not token_matches(expected.get_secret_value(), token):
        raise unauthorized("missing or wrong gateway token")


Gateway = Annotated[None, Depends(require_gateway)]

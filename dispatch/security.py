"""Password hashes (argon2), access tokens (JWT, HS256) and the signing key kept on disk."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dispatch.settings import Settings

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
KEY_FILE = "dispatch-jwt.key"
_hasher = PasswordHasher()
# Verified when a username does not exist, so both cases take the same time.
# A fixed hash with the default parameters (argon2-cffi 25.1: m=64 MiB, t=3,
# p=4) instead of hashing at import, which costs about 0.3 s.
_DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$rYzT7s6x563heBroOsfU3Q$"
    "6/8SBDOD0sCaE4mQrdIE4HE81WTvhry+6gznp35PgTU"
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def load_signing_key(settings: Settings) -> bytes:
    """Return the configured key, or the one kept in the state directory (created once)."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value().encode()
    path = settings.state_dir() / KEY_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    # O_EXCL: if two processes start at once, one creates the file and the
    # other reads it, so both sign with the same key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    log.info("signing key created path=%s", path)
    return key


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    username: str
    role: str
    polsek: str | None
    expires_at: dt.datetime


class TokenError(Exception):
    pass


def create_token(
    key: bytes,
    user_id: int,
    username: str,
    role: str,
    polsek: str | None,
    now: dt.datetime,
    ttl_s: int,
) -> str:
    payload: dict[str, Any] = {
        "sub": str(user_id),
        "name": username,
        "role": role,
        "polsek": polsek,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + ttl_s,
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def decode_token(key: bytes, token: str, now: dt.datetime) -> TokenClaims:
    """Verify the signature and the expiry against ``now``; raise TokenError otherwise."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "role"], "verify_exp": False, "verify_iat": False},
        )
        claims = TokenClaims(
            user_id=int(payload["sub"]),
            username=str(payload.get("name", "")),
            role=str(payload["role"]),
            polsek=payload.get("polsek"),
            expires_at=dt.datetime.fromtimestamp(int(payload["exp"]), dt.UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
        raise TokenError(str(exc)) from exc
    if claims.expires_at <= now:
        raise TokenError(f"token expired at {claims.expires_at.isoformat()}")
    return claims


def token_matches(expected: str, given: str) -> bool:
    """Compare bearer tokens in constant time."""
    return hmac.compare_digest(expected.encode(), given.encode())

"""Creating staff accounts (the ``create-user`` command and tests)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.models import User
from dispatch.schemas import Role
from dispatch.security import hash_password
from dispatch.stations import STATIONS_BY_ID

MIN_PASSWORD_LENGTH = 8


class UserError(ValueError):
    """Invalid user data; the message is bilingual (Indonesian first)."""


def check_user(username: str, password: str, role: str, polsek: str | None) -> Role:
    if not username or len(username) > 254:
        raise UserError("Nama pengguna harus 1-254 karakter (username must be 1-254 characters).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"Kata sandi terlalu pendek: minimal {MIN_PASSWORD_LENGTH} karakter, "
            f"diberikan {len(password)} "
            f"(password too short: at least {MIN_PASSWORD_LENGTH} characters, got {len(password)})."
        )
    try:
        parsed = Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role if r != Role.CITIZEN)
        raise UserError(
            f"Peran tidak dikenal {role!r}; pilih salah satu: {names} "
            f"(unknown role {role!r}; choose one of: {names})."
        ) from None
    if parsed == Role.CITIZEN:
        raise UserError(
            "Akun warga dibuat lewat aplikasi (POST /v1/citizens) "
            "(citizen accounts register through the app, POST /v1/citizens)."
        )
    if parsed == Role.POLSEK:
        if polsek is None:
            raise UserError("Peran polsek memerlukan --polsek ID (role polsek needs --polsek ID).")
        if polsek not in STATIONS_BY_ID:
            ids = ", ".join(STATIONS_BY_ID)
            raise UserError(
                f"Polsek tidak dikenal {polsek!r}; pilih salah satu: {ids} "
                f"(unknown polsek {polsek!r}; choose one of: {ids})."
            )
    elif polsek is not None:
        raise UserError(
            f"--polsek hanya untuk peran polsek, bukan {role} "
            f"(--polsek applies only to role polsek, not {role})."
        )
    return parsed


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    polsek: str | None,
    now: dt.datetime,
    update: bool = False,
) -> User:
    """Create a staff user, or with ``update`` replace an existing one's password and role."""
    parsed = check_user(username, password, role, polsek)
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is not None and not update:
        raise UserError(
            f"Pengguna {username!r} sudah ada; pakai --update untuk mengganti kata sandinya "
            f"(user {username!r} already exists; use --update to replace its password)."
        )
    if user is None:
        user = User(username=username, created_at=now, disabled=False)
        session.add(user)
    user.password_hash = hash_password(password)
    user.role = parsed.value
    user.polsek = polsek
    session.flush()
    return user

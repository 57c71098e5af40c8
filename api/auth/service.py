"""Passwords (development users only), bearer tokens and the principal behind them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, insert, select

from api.auth.principal import Principal
from api.auth.tables import auth_token, user_kle
from api.org.tables import app_user, user_role

TOKEN_LIFETIME = timedelta(hours=10)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, salt_hex, digest_hex = stored.split("$")
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest_hex)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def load_principal(conn: Connection, user_id: object) -> Principal | None:
    user = conn.execute(
        select(app_user).where(app_user.c.id == user_id, app_user.c.active.is_(True))
    ).first()
    if user is None:
        return None
    roles = conn.execute(select(user_role.c.role).where(user_role.c.user_id == user.id))
    kle = conn.execute(select(user_kle.c.kle).where(user_kle.c.user_id == user.id))
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        municipality_id=user.municipality_id,
        org_unit_id=user.org_unit_id,
        roles=frozenset(r for (r,) in roles),
        kle=frozenset(k for (k,) in kle),
    )


def sign_in(conn: Connection, *, username: str, password: str) -> str | None:
    """A new bearer token for valid credentials, else None (same answer for every failure)."""
    user = conn.execute(select(app_user).where(app_user.c.username == username)).first()
    if user is None or not user.active or not verify_password(password, user.password_hash):
        return None
    return issue_token(conn, user.id)


def issue_token(conn: Connection, user_id: object) -> str:
    """A new bearer token (the session) for a user already authenticated (password or SSO)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    conn.execute(delete(auth_token).where(auth_token.c.expires_at < now))
    conn.execute(
        insert(auth_token).values(
            token_hash=_token_hash(token), user_id=user_id, expires_at=now + TOKEN_LIFETIME
        )
    )
    return token


def principal_for_token(conn: Connection, token: str) -> Principal | None:
    row = conn.execute(
        select(auth_token.c.user_id).where(
            auth_token.c.token_hash == _token_hash(token),
            auth_token.c.expires_at > datetime.now(UTC),
        )
    ).first()
    return load_principal(conn, row.user_id) if row else None


def sign_out(conn: Connection, token: str) -> None:
    """Ends the session: the token stops working at once, not only when it expires."""
    conn.execute(delete(auth_token).where(auth_token.c.token_hash == _token_hash(token)))

"""The sign-in rate limit: failed password attempts per user name and address, in Redis.

After `login_max_failures` failures within `login_lockout_seconds`, that user name from that
address is refused until the window has passed (counted from the last failure); a successful
sign-in clears the count. Another address, or another user name, is not held up.
"""

from __future__ import annotations

import hashlib

import redis

from api.settings import Settings


def _key(username: str, address: str) -> str:
    # Hashed: neither the user name nor the address lands in Redis as such.
    digest = hashlib.sha256(f"{username.strip().lower()}\x00{address}".encode()).hexdigest()
    return f"login:failures:{digest}"


def message(settings: Settings) -> str:
    minutes = max(1, round(settings.login_lockout_seconds / 60))
    return f"For mange forkerte forsøg. Vent {minutes} minutter, og prøv så igen."


def blocked(r: redis.Redis, settings: Settings, username: str, address: str) -> bool:
    count = r.get(_key(username, address))
    return count is not None and int(count) >= settings.login_max_failures


def failed(r: redis.Redis, settings: Settings, username: str, address: str) -> None:
    key = _key(username, address)
    with r.pipeline() as pipe:
        pipe.incr(key)
        pipe.expire(key, settings.login_lockout_seconds)
        pipe.execute()


def succeeded(r: redis.Redis, username: str, address: str) -> None:
    r.delete(_key(username, address))

"""Database engine and sessions; one engine per process."""

from __future__ import annotations

import redis
from sqlalchemy import Engine, create_engine

from api.settings import Settings


def make_engine(settings: Settings, *, pool_size: int = 5) -> Engine:
    return create_engine(
        settings.database_url.get_secret_value(),
        pool_size=pool_size,
        pool_pre_ping=True,
        future=True,
    )


def make_redis(settings: Settings) -> redis.Redis:
    password = settings.redis_password.get_secret_value() or None
    return redis.Redis.from_url(
        settings.redis_url,
        password=password,
        decode_responses=True,
        socket_timeout=10,
        health_check_interval=10,
    )

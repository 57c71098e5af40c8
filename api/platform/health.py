"""Health of the stack as the API sees it: database, engine, and the projector's progress."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import redis
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import SQLAlchemyError

from api.esdh.service import esdh_health
from api.projector import tables as t
from api.projector.consumer import stream_names
from api.settings import Settings


def database_health(engine: Engine) -> dict[str, Any]:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "UP"}
    except SQLAlchemyError as exc:
        return {"status": "DOWN", "error": type(exc).__name__}


def broker_health(settings: Settings) -> dict[str, Any]:
    try:
        response = httpx.get(f"{settings.zeebe_rest_url}/v1/topology", timeout=3)
        response.raise_for_status()
        topology = response.json()
        return {"status": "UP", "gatewayVersion": topology.get("gatewayVersion")}
    except (httpx.HTTPError, ValueError) as exc:
        return {"status": "DOWN", "error": type(exc).__name__}


def projector_health(settings: Settings, engine: Engine, client: redis.Redis) -> dict[str, Any]:
    """Per stream: entries not yet read (lag), read but not acknowledged (pending), and the
    last projected engine position and its age."""
    streams: dict[str, Any] = {}
    try:
        for stream in stream_names(settings.stream_prefix):
            groups = client.xinfo_groups(stream) if client.exists(stream) else []
            group = next((g for g in groups if g["name"] == settings.projector_group), None)
            streams[stream] = {
                "lag": int(group["lag"] or 0) if group else None,
                "pending": int(group["pending"]) if group else None,
            }
    except redis.RedisError as exc:
        return {"status": "DOWN", "error": type(exc).__name__}
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(t.projector_state)).fetchall()
    except SQLAlchemyError as exc:
        return {"status": "DOWN", "error": type(exc).__name__}
    now = datetime.now(UTC)
    position = 0
    for row in rows:
        entry = streams.setdefault(row.stream, {})
        entry["position"] = row.last_position
        entry["lastRecordAgeSeconds"] = round((now - row.last_record_time).total_seconds(), 3)
        position = max(position, row.last_position)
    lag = sum((s.get("lag") or 0) + (s.get("pending") or 0) for s in streams.values())
    return {"status": "UP", "position": position, "lag": lag, "streams": streams}


def stack_health(settings: Settings, engine: Engine, client: redis.Redis) -> dict[str, Any]:
    parts = {
        "database": database_health(engine),
        "broker": broker_health(settings),
        "projector": projector_health(settings, engine, client),
    }
    status = "UP" if all(p["status"] == "UP" for p in parts.values()) else "DOWN"
    # Journalising is shown, not judged: a failing ESDH does not take the stack down.
    return {"status": status, **parts, "esdh": esdh_health(engine)}

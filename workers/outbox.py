"""The outbox relay: publishes queued engine messages written by the API, exactly once.

The API writes the message in the same transaction as the data it belongs to. This loop sends
due messages with their messageId; the engine refuses a second message with the same id while
the first is buffered, so a publish repeated after a crash is harmless. A broker outage only
delays the start: the row stays due and is retried with backoff.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import structlog
from pyzeebe import ZeebeClient
from pyzeebe.errors import MessageAlreadyExistsError
from sqlalchemy import Engine, select, update

from api.cases.tables import outbox
from api.logging import mask_cpr

log = structlog.get_logger("outbox")

MESSAGE_TTL_MS = 3_600_000
BATCH = 50
MAX_BACKOFF = timedelta(minutes=5)


def _due(engine: Engine) -> list[dict[str, object]]:
    with engine.begin() as conn:
        rows = conn.execute(
            select(outbox)
            .where(outbox.c.sent_at.is_(None), outbox.c.next_attempt_at <= datetime.now(UTC))
            .order_by(outbox.c.created_at)
            .limit(BATCH)
        ).fetchall()
    return [dict(r._mapping) for r in rows]


def _mark(engine: Engine, row_id: object, error: str | None, attempts: int) -> None:
    now = datetime.now(UTC)
    values: dict[str, object]
    if error is None:
        values = {"sent_at": now, "last_error": None}
    else:
        delay = min(timedelta(seconds=2 ** min(attempts, 8)), MAX_BACKOFF)
        values = {"attempts": attempts, "last_error": error[:500], "next_attempt_at": now + delay}
    with engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == row_id).values(**values))


async def relay_once(engine: Engine, client: ZeebeClient) -> int:
    sent = 0
    for row in await asyncio.to_thread(_due, engine):
        try:
            await client.publish_message(
                str(row["message_name"]),
                str(row["correlation_key"]),
                dict(row["variables"]),  # type: ignore[call-overload]
                time_to_live_in_milliseconds=MESSAGE_TTL_MS,
                message_id=str(row["message_id"]),
            )
        except MessageAlreadyExistsError:
            pass  # published before a crash: it is in the engine already
        except Exception as exc:  # the broker is down or refused: try again later
            attempts = int(row["attempts"]) + 1  # type: ignore[call-overload]
            log.warning(
                "publish failed",
                outbox_id=str(row["id"]),
                attempts=attempts,
                error=mask_cpr(type(exc).__name__),
            )
            await asyncio.to_thread(_mark, engine, row["id"], type(exc).__name__, attempts)
            continue
        await asyncio.to_thread(_mark, engine, row["id"], None, 0)
        sent += 1
    return sent


async def run(engine: Engine, client: ZeebeClient, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await relay_once(engine, client)
        except Exception as exc:  # the database is down: keep the loop alive
            log.warning("outbox relay failed", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=0.25)
        except TimeoutError:
            pass

"""Reading the read model in tests, and waiting for the projector to catch up."""

from __future__ import annotations

import time
from typing import Any

import redis
from sqlalchemy import Engine, select, text

from api.projector import tables as t
from api.projector.consumer import stream_names
from api.projector.store import replay
from tests.harness.waiting import eventually


def projector_backlog(client: redis.Redis, prefix: str, group: str = "projector") -> int:
    """Entries exported but not yet projected and acknowledged, over all streams (up to 1,000
    undelivered ones per stream: enough to tell "not yet").

    Undelivered entries are counted from the group's last-delivered id, not taken from XINFO's
    `lag`: Redis 7.0 restarted from its append-only file after a rewrite can report a lag for
    entries long delivered (entries-read goes back), and it would never reach 0."""
    backlog = 0
    for stream in stream_names(prefix):
        if not client.exists(stream):
            continue
        for info in client.xinfo_groups(stream):
            if info["name"] == group:
                after = f"({info['last-delivered-id']}"
                backlog += len(client.xrange(stream, min=after, count=1000))
                backlog += int(info["pending"])
    return backlog


def wait_projected(client: redis.Redis, prefix: str, timeout: float = 60) -> None:
    """Wait until the projector has acknowledged everything in Redis, seen twice in a row one
    exporter cycle apart (the exporter flushes every 100 ms)."""

    def caught_up() -> bool:
        if projector_backlog(client, prefix):
            return False
        time.sleep(0.3)  # one exporter flush cycle, inside the poll, not in a test
        return projector_backlog(client, prefix) == 0

    eventually(caught_up, timeout=timeout, what="projector caught up")


def process_instance(db: Engine, key: int) -> Any:
    with db.connect() as conn:
        return conn.execute(
            select(t.process_instance).where(t.process_instance.c.process_instance_key == key)
        ).first()


def rows(db: Engine, table: t.Table, **where: Any) -> list[Any]:
    stmt = select(table)
    for column, value in where.items():
        stmt = stmt.where(table.c[column] == value)
    with db.connect() as conn:
        return list(conn.execute(stmt).fetchall())


def deadline_timer(db: Engine, process_instance_key: int, rule: str) -> Any | None:
    """The instance's timer for deadline rule `rule`, once the read model has it."""
    return next(
        (
            timer
            for timer in rows(db, t.timer, process_instance_key=process_instance_key)
            if timer.deadline_rule == rule
        ),
        None,
    )


def snapshot(conn: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every projection table, ordered by its key."""
    result = {}
    for table in t.PROJECTIONS:
        pk = list(table.primary_key.columns)
        result[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*pk))]
    return result


def live_and_replayed(db: Engine) -> tuple[dict[str, Any], dict[str, Any]]:
    """The live read model and a fresh replay of the raw table, the replay rolled back."""
    with db.connect() as conn:
        trans = conn.begin()
        conn.execute(text("LOCK TABLE raw_record IN SHARE MODE"))
        live = snapshot(conn)
        replay(conn)
        replayed = snapshot(conn)
        trans.rollback()
    return live, replayed


def exported_process_completions(client: redis.Redis, prefix: str) -> set[int]:
    """Process instance keys whose completion is already in Redis (not yet projected)."""
    import json

    done: set[int] = set()
    for _, fields in client.xrange(f"{prefix}:PROCESS_INSTANCE"):
        record = json.loads(fields["record"])
        value = record["value"]
        if record["intent"] == "ELEMENT_COMPLETED" and value["bpmnElementType"] == "PROCESS":
            done.add(value["processInstanceKey"])
    return done


def pending_by_consumer(
    client: redis.Redis, prefix: str, group: str = "projector"
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for stream in stream_names(prefix):
        if not client.exists(stream):
            continue
        for consumer in client.xinfo_consumers(stream, group):
            counts[consumer["name"]] = counts.get(consumer["name"], 0) + int(consumer["pending"])
    return counts

"""The projector: Redis streams from the exporter -> raw table and read model in PostgreSQL.

Delivery is at least once. A batch is committed to PostgreSQL before it is acknowledged in
Redis, so a crash between the two only replays records that the raw table's primary key then
ignores. The consumer name is fixed, so after a restart it first reads its own pending entries;
entries left pending by another consumer that went silent are claimed.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
import structlog
from sqlalchemy import Connection, Engine
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError

from api.projector import metrics
from api.projector import tables as t
from api.projector.mapping import MAPPERS, Record, ms_to_dt
from api.projector.store import project
from api.settings import Settings

log = structlog.get_logger("projector")

Entry = tuple[str, str, Record | None]  # stream, entry id, record (None if trimmed meanwhile)


def stream_names(prefix: str) -> list[str]:
    return [f"{prefix}:{value_type}" for value_type in MAPPERS]


@dataclass
class FaultInjection:
    """Test seam: SIGKILL this process at a chosen point of the n-th batch (BS_PROJECTOR_FAULT,
    e.g. `after_commit:3`). Used by the crash tests; unset in every other run."""

    point: str = ""
    batch: int = 0

    @classmethod
    def from_env(cls) -> FaultInjection:
        spec = os.environ.get("BS_PROJECTOR_FAULT", "")
        if not spec:
            return cls()
        point, _, n = spec.partition(":")
        return cls(point, int(n or 1))

    def at(self, point: str, batch_no: int) -> None:
        if self.point == point and self.batch == batch_no:
            os.kill(os.getpid(), signal.SIGKILL)


class Projector:
    def __init__(self, settings: Settings, engine: Engine, client: redis.Redis) -> None:
        self.settings = settings
        self.engine = engine
        self.redis = client
        self.group = settings.projector_group
        self.consumer = settings.projector_consumer
        self.streams = stream_names(settings.stream_prefix)
        self.fault = FaultInjection.from_env()
        self.batches = 0
        self._last_claim = 0.0

    def ensure_groups(self) -> None:
        for stream in self.streams:
            try:
                self.redis.xgroup_create(stream, self.group, id="0-0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    @staticmethod
    def _decode(stream: str, entries: Sequence[Any]) -> list[Entry]:
        decoded: list[Entry] = []
        for entry_id, fields in entries:
            record = json.loads(fields["record"]) if fields and "record" in fields else None
            decoded.append((stream, entry_id, record))
        return decoded

    def _read(self, start: str, block: int | None) -> list[Entry]:
        response: Any = self.redis.xreadgroup(
            self.group,
            self.consumer,
            dict.fromkeys(self.streams, start),
            count=self.settings.projector_batch,
            block=block,
        )
        entries: list[Entry] = []
        for stream, items in response or []:
            entries.extend(self._decode(stream, items))
        return entries

    def handle(self, entries: list[Entry]) -> int:
        if not entries:
            return 0
        self.batches += 1
        records = [record for _, _, record in entries if record is not None]
        with self.engine.connect() as conn:
            with conn.begin():
                new = project(conn, records)
                self._save_state(conn, entries)
                self.fault.at("before_commit", self.batches)
            self.fault.at("after_commit", self.batches)
        metrics.observe_batch(records, time.time())
        pipe = self.redis.pipeline(transaction=False)
        for stream in {s for s, _, _ in entries}:
            pipe.xack(stream, self.group, *[i for s, i, _ in entries if s == stream])
        pipe.execute()
        log.debug("batch projected", entries=len(entries), new=new)
        return new

    def _save_state(self, conn: Connection, entries: list[Entry]) -> None:
        latest: dict[str, tuple[str, Record]] = {}
        counts: dict[str, int] = {}
        for stream, entry_id, record in entries:
            if record is not None:
                latest[stream] = (entry_id, record)
                counts[stream] = counts.get(stream, 0) + 1
        now = datetime.now(UTC)
        for stream, (entry_id, record) in latest.items():
            stmt = insert(t.projector_state).values(
                stream=stream,
                last_entry_id=entry_id,
                partition_id=record["partitionId"],
                last_position=record["position"],
                last_record_time=ms_to_dt(record["timestamp"]),
                records=counts[stream],
                updated_at=now,
            )
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["stream"],
                    set_={
                        "last_entry_id": stmt.excluded.last_entry_id,
                        "partition_id": stmt.excluded.partition_id,
                        "last_position": stmt.excluded.last_position,
                        "last_record_time": stmt.excluded.last_record_time,
                        "records": t.projector_state.c.records + stmt.excluded.records,
                        "updated_at": stmt.excluded.updated_at,
                    },
                )
            )

    def recover_own_pending(self) -> int:
        """Entries delivered to this consumer name before a crash and never acknowledged."""
        total = 0
        while entries := self._read("0", None):
            total += len(entries)
            self.handle(entries)
        if total:
            log.info("recovered pending entries", entries=total)
        return total

    def claim_from_dead_consumers(self) -> int:
        total = 0
        for stream in self.streams:
            start = "0-0"
            while True:
                next_start, items, _deleted = self.redis.xautoclaim(
                    stream,
                    self.group,
                    self.consumer,
                    min_idle_time=self.settings.projector_claim_idle_ms,
                    start_id=start,
                    count=self.settings.projector_batch,
                )
                entries = self._decode(stream, items)
                total += len(entries)
                self.handle(entries)
                if next_start in ("0-0", start) or not items:
                    break
                start = next_start
        if total:
            log.info("claimed entries of silent consumers", entries=total)
        return total

    def run(self, should_stop: Callable[[], bool]) -> None:
        log.info("projector starting", streams=len(self.streams), consumer=self.consumer)
        recovered = False
        while not should_stop():
            try:
                if not recovered:
                    # Also after a Redis or database outage: what was read but not acknowledged
                    # is still pending for this consumer name.
                    self.ensure_groups()
                    self.recover_own_pending()
                    recovered = True
                now = time.monotonic()
                if now - self._last_claim > self.settings.projector_claim_idle_ms / 2000:
                    self._last_claim = now
                    self.claim_from_dead_consumers()
                self.handle(self._read(">", 1000))
            except (redis.ConnectionError, redis.TimeoutError, OperationalError) as exc:
                log.warning("dependency unavailable, retrying", error=type(exc).__name__)
                recovered = False
                time.sleep(1)

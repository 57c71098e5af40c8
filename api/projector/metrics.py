"""The projector's Prometheus metrics (README, "Metrics").

- `boernesag_projector_lag_seconds`: at the last commit, how old the newest record of the batch
  was: the time between the broker writing it (its timestamp) and its projection;
- `boernesag_projector_record_lag_seconds`: the same for every record, as a histogram;
- `boernesag_projector_records_total`: records committed to the read model, per value type (at
  least once: a record replayed after a crash counts again);
- `boernesag_projector_last_commit_timestamp_seconds`: when a batch was last committed;
- `boernesag_projector_stream_lag_entries` and `..._stream_pending_entries`: per stream, the
  entries not yet delivered to the projector's group and those delivered but not acknowledged
  (Redis XINFO GROUPS, read when scraped).

Record timestamps are the broker's clock; on a stack whose engine clock was moved forward (the
clock tests) a record can look younger than now, and its lag counts as 0. Served on 127.0.0.1 at
`BS_PROJECTOR_METRICS_PORT`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import redis
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from api.projector.mapping import MAPPERS, Record

LAG = Gauge(
    "boernesag_projector_lag_seconds",
    "Age of the newest record of the last committed batch at its commit, in seconds.",
)
RECORD_LAG = Histogram(
    "boernesag_projector_record_lag_seconds",
    "Seconds between a record's timestamp in the broker and its commit to the read model.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
)
RECORDS = Counter(
    "boernesag_projector_records",
    "Records committed to the read model, per value type.",
    ["value_type"],
)
LAST_COMMIT = Gauge(
    "boernesag_projector_last_commit_timestamp_seconds",
    "Unix time of the projector's last committed batch.",
)


def value_type_label(record: Record) -> str:
    value_type = record.get("valueType")
    return value_type if isinstance(value_type, str) and value_type in MAPPERS else "other"


def observe_batch(records: Iterable[Record], now: float) -> None:
    """After a batch's commit at `now` (Unix seconds)."""
    newest: float | None = None
    for record in records:
        RECORDS.labels(value_type_label(record)).inc()
        timestamp = record.get("timestamp")
        if not isinstance(timestamp, int | float) or timestamp < 0:
            continue
        lag = max(0.0, now - timestamp / 1000)
        RECORD_LAG.observe(lag)
        newest = lag if newest is None else min(newest, lag)
    if newest is not None:
        LAG.set(newest)
    LAST_COMMIT.set(now)


class StreamBacklog(Collector):
    """Per stream, what waits for the projector's consumer group; read from Redis per scrape."""

    def __init__(self, client: redis.Redis, group: str, streams: Sequence[str], prefix: str):
        self.client = client
        self.group = group
        self.streams = list(streams)
        self.prefix = f"{prefix}:"

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lag = GaugeMetricFamily(
            "boernesag_projector_stream_lag_entries",
            "Entries of a stream not yet delivered to the projector's consumer group.",
            labels=["value_type"],
        )
        pending = GaugeMetricFamily(
            "boernesag_projector_stream_pending_entries",
            "Entries delivered to the projector and not yet acknowledged.",
            labels=["value_type"],
        )
        try:
            pipe = self.client.pipeline(transaction=False)
            for stream in self.streams:
                pipe.xinfo_groups(stream)
            answers: list[Any] = pipe.execute(raise_on_error=False)
        except redis.RedisError:
            answers = []
        for stream, answer in zip(self.streams, answers, strict=False):
            if isinstance(answer, Exception):
                continue  # no such stream yet
            for group in answer:
                if group.get("name") != self.group:
                    continue
                label = stream.removeprefix(self.prefix)
                pending.add_metric([label], float(group.get("pending") or 0))
                if group.get("lag") is not None:  # Redis cannot always tell
                    lag.add_metric([label], float(group["lag"]))
        yield lag
        yield pending

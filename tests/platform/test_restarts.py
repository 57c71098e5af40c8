"""The broker and Redis restart under a running system; nothing is lost."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from api.projector import tables as t
from infra.stack import Broker, BrokerOptions, PortInUse, Ports
from tests.harness.platform import Ids, Platform
from tests.harness.readmodel import live_and_replayed, process_instance, rows
from tests.harness.waiting import eventually

pytestmark = pytest.mark.chaos


def completed(platform: Platform, key: int) -> bool:
    row = process_instance(platform.db, key)
    return row is not None and row.state == "COMPLETED"


def test_broker_killed_and_restarted_workers_reconnect_instance_completes(
    platform: Platform, ids: Ids
) -> None:
    """kill -9 of the broker while an instance waits; after the restart the same worker
    process picks up the next job and the instance completes."""
    platform.require_local()
    key = platform.engine.start("wait_then_echo", {"token": ids.case_id})
    eventually(
        lambda: any(
            e.element_id == "continue_received" and e.state == "ACTIVE"
            for e in rows(platform.db, t.element_instance, process_instance_key=key)
        ),
        what="instance waiting for its message",
    )
    workers = platform.stack.apps["workers"]
    workers_pid = workers.pid
    broker = platform.stack.broker
    broker.kill()
    broker.start(platform.stack.logs / "broker.log")
    broker.wait_ready()
    platform.engine.publish("platform-continue", ids.case_id)
    eventually(
        lambda: completed(platform, key), timeout=90, what="instance completed after restart"
    )
    (job,) = rows(platform.db, t.job, process_instance_key=key)
    assert job.state == "COMPLETED"
    assert workers.alive() and workers.pid == workers_pid, "workers reconnected without a restart"
    platform.wait_projected()
    live, replayed = live_and_replayed(platform.db)
    assert live == replayed


def test_redis_killed_and_restarted_loses_nothing(platform: Platform, ids: Ids) -> None:
    """kill -9 of Redis between instances: what the engine wrote while Redis was down, and
    what was in Redis when it died, all reaches the read model."""
    platform.require_local()
    start = lambda i: platform.engine.start("platform_smoke", {"token": f"{ids.case_id}-{i}"})  # noqa: E731
    before = [start(i) for i in range(5)]
    platform.stack.redis.proc.kill()  # type: ignore[union-attr]
    during = [start(i) for i in range(5, 10)]
    platform.stack.redis.start()
    after = [start(i) for i in range(10, 15)]
    keys = before + during + after
    eventually(
        lambda: all(completed(platform, key) for key in keys),
        timeout=90,
        what="every instance projected after the Redis restart",
    )
    platform.wait_projected()
    live, replayed = live_and_replayed(platform.db)
    assert live == replayed


def test_a_broker_that_cannot_bind_its_port_fails_fast_with_its_log(
    platform: Platform, tmp_path: Path
) -> None:
    """Zeebe does not exit when a port is taken; it stops its cluster and waits. The stack
    reads that from the log and says so, instead of waiting out the readiness timeout."""
    platform.require_local()
    ports = Ports.free()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", ports.internal))
        blocker.listen()
        broker = Broker(
            tmp_path / "zeebe",
            ports,
            platform.stack.redis,
            BrokerOptions(heap="256m", test_mode=True, stream_prefix="portclash"),
        )
        broker.start(tmp_path / "broker.log")
        try:
            with pytest.raises(PortInUse, match="Address already in use"):
                broker.wait_ready(timeout=180)
        finally:
            broker.kill()

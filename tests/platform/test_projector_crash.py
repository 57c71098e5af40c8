"""The projector loses nothing and duplicates nothing when it dies at the worst moments."""

from __future__ import annotations

import signal

import pytest

from tests.harness.platform import Ids, Platform
from tests.harness.readmodel import (
    exported_process_completions,
    live_and_replayed,
    pending_by_consumer,
    process_instance,
)
from tests.harness.waiting import eventually

pytestmark = pytest.mark.chaos
INSTANCES = 20


def start_while_projector_stopped(platform: Platform, ids: Ids) -> list[int]:
    platform.stack.apps["projector"].stop()
    keys = [
        platform.engine.start("platform_smoke", {"token": f"{ids.case_id}-{i}"})
        for i in range(INSTANCES)
    ]
    eventually(
        lambda: set(keys) <= exported_process_completions(platform.redis, platform.prefix),
        what="all instances exported to Redis",
    )
    return keys


def all_completed(platform: Platform, keys: list[int]) -> bool:
    rows = [process_instance(platform.db, key) for key in keys]
    return all(row is not None and row.state == "COMPLETED" for row in rows)


def assert_recovered(platform: Platform, keys: list[int]) -> None:
    platform.restart_projector()
    eventually(lambda: all_completed(platform, keys), what="every instance projected")
    platform.wait_projected()
    live, replayed = live_and_replayed(platform.db)
    assert live == replayed
    assert sum(pending_by_consumer(platform.redis, platform.prefix).values()) == 0


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_kill_9_mid_batch_then_restart_equals_fresh_replay(
    platform: Platform, ids: Ids, point: str
) -> None:
    """SIGKILL inside a batch's transaction, or after its commit but before the Redis ack:
    after a restart the read model equals a replay of the raw table, with every instance."""
    keys = start_while_projector_stopped(platform, ids)
    crashing = platform.restart_projector(BS_PROJECTOR_FAULT=f"{point}:1", BS_PROJECTOR_BATCH="25")
    assert crashing.wait(timeout=60) == -signal.SIGKILL
    # The batch it was killed in is still pending for its fixed consumer name.
    assert pending_by_consumer(platform.redis, platform.prefix).get("projector-1", 0) > 0
    if point == "before_commit":
        assert not all_completed(platform, keys)
    assert_recovered(platform, keys)


def test_entries_of_a_dead_consumer_are_claimed(platform: Platform, ids: Ids) -> None:
    """Entries read by another projector that then died are taken over and projected."""
    keys = start_while_projector_stopped(platform, ids)
    streams = {f"{platform.prefix}:PROCESS_INSTANCE": ">", f"{platform.prefix}:JOB": ">"}
    platform.redis.xreadgroup("projector", "projector-dead", streams, count=10_000)
    assert pending_by_consumer(platform.redis, platform.prefix)["projector-dead"] > 0
    platform.restart_projector(BS_PROJECTOR_CLAIM_IDLE_MS="500")
    eventually(lambda: all_completed(platform, keys), what="claimed entries projected")
    eventually(lambda: pending_by_consumer(platform.redis, platform.prefix)["projector-dead"] == 0)
    platform.redis.xgroup_delconsumer(f"{platform.prefix}:JOB", "projector", "projector-dead")
    platform.redis.xgroup_delconsumer(
        f"{platform.prefix}:PROCESS_INSTANCE", "projector", "projector-dead"
    )
    assert_recovered(platform, keys)

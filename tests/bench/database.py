"""What the read-model benchmarks share: a stack with only PostgreSQL (migrated and seeded with
the demo organisation, its data removed afterwards) and a timer over repeated calls."""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from infra.platform import Stack, StackOptions
from infra.stack import REPO, Ports


@contextmanager
def database_stack(name: str) -> Iterator[Stack]:
    """PostgreSQL under .runtime/<name>, migrated and seeded; `owner_database_url` and
    `database_url` set. Stopped and its data removed on the way out (the logs stay)."""
    root = REPO / ".runtime" / name
    shutil.rmtree(root, ignore_errors=True)
    stack = Stack(root, Ports.free(), StackOptions(api=False))
    assert stack.postgres is not None
    try:
        stack.postgres.start()
        stack.owner_database_url, stack.database_url = stack.postgres.ensure_database(
            stack.options.database
        )
        stack.migrate()
        stack.seed()
        yield stack
    finally:
        stack.postgres.stop()
        shutil.rmtree(root / "data", ignore_errors=True)


def timed(runs: int, fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Median and worst of `runs` calls in milliseconds, and the last call's result."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), max(times), result

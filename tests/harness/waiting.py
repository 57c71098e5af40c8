"""The one way tests wait: poll a condition until it holds. No sleeps in tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TIMEOUT = 45.0


def eventually(
    check: Callable[[], T], timeout: float = DEFAULT_TIMEOUT, interval: float = 0.2, what: str = ""
) -> T:
    """Call `check` until it returns a truthy value without raising AssertionError; return it.

    On timeout the last AssertionError (or a plain one) is raised, so the test shows why.
    """
    assert timeout >= 30, "eventually() waits at least 30 s: slow machines are still correct"
    deadline = time.monotonic() + timeout
    last: AssertionError | None = None
    while True:
        try:
            value = check()
            if value:
                return value
            last = None
        except AssertionError as exc:
            last = exc
        if time.monotonic() > deadline:
            if last:
                raise last
            raise AssertionError(f"condition not met within {timeout:.0f}s: {what or check}")
        time.sleep(interval)

"""Shared pytest hooks: test order, and the component logs of a failed test."""

from __future__ import annotations

from pathlib import Path

import pytest

LOG_TAIL_CHARS = 4000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that kill platform processes run after the others; clock tests run last of all,
    # because the engine clock is global and only moves forward.
    def rank(item: pytest.Item) -> int:
        # The personal-data scan looks at everything the other tests left behind.
        if item.get_closest_marker("pii_scan"):
            return 3
        if item.get_closest_marker("clock"):
            return 2
        if item.get_closest_marker("chaos"):
            return 1
        return 0

    items.sort(key=rank)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    roots: list[Path] = getattr(item.config, "_platform_roots", [])
    for root in roots:
        for log in sorted(root.glob("logs/*.log")) + sorted(root.glob("data/*.log")):
            tail = log.read_text(errors="replace")[-LOG_TAIL_CHARS:]
            report.sections.append((f"log {log.relative_to(root.parent)}", tail))

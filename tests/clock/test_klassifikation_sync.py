"""The nightly classification load on the moved clock: the timer starts `klassifikation_sync`
at 03:00 UTC, its worker loads KLE and the kontoplan through SF1510 (audited), a class changed
locally is put back as Klassifikation has it, and the rest is left untouched (idempotent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from api.audit.tables import audit_event
from api.classification.tables import classification
from api.projector import tables as rm
from tests.clock.test_timers import wait_until_idle
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually

pytestmark = pytest.mark.clock


def next_load(after: datetime) -> datetime:
    """Just past the next nightly load (03:00 UTC)."""
    run = after.astimezone(UTC).replace(hour=3, minute=0, second=0, microsecond=0)
    return (run if run > after else run + timedelta(days=1)) + timedelta(minutes=5)


def snapshot(platform: Platform) -> dict[Any, tuple[str, datetime]]:
    with platform.db.connect() as conn:
        found = conn.execute(
            select(classification.c.id, classification.c.title, classification.c.updated_at)
        )
        return {row.id: (row.title, row.updated_at) for row in found}


def test_the_nightly_load_restores_a_changed_class_and_leaves_the_rest(
    clock_platform: Platform, clock: EngineClock
) -> None:
    platform = clock_platform
    before = snapshot(platform)
    assert before, "the stack loads the classification at start"
    changed = next(iter(sorted(before)))
    with platform.db.begin() as conn:
        conn.execute(
            update(classification)
            .where(classification.c.id == changed)
            .values(title="Forældet titel")
        )
    started = {
        r.process_instance_key
        for r in rows(platform.db, rm.process_instance, bpmn_process_id="klassifikation_sync")
    }
    wait_until_idle(platform)
    clock.advance(next_load(clock.now()) - clock.now())

    def completed() -> list[Any]:
        runs = [
            r
            for r in rows(platform.db, rm.process_instance, bpmn_process_id="klassifikation_sync")
            if r.process_instance_key not in started
        ]
        return [r for r in runs if r.state == "COMPLETED"]

    eventually(completed, what="the nightly classification load")
    after = snapshot(platform)
    assert after[changed][0] == before[changed][0]  # put back as SF1510 has it
    untouched = {key: value for key, value in before.items() if key != changed}
    assert {key: after[key] for key in untouched} == untouched  # nothing else written
    with platform.db.connect() as conn:
        calls = list(
            conn.execute(
                select(audit_event).where(
                    audit_event.c.action.like("adapter.sf1510.%"),
                    audit_event.c.path == "job:klassifikation.sync",
                )
            )
        )
    assert calls and all(call.status_code == 200 for call in calls)

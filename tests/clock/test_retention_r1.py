"""The nightly retention run on the moved clock (rule R1): the timer starts `retention` at 02:00
UTC, and its worker takes "today" from the engine's clock: a closed case that falls due only
days after the engine's now is kept until the clock passes its date, then deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.projector import tables as rm
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import complete, start_underretning, task_named
from tests.platform.test_retention import (
    NOTE,
    REASON,
    all_ended,
    backdate_closing,
    case_row,
    mentions,
)

pytestmark = pytest.mark.clock


def next_run(after: datetime) -> datetime:
    """Just past the next nightly run (02:00 UTC)."""
    run = after.astimezone(UTC).replace(hour=2, minute=0, second=0, microsecond=0)
    return (run if run > after else run + timedelta(days=1)) + timedelta(minutes=5)


def test_the_nightly_run_deletes_a_case_once_the_engine_clock_passes_its_date(
    clock_platform: Platform, clock: EngineClock, clients: tuple[ApiClient, ApiClient]
) -> None:
    platform = clock_platform
    caseworker, _ = clients
    case_id, _ = start_underretning(caseworker, "close", received_at=clock.now())
    assert caseworker.post(f"/api/cases/{case_id}/journal-notes", NOTE).status_code == 201
    assert caseworker.post(f"/api/cases/{case_id}/close", {}).status_code == 201
    complete(caseworker, task_named(caseworker, case_id, "Afslut sagen"), REASON)
    eventually(lambda: case_row(platform, case_id).status == "closed")
    eventually(lambda: all_ended(platform, case_id), what="every instance of the case ended")
    # 34.10.10 is kept 5 years: due two days after the engine's today, not before.
    due = clock.now().date() + timedelta(days=2)
    try:
        closed_on = due.replace(year=due.year - 5)
    except ValueError:  # 29 February: due a day earlier, still after today
        closed_on = due.replace(year=due.year - 5, day=28)
    backdate_closing(platform, case_id, closed_on)

    def runs() -> dict[int, Any]:
        return {
            r.process_instance_key: r
            for r in rows(platform.db, rm.process_instance, bpmn_process_id="retention")
        }

    before = set(runs())
    wait_until_idle(platform)
    clock.advance(next_run(clock.now()) - clock.now())  # tonight: not yet due

    def completed_since(known: set[int]) -> list[int]:
        return [k for k, r in runs().items() if k not in known and r.state == "COMPLETED"]

    first = eventually(lambda: completed_since(before), what="tonight's retention run")
    assert case_row(platform, case_id) is not None
    wait_until_idle(platform)
    clock.advance(timedelta(days=2))  # two nights later: due
    eventually(lambda: completed_since(before | set(first)), what="a later retention run")
    assert case_row(platform, case_id) is None
    assert mentions(platform, case_id)["raw_record"] == 0

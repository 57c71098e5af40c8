"""Deadline timers fire when the engine clock is moved; Python's 'now' follows the engine."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from api.projector import tables as t
from tests.harness.engine import EngineClock
from tests.harness.platform import Ids, Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually

pytestmark = pytest.mark.clock

RUNNING_JOB_STATES = {"CREATED", "FAILED", "TIMED_OUT", "RETRIES_UPDATED", "RECURRED_AFTER_BACKOFF"}


def wait_until_idle(platform: Platform) -> None:
    """Before moving the global clock: projector caught up and no job left to run."""
    platform.wait_projected()

    def no_running_jobs() -> bool:
        return not [
            job
            for job in rows(platform.db, t.job)
            if job.state in RUNNING_JOB_STATES and job.retries > 0
        ]

    eventually(no_running_jobs, what="no job running")


def timer_of(platform: Platform, key: int) -> Any:
    (timer,) = eventually(lambda: rows(platform.db, t.timer, process_instance_key=key))
    return timer


def test_deadline_timer_fires_after_clock_moves_past_it(
    clock_platform: Platform, clock: EngineClock, ids: Ids
) -> None:
    """A timer two days out does not fire now, and fires once the clock passes its due date;
    the escalation path then runs on the worker."""
    platform = clock_platform
    due = clock.now() + timedelta(days=2)
    key = platform.engine.start(
        "timer_deadline", {"token": ids.case_id, "deadlineAt": due.isoformat()}
    )
    timer = timer_of(platform, key)
    assert (timer.state, timer.deadline_rule) == ("CREATED", "D1")
    assert abs((timer.due_at - due).total_seconds()) < 1

    wait_until_idle(platform)
    clock.advance(timedelta(days=1))
    wait_until_idle(platform)
    assert rows(platform.db, t.timer, process_instance_key=key)[0].state == "CREATED"

    clock.advance(timedelta(days=1, minutes=1))
    assert clock.now() > due
    eventually(lambda: rows(platform.db, t.timer, process_instance_key=key)[0].state == "TRIGGERED")
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    elements = {
        e.element_id for e in rows(platform.db, t.element_instance, process_instance_key=key)
    }
    assert {"deadline_passed", "escalate", "escalated"} <= elements
    user_task = rows(platform.db, t.user_task, process_instance_key=key)[0]
    assert user_task.state == "CANCELED"


def test_task_done_in_time_cancels_the_timer(
    clock_platform: Platform, clock: EngineClock, ids: Ids
) -> None:
    """Completing the task before the deadline cancels the timer; moving the clock past the
    old due date then changes nothing."""
    platform = clock_platform
    due = clock.now() + timedelta(hours=24)
    key = platform.engine.start(
        "timer_deadline", {"token": ids.case_id, "deadlineAt": due.isoformat()}
    )
    task = eventually(lambda: rows(platform.db, t.user_task, process_instance_key=key))[0]
    platform.engine.complete_user_task(task.user_task_key, {"acknowledged": True})
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    wait_until_idle(platform)
    clock.advance(timedelta(hours=25))
    wait_until_idle(platform)
    assert rows(platform.db, t.timer, process_instance_key=key)[0].state == "CANCELED"
    elements = {
        e.element_id for e in rows(platform.db, t.element_instance, process_instance_key=key)
    }
    assert "escalate" not in elements


def test_clock_only_moves_forward(clock: EngineClock) -> None:
    """Moving the engine clock backwards is refused by the harness."""
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(seconds=-1))

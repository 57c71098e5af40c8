"""The shared worker behaviour: output allow-list, BPMN errors versus retries with backoff."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from pyzeebe import ZeebeTaskRouter
from pyzeebe.errors import BusinessError

from workers import base, platform  # noqa: F401 - registers platform.noop


@dataclass
class FakeJob:
    key: int = 1
    type: str = "test.do-thing"
    process_instance_key: int = 2
    retries: int = 3


@dataclass
class FakeController:
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def set_error_status(self, message: str, error_code: str = "") -> None:
        self.calls.append(("error", {"message": message, "error_code": error_code}))

    async def set_failure_status(self, message: str, retry_back_off_ms: int = 0) -> None:
        self.calls.append(("failure", {"message": message, "backoff": retry_back_off_ms}))


def handle(
    exc: Exception, retries: int = 3, job_type: str = "test.do-thing"
) -> tuple[str, dict[str, Any]]:
    controller = FakeController()
    job = FakeJob(retries=retries, type=job_type)
    asyncio.run(base.failure_handler(exc, job, controller))  # type: ignore[arg-type]
    (call,) = controller.calls
    return call


def test_business_error_becomes_bpmn_error_with_its_code() -> None:
    """A BusinessError is thrown into the process, where an error boundary can catch it."""
    kind, args = handle(BusinessError("CPR_NOT_FOUND", "ingen person"))
    assert kind == "error" and args["error_code"] == "CPR_NOT_FOUND"


def test_technical_failure_keeps_message_masks_cpr_and_backs_off() -> None:
    """Other exceptions fail the job with their message (CPR masked) and growing backoff."""
    kind, first = handle(RuntimeError("timeout for 0101901234"), retries=3)
    assert kind == "failure"
    assert first["message"] == "RuntimeError: timeout for 010190-xxxx"
    _, second = handle(RuntimeError("x"), retries=2)
    _, third = handle(RuntimeError("x"), retries=1)
    assert first["backoff"] < second["backoff"] < third["backoff"] <= base.BACKOFF_MAX_MS


def test_failure_message_names_the_step_for_the_operator() -> None:
    """A registered job type's Danish label leads the incident's message."""
    label = base.REGISTRY["platform.noop"].label
    _, failed = handle(RuntimeError("no answer"), job_type="platform.noop")
    assert failed["message"] == f"{label}: RuntimeError: no answer"


def test_undeclared_output_fails_the_job() -> None:
    """A task that returns a variable outside its allow-list fails instead of leaking it."""
    router = ZeebeTaskRouter()

    @base.task(router, "test.leaky-task", label="Test", outputs=("caseId",))
    async def leaky(caseId: str) -> dict[str, str]:
        return {"caseId": caseId, "childName": "Ada"}

    (registered,) = router.tasks
    with pytest.raises(base.UndeclaredOutputError, match="childName"):
        asyncio.run(registered.original_function(caseId="c1"))
    assert base.REGISTRY["test.leaky-task"].outputs == frozenset({"caseId"})
    del base.REGISTRY["test.leaky-task"]


def test_declared_outputs_pass_and_timeout_is_per_task() -> None:
    """Allowed outputs go through, and the task's own timeout reaches pyzeebe."""
    router = ZeebeTaskRouter()

    @base.task(router, "test.good-task", label="Test", outputs=("ok",), timeout_ms=1234)
    def good() -> dict[str, bool]:
        return {"ok": True}

    (registered,) = router.tasks
    assert registered.original_function() == {"ok": True}
    assert registered.config.timeout_ms == 1234
    del base.REGISTRY["test.good-task"]


def test_same_job_type_twice_is_refused() -> None:
    """Two handlers for one job type would race; registration refuses it."""
    router = ZeebeTaskRouter()
    with pytest.raises(ValueError, match="twice"):
        base.task(router, "platform.noop", label="x")(lambda: {})

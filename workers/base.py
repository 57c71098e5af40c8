"""What every job worker shares: the task registry, output allow-lists and failure handling.

A task declares its job type, a Danish label (shown to analysts in the modeler), a timeout and
the output variables it may return. Returning anything else fails the job: process variables
carry ids, dates, codes and routing outcomes only, never personal data.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import structlog
from pyzeebe import Job, JobController, ZeebeTaskRouter
from pyzeebe.errors import BusinessError

from api.audit.adapters import audit_scope
from api.logging import mask_cpr
from workers import metrics

log = structlog.get_logger("workers")

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_RETRIES = 3
BACKOFF_BASE_MS = 1_000
BACKOFF_MAX_MS = 5 * 60_000
MAX_FAILURE_MESSAGE = 2_000


@dataclass(frozen=True)
class TaskSpec:
    job_type: str
    label: str
    timeout_ms: int
    inputs: tuple[str, ...]
    outputs: frozenset[str]
    errors: tuple[str, ...] = field(default_factory=tuple)


REGISTRY: dict[str, TaskSpec] = {}


class UndeclaredOutputError(Exception):
    """A task returned variables outside its allow-list."""


def backoff_ms(retries_left: int) -> int:
    """Exponential backoff from the number of attempts already made."""
    attempt = max(0, DEFAULT_RETRIES - retries_left)
    return int(min(BACKOFF_BASE_MS * 2**attempt, BACKOFF_MAX_MS))


async def failure_handler(exc: Exception, job: Job, controller: JobController) -> None:
    """BusinessError -> BPMN error; anything else -> failed job with backoff and its message.

    Never logs the job itself: its variables may hold more than this worker should print.
    """
    bound = log.bind(
        job_key=job.key, job_type=job.type, process_instance_key=job.process_instance_key
    )
    if isinstance(exc, BusinessError):
        bound.info("business error", error_code=exc.error_code)
        await controller.set_error_status(
            mask_cpr(str(exc))[:MAX_FAILURE_MESSAGE], error_code=exc.error_code
        )
        metrics.job_bpmn_error(job.type)
        return
    # The operator reads this on the incident: which step (its Danish label) and what failed.
    spec = REGISTRY.get(job.type)
    step = f"{spec.label}: " if spec else ""
    message = mask_cpr(f"{step}{type(exc).__name__}: {exc}")[:MAX_FAILURE_MESSAGE]
    retry_in = backoff_ms(job.retries - 1)
    bound.warning("job failed", error=message, retries_left=job.retries - 1, retry_in_ms=retry_in)
    await controller.set_failure_status(message, retry_back_off_ms=retry_in)
    metrics.job_failed(job.type)


async def log_start(job: Job) -> Job:
    """A line per started job (keys only), so operators can follow a job through the logs."""
    log.info(
        "job started",
        job_type=job.type,
        job_key=job.key,
        process_instance_key=job.process_instance_key,
        retries=job.retries,
    )
    return job


def _check_outputs(job_type: str, allowed: frozenset[str], result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if not isinstance(result, dict):
        raise UndeclaredOutputError(f"{job_type} must return a dict, got {type(result).__name__}")
    extra = sorted(set(result) - allowed)
    if extra:
        raise UndeclaredOutputError(f"{job_type} returned undeclared variables: {', '.join(extra)}")
    return result


def task(
    router: ZeebeTaskRouter,
    job_type: str,
    *,
    label: str,
    outputs: tuple[str, ...] = (),
    timeout_ms: int = 30_000,
    errors: tuple[str, ...] = (),
    max_running_jobs: int = 32,
) -> Callable[[F], F]:
    """Register a task on a router with our failure handler and its output allow-list."""
    allowed = frozenset(outputs)

    def decorate(fn: F) -> F:
        if job_type in REGISTRY:
            raise ValueError(f"job type {job_type} registered twice")
        # The process variables the task reads; a parameter typed Job is pyzeebe's, not one.
        inputs = tuple(
            name
            for name, parameter in inspect.signature(fn).parameters.items()
            if parameter.annotation not in (Job, "Job")
        )
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
                with audit_scope(f"job:{job_type}", kwargs.get("caseId")):
                    return _check_outputs(job_type, allowed, await fn(*args, **kwargs))

        else:

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
                # Adapter calls made by the task are audited as this job's, for its case.
                with audit_scope(f"job:{job_type}", kwargs.get("caseId")):
                    return _check_outputs(job_type, allowed, fn(*args, **kwargs))

        REGISTRY[job_type] = TaskSpec(job_type, label, timeout_ms, inputs, allowed, errors)
        router.task(
            job_type,
            exception_handler=failure_handler,
            timeout_ms=timeout_ms,
            max_running_jobs=max_running_jobs,
            max_jobs_to_activate=max_running_jobs,
            before=[log_start, metrics.job_started],
            after=[metrics.job_finished],
        )(cast(Any, wrapper))
        return fn

    return decorate

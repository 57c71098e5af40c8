"""The workers' Prometheus metrics, per job type (README, "Metrics").

- `boernesag_jobs_handled_total`: jobs this worker ran to an outcome, whichever: completed, a
  BPMN error, or failed;
- `boernesag_jobs_failed_total`: jobs failed back to the engine (retried after the backoff, an
  incident when no retries are left);
- `boernesag_jobs_bpmn_errors_total`: jobs that threw a BPMN error into their process;
- `boernesag_job_duration_seconds`: from activation in this worker to the outcome.

The only label is the job type, from the deployed processes: never a key or a variable.
Served on 127.0.0.1 at `BS_WORKERS_METRICS_PORT` (`workers/__main__.py`).
"""

import time

from prometheus_client import Counter, Histogram
from pyzeebe import Job

HANDLED = Counter(
    "boernesag_jobs_handled", "Jobs run to an outcome by the workers, per job type.", ["job_type"]
)
FAILED = Counter(
    "boernesag_jobs_failed",
    "Jobs failed back to the engine (retried, or an incident), per job type.",
    ["job_type"],
)
BPMN_ERRORS = Counter(
    "boernesag_jobs_bpmn_errors", "Jobs that threw a BPMN error, per job type.", ["job_type"]
)
DURATION = Histogram(
    "boernesag_job_duration_seconds",
    "Seconds from a job's start in the worker to its outcome, per job type.",
    ["job_type"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)

# Start times of the jobs running now, by job key (a Job is frozen; pyzeebe hands the same job
# to the before and after decorators).
_started: dict[int, float] = {}


async def job_started(job: Job) -> Job:
    """pyzeebe `before` decorator."""
    _started[job.key] = time.perf_counter()
    return job


async def job_finished(job: Job) -> Job:
    """pyzeebe `after` decorator: runs after the outcome, whether it was success or failure."""
    started = _started.pop(job.key, None)
    HANDLED.labels(job.type).inc()
    if started is not None:
        DURATION.labels(job.type).observe(time.perf_counter() - started)
    return job


def job_failed(job_type: str) -> None:
    FAILED.labels(job_type).inc()


def job_bpmn_error(job_type: str) -> None:
    BPMN_ERRORS.labels(job_type).inc()

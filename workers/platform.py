"""Platform task types: they prove the wiring and drive the baseline benchmark."""

from pyzeebe import Job, ZeebeTaskRouter

from workers.base import task

router = ZeebeTaskRouter()


@task(
    router,
    "platform.echo-token",
    label="Platform: ekko",
    outputs=("echoedToken",),
    timeout_ms=10_000,
)
async def echo_token(token: str) -> dict[str, str]:
    """Return the token it was given, so a test can see that the job really ran here."""
    return {"echoedToken": token}


@task(router, "platform.noop", label="Platform: ingenting", timeout_ms=10_000, max_running_jobs=64)
async def noop(job: Job) -> dict[str, str]:
    """Does nothing and fetches no variables; used by the benchmark process."""
    return {}

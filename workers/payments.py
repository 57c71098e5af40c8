"""Job workers of the payment runs (udbetaling) and of each payment (udbetaling_postering):
plan the period, record the leader's approval, post through FK-ØKO once, match the booking."""

import uuid
from functools import lru_cache

from pyzeebe import Job, ZeebeTaskRouter

from adapters.fkoeko import FkOekoClient, FkOekoSettings
from api.finance import payments
from api.settings import get_settings
from workers.base import task
from workers.resources import resources

router = ZeebeTaskRouter()


@lru_cache(maxsize=1)
def fkoeko() -> FkOekoClient:
    """One route to FK-ØKO; the target (OPUS or Prisme) is in each posting."""
    settings = get_settings()
    return FkOekoClient(
        FkOekoSettings(
            endpoint=settings.fkoeko_endpoint,
            credential=settings.fkoeko_credential.get_secret_value(),
            timeout_seconds=settings.fkoeko_timeout_seconds,
        )
    )


@task(
    router,
    "payments.plan",
    label="Udbetalinger for perioden",
    outputs=("payments", "period"),
    timeout_ms=120_000,
    max_running_jobs=1,
)
def plan(job: Job, period: str = "", municipalityId: str = "") -> dict[str, object]:
    """A payment for every grant with spend in the period (this month when the timer started
    the run); a grant already paid for the period is not planned again."""
    res = resources()
    with res.engine.begin() as conn:
        month = payments.period_of(period, res.clock.now())
        planned = payments.plan(
            conn,
            period=month,
            run_key=job.process_instance_key,
            municipality_id=municipalityId or None,
        )
    return {"payments": [p.variables() for p in planned], "period": f"{month:%Y-%m}"}


@task(
    router,
    "payments.record-approval",
    label="Registrér lederens godkendelse",
    outputs=("approved",),
    timeout_ms=15_000,
)
def record_approval(job: Job, paymentId: str) -> dict[str, object]:
    with resources().engine.begin() as conn:
        approved = payments.record_approval(conn, uuid.UUID(paymentId), job.process_instance_key)
    return {"approved": approved}


@task(router, "payments.post", label="Bogfør udbetalingen (FK-ØKO)", timeout_ms=60_000)
def post(paymentId: str) -> dict[str, object]:
    """Post once: the posting id is the payment's, so a retry after a failure or a late
    answer gets FK-ØKO's first receipt and books nothing twice. A failure is retried with
    backoff and then becomes an incident naming this step."""
    res = resources()
    payment_id = uuid.UUID(paymentId)
    with res.engine.begin() as conn:
        ready = payments.posting(conn, payment_id)
    if ready is None:
        return {}
    receipt = fkoeko().post(ready)
    with res.engine.begin() as conn:
        payments.mark_posted(conn, payment_id, receipt)
    return {}


@task(
    router,
    "payments.match",
    label="Afstem med bogføringen",
    outputs=("matched",),
    timeout_ms=30_000,
)
def match(paymentId: str) -> dict[str, object]:
    """Read back what the finance system booked for the grant and compare."""
    res = resources()
    payment_id = uuid.UUID(paymentId)
    with res.engine.begin() as conn:
        grant_id = payments.grant_of(conn, payment_id)
    booked = fkoeko().posted(str(grant_id))
    with res.engine.begin() as conn:
        matched = payments.match(conn, payment_id, booked)
    return {"matched": matched}

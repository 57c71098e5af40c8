"""Job worker of the daily Danmarks Statistik run (`dst_levering`, D27, BEK 1295/2023).

One job per run. It loads the shipped code lists, sends again any file recorded as sent whose
answer never came (same bytes, same LeveringID: DST books it once), then records and sends one
file per municipality with the events no accepted delivery carries yet: the new ones, and those
of a rejected delivery. Runs never overlap (a PostgreSQL advisory lock).

- DST rejects a file (AFVIST): recorded with DST's reasons, then the BPMN error `dst-rejected`;
  its events stay new and go with the next run.
- DST unavailable, or a file or answer outside the contract: the job fails, is retried with
  backoff, then becomes an incident; the recorded file is sent again by the retry.
"""

import uuid
from typing import Any

import structlog
from pyzeebe import Job, ZeebeTaskRouter
from pyzeebe.errors import BusinessError
from sqlalchemy import text

from adapters.dst import DeliveryRejected, DstClient, DstSettings
from api.dst import codes, delivery
from api.settings import Settings, get_settings
from workers.base import task
from workers.resources import Resources, resources

router = ZeebeTaskRouter()
log = structlog.get_logger("dst")

RUN_LOCK = 1295_2023  # advisory lock key: BEK 1295/2023
REJECTED = "dst-rejected"
_client: DstClient | None = None


def client_from(settings: Settings) -> DstClient | None:
    """DST from the settings; None when no endpoint is set."""
    if not settings.dst_endpoint:
        return None
    return DstClient(
        DstSettings(
            endpoint=settings.dst_endpoint,
            variant=settings.dst_variant,
            credential=settings.dst_credential.get_secret_value(),
            client_certificate=settings.dst_certificate,
            timeout_seconds=settings.dst_timeout_seconds,
        )
    )


def _dst() -> DstClient | None:
    global _client
    if _client is None:
        _client = client_from(get_settings())
    return _client


def _send(res: Resources, client: DstClient, delivery_id: uuid.UUID) -> str | None:
    """Send one recorded file and record DST's answer; returns the rejection reason, if any."""
    with res.engine.begin() as conn:
        content = delivery.content_of(conn, delivery_id)
    try:
        receipt = client.send(content)
    except DeliveryRejected as rejected:
        reason = "; ".join(rejected.receipt.errors) or "afvist uden begrundelse"
        with res.engine.begin() as conn:
            delivery.record_answer(
                conn,
                delivery_id,
                accepted=False,
                reason=reason,
                answered_at=res.clock.now(),
                receipt=rejected.receipt,
            )
        return reason
    with res.engine.begin() as conn:
        delivery.record_answer(
            conn,
            delivery_id,
            accepted=True,
            reason=None,
            answered_at=res.clock.now(),
            receipt=receipt,
        )
    return None


def run(res: Resources, client: DstClient, run_key: str) -> dict[str, Any]:
    """One run; the caller holds the run lock."""
    with res.engine.begin() as conn:
        codes.load_shipped(conn)
        waiting = [row.id for row in delivery.unanswered(conn)]
    rejected: dict[uuid.UUID, str] = {}
    accepted = 0
    for delivery_id in waiting:
        reason = _send(res, client, delivery_id)
        if reason is None:
            accepted += 1
        else:
            rejected[delivery_id] = reason
    with res.engine.begin() as conn:
        prepared, held = delivery.prepare(
            conn,
            codes.CodeLists.from_db(conn),
            run_key=run_key,
            now=res.clock.now(),
            skip_deliveries=list(rejected),
        )
    for delivery_id in prepared:
        reason = _send(res, client, delivery_id)
        if reason is None:
            accepted += 1
        else:
            rejected[delivery_id] = reason
    for item in held:
        log.warning("dst event held back", event_id=str(item.event_id), reason=item.reason)
    if rejected:
        reasons = " | ".join(sorted(set(rejected.values())))
        raise BusinessError(REJECTED, f"DST afviste {len(rejected)} levering(er): {reasons}")
    return {"accepted": accepted, "heldBack": len(held)}


@task(
    router,
    "dst.deliver",
    label="Indberet hændelser til Danmarks Statistik",
    outputs=("accepted", "heldBack"),
    errors=(REJECTED,),
    timeout_ms=300_000,
    max_running_jobs=1,
)
def deliver(job: Job) -> dict[str, Any]:
    """Send the events new since the last accepted delivery (D27); a retried job finds its
    recorded files and sends the same bytes again, so nothing is reported twice."""
    res = resources()
    client = _dst()
    if client is None:
        return {"accepted": 0, "heldBack": 0}
    with res.engine.connect() as lock:
        if not lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": RUN_LOCK}).scalar():
            raise RuntimeError("en anden kørsel til Danmarks Statistik er i gang")
        try:
            return run(res, client, str(job.process_instance_key))
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RUN_LOCK})
            lock.commit()

"""Audit rows for calls to other systems (CPR, ESDH, Klassifikation, Digital Post).

An adapter reports each call through its `on_call(operation, duration_ms, outcome)` hook;
`adapter_audit` turns that into one `audit_event` row, in its own transaction, without personal
data: which system and operation (`action` = "adapter.<system>.<operation>", `method` = "SOAP"
or "REST"), on whose behalf (`path` = the job type or background loop, `username` = "system"),
the outcome as an HTTP-like status (ok 200, not_found 404, rejected 403, contract_violation 502,
unavailable 503, error 500) and the case the call was made for, when the caller named it with
`audit_scope`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine, insert

from adapters.soap import OnCall, Outcome
from api.audit.tables import audit_event

STATUS: dict[Outcome, int] = {
    "ok": 200,
    "not_found": 404,
    "rejected": 403,
    "contract_violation": 502,
    "unavailable": 503,
    "error": 500,
}
SYSTEM_USER = "system"


@dataclass(frozen=True)
class AuditScope:
    source: str
    """What made the call: `job:<job type>`, or a background loop (`relay:esdh`)."""
    case_id: uuid.UUID | None = None


_scope: ContextVar[AuditScope | None] = ContextVar("adapter_audit_scope", default=None)


@contextmanager
def audit_scope(source: str, case_id: str | uuid.UUID | None = None) -> Iterator[None]:
    """Name the source (and case) of the adapter calls made inside the block."""
    case = _case_id(case_id)
    token = _scope.set(AuditScope(source, case))
    try:
        yield
    finally:
        _scope.reset(token)


def _case_id(value: str | uuid.UUID | None) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def adapter_audit(engine: Engine, system: str, *, method: str = "SOAP") -> OnCall:
    """An `on_call` hook writing one audit row per call. A failed write raises: a call that
    cannot be audited fails (its job is retried) rather than going unrecorded."""

    def on_call(operation: str, duration_ms: float, outcome: Outcome) -> None:
        scope = _scope.get()
        with engine.begin() as conn:
            conn.execute(
                insert(audit_event).values(
                    user_id=None,
                    username=SYSTEM_USER,
                    roles=[SYSTEM_USER],
                    municipality_id=None,
                    action=f"adapter.{system}.{operation}",
                    method=method,
                    path=scope.source if scope else "unscoped",
                    status_code=STATUS.get(outcome, 500),
                    case_ids=[scope.case_id] if scope and scope.case_id else [],
                )
            )

    return on_call

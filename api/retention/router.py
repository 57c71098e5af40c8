"""The retention rules and the reports of the retention runs (no personal data: case ids, KLE,
rule, action and outcome), and a run started now instead of waiting for the night."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from api.cases.workflow import queue_message
from api.deps import Uow, require_roles
from api.retention.service import (
    FACET,
    KLE_PREFIX,
    delete_own_rule,
    report_view,
    rules_view,
    runs_view,
    set_own_rule,
)

router = APIRouter(prefix="/api/retention", tags=["retention"])

START_MESSAGE = "retention-start"
# Who reads the rules and reports: the municipality's administrator, team leaders and auditors.
READERS = ("admin", "team_leader", "auditor")
# Who starts a run by hand: the administrator and operators (as for the DST reporting).
STARTERS = ("admin", "operator")


@router.get("/regler")
def list_rules(uow: Uow) -> list[dict[str, Any]]:
    """The retention rules that apply in the caller's municipality (national and its own)."""
    require_roles(uow, *READERS)
    found = rules_view(uow.conn, uow.principal.municipality_id)
    uow.commit()
    return found


class RuleIn(BaseModel):
    years: int = Field(ge=0, le=100)
    action: str = Field(pattern="^(delete|anonymise)$")
    basis: str = Field(min_length=1, max_length=500)


def _key(kle_prefix: str, handlingsfacet: str | None) -> None:
    errors = {}
    if not KLE_PREFIX.fullmatch(kle_prefix):
        errors["kle_prefix"] = "KLE angives som 34, 34.10 eller 34.10.10"
    if handlingsfacet is not None and not FACET.fullmatch(handlingsfacet):
        errors["handlingsfacet"] = "Handlingsfacet angives som G01"
    if errors:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=errors)


@router.put("/regler/{kle_prefix}")
def set_rule(
    kle_prefix: str, data: RuleIn, uow: Uow, handlingsfacet: str | None = None
) -> dict[str, Any]:
    """The municipality's own rule for a KLE prefix (optionally one handlingsfacet): it wins
    over the national rule. Administrators only; the change log keeps before and after."""
    require_roles(uow, "admin")
    _key(kle_prefix, handlingsfacet)
    made = set_own_rule(
        uow.conn, uow.principal, kle_prefix, handlingsfacet, data.years, data.action, data.basis
    )
    uow.commit()
    return made


@router.delete("/regler/{kle_prefix}", status_code=status.HTTP_204_NO_CONTENT)
def delete_rule(kle_prefix: str, uow: Uow, handlingsfacet: str | None = None) -> None:
    """Remove the municipality's own rule: the national rule applies again."""
    require_roles(uow, "admin")
    _key(kle_prefix, handlingsfacet)
    if not delete_own_rule(uow.conn, uow.principal, kle_prefix, handlingsfacet):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Kommunen har ingen egen regel her")
    uow.commit(status.HTTP_204_NO_CONTENT)


@router.get("/koersler")
def list_runs(uow: Uow) -> list[dict[str, Any]]:
    """The latest runs, newest first, with the caller's municipality's cases per outcome."""
    require_roles(uow, *READERS)
    found = runs_view(uow.conn, uow.principal.municipality_id)
    uow.commit()
    return found


@router.get("/koersler/{run_id}")
def run_report(run_id: uuid.UUID, uow: Uow) -> list[dict[str, Any]]:
    """One run's report for the caller's municipality: each case id with the rule, the action
    (delete, anonymise) and the outcome (done, failed, skipped)."""
    require_roles(uow, *READERS)
    found = report_view(uow.conn, run_id, uow.principal.municipality_id, uow.principal.kle)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Kørslen findes ikke")
    uow.touch(uuid.UUID(row["case_id"]) for row in found)
    uow.commit()
    return found


@router.post("/koersler", status_code=status.HTTP_202_ACCEPTED)
def request_run(uow: Uow) -> dict[str, str]:
    """Start a run now: the same process as the nightly one."""
    require_roles(uow, *STARTERS)
    run_id = uuid.uuid4().hex
    queue_message(
        uow.conn,
        name=START_MESSAGE,
        correlation_key=f"retention-{run_id}",
        message_id=f"retention-{run_id}",
        variables={},
    )
    uow.commit(status.HTTP_202_ACCEPTED)
    return {"run": run_id}

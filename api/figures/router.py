"""The management figures API: GET /api/figures (now, and the baseline if taken), a chart's
CSV (GET /api/figures/csv/{name}), the go-live baseline (POST /api/figures/baseline, finance,
once) and the Danmarks Statistik expenditure file (GET /api/figures/dst-udgifter?year=)."""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api import clock
from api.deps import UnitOfWork, Uow, require_roles
from api.figures import csv_export, dst_export, service
from api.finance.budget_router import check_year, today

router = APIRouter(prefix="/api/figures", tags=["nøgletal"])


def current(uow: UnitOfWork) -> dict[str, Any]:
    """The reader's figures now, and the baseline in the same scope (None if not taken, or
    if it has none in the reader's KLE scope; then `baseline_taken_at` still says when it was
    taken)."""
    require_roles(uow, *service.READERS)
    units = service.units_in_scope(uow.conn, uow.principal)
    now = service.snapshot(uow.conn, uow.principal, units, today(), clock.current().now())
    found = service.baseline_for(uow.conn, uow.principal)
    return {
        "now": now,
        "baseline": None if found is None else found[0],
        "baseline_taken_at": None if found is None else found[1].isoformat(),
    }


@router.get("")
def figures(uow: Uow) -> dict[str, Any]:
    view = current(uow)
    uow.commit()
    return view


def csv_response(name: str, view: dict[str, Any]) -> Response:
    if name not in csv_export.CHARTS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Figuren findes ikke")
    body = csv_export.to_csv(name, view["now"], view["baseline"])
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get("/csv/{name}")
def figure_csv(name: str, uow: Uow) -> Response:
    """One chart's data (now, then the baseline) as CSV."""
    view = current(uow)
    uow.commit()
    return csv_response(name, view)


class BaselineIn(BaseModel):
    note: str = Field(default="", max_length=500)


@router.post("/baseline", status_code=status.HTTP_201_CREATED)
def take_baseline(data: BaselineIn, uow: Uow) -> dict[str, Any]:
    """Take the municipality's go-live baseline now; refused (409) once it exists. Answers
    with the baseline in the taker's own scope (`service.in_scope`: under a KLE constraint
    only the cases they may see), empty when their constraint has no baseline of its own."""
    require_roles(uow, *service.BASELINE_TAKERS)
    try:
        figures = service.take_baseline(
            uow.conn,
            uow.principal.municipality_id,
            today(),
            taken_by=uow.principal.user_id,
            note=data.note,
            now=clock.current().now(),
        )
    except service.BaselineExists:
        uow.conn.rollback()
        uow.commit(status.HTTP_409_CONFLICT)
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="Baseline er allerede taget for kommunen"
        ) from None
    uow.commit(status.HTTP_201_CREATED)
    return service.in_scope(figures, uow.principal) or {}


AUDIT_CHUNK = 500


def audit_in_chunks(uow: UnitOfWork, case_ids: list[uuid.UUID]) -> None:
    """The read audited in rows of at most AUDIT_CHUNK cases, each committed on its own: one
    audit row chains every case it names under a lock held to its commit (0021_audit_chain),
    so a whole municipality's children in one row would exhaust the lock table."""
    chunks = [case_ids[i : i + AUDIT_CHUNK] for i in range(0, len(case_ids), AUDIT_CHUNK)]
    for chunk in chunks or [[]]:
        uow.case_ids = set(chunk)
        uow.commit()


INCOMPLETE = (
    "Filen til Danmarks Statistik skal omfatte alle kommunens børn med udgifter i året, også "
    "beskyttede sager og alle KLE-emner. Din adgang dækker ikke dem alle, så filen dannes ikke. "
    "Den dannes af en økonomimedarbejder, hvis adgang dækker alle KLE-emner, og som er "
    "tilknyttet kommunens beskyttede sager."
)


def dst_file(uow: UnitOfWork, year: int) -> Response:
    """The year's whole file, or 403 (audited, with no case) for a reader whose case scope
    leaves out a case it needs: a statutory file is complete or not written."""
    require_roles(uow, "finance")
    if dst_export.uncovered(uow.conn, uow.principal, year):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=INCOMPLETE)
    created = clock.current().now().astimezone(UTC).replace(microsecond=0)
    body, read = dst_export.export(uow.conn, uow.principal.municipality_id, year, created)
    audit_in_chunks(uow, read)
    name = f"dst-udgifter-{uow.principal.municipality_id}-{year}.xml"
    return Response(
        body,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/dst-udgifter")
def dst_expenditure(uow: Uow, year: int = Query()) -> Response:
    """The year's udgifter pr. barn for Danmarks Statistik (finance whose scope covers every
    case the file needs; reads every child's payments, so the audit row names the cases)."""
    return dst_file(uow, check_year(year))

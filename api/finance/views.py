"""What a case's grants look like to the caseworker and to finance: kontostreng, revisions,
the projection now and before the latest change, and the payments."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from api.cases.tables import measure
from api.finance.grants import terms
from api.finance.projection import projection
from api.finance.tables import grant_award, grant_payment


def _money(amounts: dict[date, Decimal]) -> list[dict[str, str]]:
    return [{"month": f"{m:%Y-%m}", "amount": f"{a:.2f}"} for m, a in amounts.items()]


def grants_view(conn: Connection, case_id: uuid.UUID) -> list[dict[str, Any]]:
    """Each grant of the case: its kontostreng, its revisions, the projection now and before
    the latest revision, and its payments."""
    found = []
    rows = conn.execute(
        select(grant_award, measure.c.ended_on)
        .join(measure, measure.c.id == grant_award.c.measure_id)
        .where(grant_award.c.case_id == case_id)
        .order_by(grant_award.c.created_at, grant_award.c.component)
    )
    for row in rows:
        history = terms(conn, row.id)
        stop = row.ended_on
        now = projection(history, stop)
        before = projection(history[:-1], stop) if len(history) > 1 else now
        payments = conn.execute(
            select(grant_payment)
            .where(grant_payment.c.grant_id == row.id)
            .order_by(grant_payment.c.period)
        )
        found.append(
            {
                "id": str(row.id),
                "measure_id": str(row.measure_id),
                "component": row.component,
                "indsats_type": row.indsats_type,
                "provider_type": row.provider_type,
                "provider_name": row.provider_name,
                "tilbud_id": None if row.tilbud_id is None else str(row.tilbud_id),
                "creditor_kind": row.creditor_kind,
                "income_type": row.income_type,
                "service": row.service,
                "kontostreng": {"funktion": row.funktion, "dranst": row.dranst, "art": row.art},
                "revisions": [
                    {
                        "revision": t.revision,
                        "price": f"{t.price:.2f}",
                        "unit": t.unit,
                        "starts_on": t.starts_on.isoformat(),
                        "expected_end": t.expected_end.isoformat(),
                        "effective_from": t.effective_from.isoformat(),
                    }
                    for t in history
                ],
                "projection": _money(now),
                "projection_before_revision": _money(before),
                "forecast_total": f"{sum(now.values(), Decimal(0)):.2f}",
                "payments": [
                    {
                        "period": f"{p.period:%Y-%m}",
                        "amount": f"{p.amount:.2f}",
                        "status": p.status,
                        "posting_id": p.posting_id,
                        "reference": p.reference,
                        "posted_amount": None
                        if p.posted_amount is None
                        else f"{p.posted_amount:.2f}",
                    }
                    for p in payments
                ],
            }
        )
    return found

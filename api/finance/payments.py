"""Payments of a period: planned from the active grants, approved by a team leader above the
municipality's threshold, posted through FK-ØKO once, and matched against what was booked.

A payment is one row per grant and period (calendar month); its posting id is derived from
both, and everything the posting carries is fixed when it is planned or approved, so a job
that posts it again (a retry, a late answer) sends the same posting and FK-ØKO books it once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.fkoeko import Creditor, Kontostreng, Posted, Posting, Receipt
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import case, form_document, measure, person
from api.finance.grants import terms
from api.finance.projection import month_end, month_of, projection
from api.finance.tables import grant_award, grant_payment
from api.org.tables import app_user, municipality, org_unit
from api.projector import tables as rm

APPROVAL_FORM = "udbetaling_godkendelse"
POSTABLE = ("planned", "approved")


def period_of(text: str, now: datetime) -> date:
    """The period (its first day) named `YYYY-MM`, or the month it is now in Copenhagen."""
    if not text:
        return month_of(now.astimezone(COPENHAGEN).date())
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise ValueError(f"perioden '{text}' skal angives som åååå-mm") from None


@dataclass(frozen=True)
class Planned:
    payment_id: uuid.UUID
    case_id: uuid.UUID
    leader_group: str
    needs_approval: bool

    def variables(self) -> dict[str, Any]:
        """What the payment's own process gets: ids, its leader group, the route; no money or
        person."""
        return {
            "paymentId": str(self.payment_id),
            "caseId": str(self.case_id),
            "leaderGroup": self.leader_group,
            "needsApproval": self.needs_approval,
        }


def plan(
    conn: Connection, *, period: date, run_key: int, municipality_id: str | None
) -> list[Planned]:
    """A payment for each grant with spend in the period that has none yet; those already
    planned by another run stay with it."""
    query = (
        select(
            grant_award.c.id,
            grant_award.c.case_id,
            grant_award.c.decided_by,
            measure.c.ended_on,
            org_unit.c.leader_group,
            municipality.c.payment_approval_threshold,
        )
        .join(measure, measure.c.id == grant_award.c.measure_id)
        .join(case, case.c.id == grant_award.c.case_id)
        .join(org_unit, org_unit.c.id == case.c.org_unit_id)
        .join(municipality, municipality.c.id == grant_award.c.municipality_id)
        .where((measure.c.ended_on.is_(None)) | (measure.c.ended_on >= period))
        .order_by(grant_award.c.created_at)
    )
    if municipality_id:
        query = query.where(grant_award.c.municipality_id == municipality_id)
    planned = []
    for row in conn.execute(query).fetchall():
        amount = projection(terms(conn, row.id), row.ended_on).get(period, Decimal(0))
        if amount <= 0:
            continue
        needs_approval = amount > row.payment_approval_threshold
        payment_id = uuid.uuid4()
        created = conn.execute(
            insert(grant_payment)
            .values(
                id=payment_id,
                grant_id=row.id,
                period=period,
                amount=amount,
                posting_id=f"{row.id}-{period:%Y-%m}",
                voucher=f"BS-{period:%Y%m}-{row.id.hex[:12]}",
                status="awaiting_approval" if needs_approval else "planned",
                run_key=run_key,
                approved_by=None if needs_approval else row.decided_by,
                approver_name=None if needs_approval else _decider(conn, row.decided_by),
            )
            .on_conflict_do_nothing(index_elements=["grant_id", "period"])
            .returning(grant_payment.c.id)
        ).scalar()
        if created is not None:
            planned.append(Planned(payment_id, row.case_id, row.leader_group, needs_approval))
    return planned


def _decider(conn: Connection, user_id: uuid.UUID | None) -> str:
    """Under the threshold the granting decision is the approval: whoever made it."""
    name = (
        conn.execute(select(app_user.c.display_name).where(app_user.c.id == user_id)).scalar()
        if user_id
        else None
    )
    return f"{name} (bevilling)" if name else "Bevillingen"


def record_approval(conn: Connection, payment_id: uuid.UUID, process_instance_key: int) -> bool:
    """The team leader's answer from the approval form of this payment's process."""
    answer = conn.execute(
        select(form_document.c.data, form_document.c.saved_by, form_document.c.saved_at)
        .join(rm.user_task, rm.user_task.c.user_task_key == form_document.c.user_task_key)
        .where(
            rm.user_task.c.process_instance_key == process_instance_key,
            form_document.c.form_id == APPROVAL_FORM,
            form_document.c.status == "submitted",
        )
        .order_by(form_document.c.saved_at.desc())
    ).first()
    if answer is None:
        raise LookupError("the payment's approval form is not submitted")
    approved = bool(answer.data.get("approve") == "yes")
    leader = conn.execute(
        select(app_user.c.display_name).where(app_user.c.id == answer.saved_by)
    ).scalar()
    conn.execute(
        update(grant_payment)
        .where(grant_payment.c.id == payment_id, grant_payment.c.status == "awaiting_approval")
        .values(
            status="approved" if approved else "rejected",
            approved_by=answer.saved_by,
            approver_name=leader,
            approved_at=answer.saved_at,
        )
    )
    return approved


def posting(conn: Connection, payment_id: uuid.UUID) -> Posting | None:
    """The posting of a payment ready to post; None once it is posted. Everything in it is
    fixed, so the same payment always makes the same posting."""
    row = conn.execute(
        select(grant_payment, grant_award, person.c.cpr, municipality.c.finance_system)
        .join(grant_award, grant_award.c.id == grant_payment.c.grant_id)
        .join(case, case.c.id == grant_award.c.case_id)
        .join(person, person.c.id == case.c.child_id)
        .join(municipality, municipality.c.id == grant_award.c.municipality_id)
        .where(grant_payment.c.id == payment_id)
    ).first()
    if row is None:
        raise LookupError("the payment does not exist")
    if row.status not in POSTABLE:
        if row.status in ("posted", "matched", "mismatch"):
            return None
        raise ValueError(f"udbetalingen kan ikke bogføres i status {row.status}")
    if not row.cpr:
        raise ValueError("barnet har intet CPR-nummer; personbogføring kræver det")
    return Posting(
        posting_id=row.posting_id,
        target=row.finance_system,
        municipality=row.municipality_id,
        child_cpr=row.cpr,
        service=row.service,
        account=Kontostreng(row.funktion, row.dranst, row.art),
        amount=row.amount,
        posting_date=row.period,
        period_from=row.period,
        period_to=month_end(row.period),
        creditor=Creditor(row.creditor_kind, row.creditor_number),
        text=f"{row.service[:180]} {row.period:%m/%Y}",
        voucher=row.voucher,
        grant_id=str(row.grant_id),
        approver=row.approver_name or "Bevillingen",
        income_type=row.income_type,
    )


def mark_posted(conn: Connection, payment_id: uuid.UUID, receipt: Receipt) -> None:
    conn.execute(
        update(grant_payment)
        .where(grant_payment.c.id == payment_id, grant_payment.c.status.in_(POSTABLE))
        .values(status="posted", reference=receipt.reference, posted_at=receipt.received_at)
    )


def grant_of(conn: Connection, payment_id: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(
        str(
            conn.execute(
                select(grant_payment.c.grant_id).where(grant_payment.c.id == payment_id)
            ).scalar_one()
        )
    )


def match(conn: Connection, payment_id: uuid.UUID, booked: list[Posted]) -> bool:
    """Whether the finance system booked exactly what was paid, once; recorded either way."""
    row = conn.execute(select(grant_payment).where(grant_payment.c.id == payment_id)).one()
    mine = [p for p in booked if p.posting_id == row.posting_id]
    total = sum((p.amount for p in mine), Decimal(0))
    matched = len(mine) == 1 and total == row.amount
    conn.execute(
        update(grant_payment)
        .where(grant_payment.c.id == payment_id)
        .values(status="matched" if matched else "mismatch", posted_amount=total)
    )
    return matched

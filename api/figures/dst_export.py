"""The Danmarks Statistik individual-expenditure export (udgifter pr. barn) for a year: the
municipality's posted payments per child, measure kind, legal basis, funktion and art, in the
file format of `adapters.dst.expenditure` (its XSD beside the event file's). The legal basis is
coded as the event file codes it (`api.dst.delivery.paragraph_keys`).

A statutory file is complete or not written: it holds every child of the municipality with
posted spend in the year, restricted cases (beskyttede sager) and every KLE subject included,
and only a finance reader whose case scope covers each of those cases may write it
(`uncovered`: none left out). A reader limited by KLE, or not named on a restricted case the
file needs, is refused rather than given a file that would under-report."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Connection, distinct, func, select

from adapters.dst.expenditure import ChildExpenses, ExpenditureDelivery, Expense, expenditure_xml
from api.auth.principal import Principal
from api.cases.tables import case, measure, person
from api.dst.delivery import REPORTED_SUBJECTS, paragraph_keys
from api.finance.budget import POSTED
from api.finance.tables import grant_award, grant_payment

_CPR = re.compile(r"\d{10}")
UNKNOWN_PARAGRAPH = "UKENDT"


_PAID = (
    grant_payment.join(grant_award, grant_award.c.id == grant_payment.c.grant_id)
    .join(measure, measure.c.id == grant_award.c.measure_id)
    .join(case, case.c.id == grant_award.c.case_id)
    .join(person, person.c.id == case.c.child_id)
)


def _in_file(municipality_id: str, year: int) -> list[ColumnElement[bool]]:
    """The payments the year's file reports: the municipality's, posted, with the child's CPR."""
    return [
        case.c.municipality_id == municipality_id,
        grant_payment.c.status.in_(POSTED),
        grant_payment.c.period.between(date(year, 1, 1), date(year, 12, 1)),
        person.c.cpr.is_not(None),
    ]


def uncovered(conn: Connection, principal: Principal, year: int) -> int:
    """How many of the cases the year's file needs lie outside the reader's case scope
    (another org unit, a KLE subject outside their constraint, a restricted case they are not
    named on). Only a count: the refusal names no case."""
    return int(
        conn.execute(
            select(func.count(distinct(case.c.id)))
            .select_from(_PAID)
            .where(*_in_file(principal.municipality_id, year), principal.case_scope().is_not(True))
        ).scalar_one()
    )


def build(
    conn: Connection, municipality_id: str, year: int, created: datetime
) -> tuple[ExpenditureDelivery, list[uuid.UUID]]:
    """The year's whole file and the cases it read (for the audit row). Check `uncovered`
    for the reader first."""
    amount = func.sum(func.coalesce(grant_payment.c.posted_amount, grant_payment.c.amount))
    rows = conn.execute(
        select(
            person.c.cpr,
            measure.c.kind,
            measure.c.legal_basis,
            grant_award.c.funktion,
            grant_award.c.art,
            amount,
            func.array_agg(func.distinct(case.c.id)),
        )
        .select_from(_PAID)
        .where(*_in_file(municipality_id, year))
        .group_by(
            person.c.cpr,
            measure.c.kind,
            measure.c.legal_basis,
            grant_award.c.funktion,
            grant_award.c.art,
        )
        .order_by(person.c.cpr, measure.c.kind, grant_award.c.funktion, grant_award.c.art)
    ).all()
    children: dict[str, list[Expense]] = {}
    read: set[uuid.UUID] = set()
    for cpr, kind, legal_basis, funktion, art, total, case_ids in rows:
        if not _CPR.fullmatch(cpr or ""):
            continue
        keys = paragraph_keys(legal_basis or "")
        children.setdefault(cpr, []).append(
            Expense(
                kind="ANBRINGELSE" if REPORTED_SUBJECTS[kind] == "ANBRINGELSE" else "INDSATS",
                paragraph=keys[0] if keys else UNKNOWN_PARAGRAPH,
                funktion=funktion,
                art=art,
                amount=Decimal(total),
            )
        )
        read.update(case_ids)
    delivery = ExpenditureDelivery(
        delivery_id=f"UDG-{municipality_id}-{year}-{created:%Y%m%dT%H%M%S}",
        municipality=municipality_id,
        year=year,
        created=created,
        children=tuple(ChildExpenses(cpr, tuple(items)) for cpr, items in children.items()),
    )
    return delivery, sorted(read)


def export(
    conn: Connection, municipality_id: str, year: int, created: datetime
) -> tuple[bytes, list[uuid.UUID]]:
    delivery, read = build(conn, municipality_id, year, created)
    return expenditure_xml(delivery), read

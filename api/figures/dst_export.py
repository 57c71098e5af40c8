"""The Danmarks Statistik individual-expenditure export (udgifter pr. barn) for a year: the
municipality's posted payments per child, measure kind, legal basis, funktion and art, in the
file format of `adapters.dst.expenditure` (its XSD beside the event file's). The legal basis is
coded as the event file codes it (`api.dst.delivery.paragraph_keys`).

Only the cases under the reader's KLE constraint (`Principal.kle`) are in the file: a reader
limited to some KLE subjects writes the file for those, and a municipality reports with a
reader whose constraint covers every subject of its children's cases (or who has none)."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select

from adapters.dst.expenditure import ChildExpenses, ExpenditureDelivery, Expense, expenditure_xml
from api.auth.principal import kle_predicate
from api.cases.tables import case, measure, person
from api.dst.delivery import REPORTED_SUBJECTS, paragraph_keys
from api.finance.budget import POSTED
from api.finance.tables import grant_award, grant_payment

_CPR = re.compile(r"\d{10}")
UNKNOWN_PARAGRAPH = "UKENDT"


def build(
    conn: Connection,
    municipality_id: str,
    year: int,
    created: datetime,
    kle: frozenset[str] = frozenset(),
) -> tuple[ExpenditureDelivery, list[uuid.UUID]]:
    """The year's file and the cases it read (for the audit row), over the cases under the
    KLE prefixes `kle` (none: no KLE limit)."""
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
        .select_from(
            grant_payment.join(grant_award, grant_award.c.id == grant_payment.c.grant_id)
            .join(measure, measure.c.id == grant_award.c.measure_id)
            .join(case, case.c.id == grant_award.c.case_id)
            .join(person, person.c.id == case.c.child_id)
        )
        .where(
            case.c.municipality_id == municipality_id,
            kle_predicate(kle),
            grant_payment.c.status.in_(POSTED),
            grant_payment.c.period.between(date(year, 1, 1), date(year, 12, 1)),
            person.c.cpr.is_not(None),
        )
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
    conn: Connection,
    municipality_id: str,
    year: int,
    created: datetime,
    kle: frozenset[str] = frozenset(),
) -> tuple[bytes, list[uuid.UUID]]:
    delivery, read = build(conn, municipality_id, year, created, kle)
    return expenditure_xml(delivery), read

"""Grants (bevillinger): created by a granted decision on an indsats or anbringelse, revised
when the price or the dates change (every revision kept), and projected per month."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from api.cases.tables import case, form_document
from api.finance import kontostreng
from api.finance.projection import UNITS, Terms, Unit, next_month
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.tilbud.tables import tilbud_offer

INCOME_TYPES = ("A", "B")  # a foster family's fee: A-income (professional) or B-income
EXPENSES = "SKATTEFRI"  # maintenance, clothes, pocket money: untaxed
_CVR = re.compile(r"\d{8}")
_CPR = re.compile(r"\d{10}")
# The decision form's grant fields: a decision carrying none of them creates no grant.
FIELDS = (
    "indsats_type",
    "provider_type",
    "provider_name",
    "provider_cvr",
    "provider_cpr",
    "price",
    "price_unit",
    "grant_expected_end",
    "foster_income",
    "expenses_price",
    "tilbud_id",
)


class GrantInvalid(ValueError):
    """The decision's or the change's grant data cannot make a grant; says what, in Danish,
    and (for the decision form) under which field."""

    def __init__(self, problems: list[str], fields: dict[str, str] | None = None) -> None:
        self.problems = problems
        self.fields = fields or {}
        super().__init__("Bevillingen kan ikke oprettes: " + "; ".join(problems))


@dataclass(frozen=True)
class NewGrant:
    component: str
    indsats_type: str
    provider_type: str
    provider_name: str
    creditor_kind: str
    creditor_number: str
    income_type: str | None
    price: Decimal
    unit: Unit
    expected_end: date
    tilbud_id: uuid.UUID | None = None


class _Problems:
    def __init__(self) -> None:
        self.messages: list[str] = []
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.messages.append(message)
        self.fields[field] = "; ".join(filter(None, (self.fields.get(field), message)))

    def amount(self, data: dict[str, Any], field: str, name: str) -> Decimal | None:
        if data.get(field) in (None, ""):
            return None
        try:
            amount = Decimal(str(data[field])).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            self.add(field, f"{name} skal være et beløb")
            return None
        if amount < 0:
            self.add(field, f"{name} må ikke være negativ")
        return amount


def kind_of(indsats_type: str) -> str | None:
    """indsats or anbringelse, by the indsats type."""
    return next(
        (k for k, types in kontostreng.INDSATS_TYPES.items() if indsats_type in types), None
    )


def from_decision(data: dict[str, Any], kind: str, starts_on: date) -> list[NewGrant]:
    """The grants a granted decision's form asks for: none if it carries no grant fields; a
    provider's ydelse; or a foster family's fee (A or B) and its untaxed expenses."""
    if not any(data.get(name) not in (None, "") for name in FIELDS):
        return []
    found = _Problems()
    for name in (
        "indsats_type",
        "provider_type",
        "provider_name",
        "price",
        "price_unit",
        "grant_expected_end",
    ):
        if data.get(name) in (None, ""):
            found.add(name, f"mangler {name}")
    indsats_type, provider_type = data.get("indsats_type"), data.get("provider_type")
    if indsats_type and indsats_type not in kontostreng.INDSATS_TYPES.get(kind, {}):
        found.add("indsats_type", f"indsatstypen '{indsats_type}' hører ikke til en {kind}")
    if provider_type and provider_type not in kontostreng.PROVIDER_TYPES:
        found.add("provider_type", f"leverandørtypen '{provider_type}' findes ikke")
    person = provider_type in kontostreng.PERSON_PROVIDERS
    creditor = str(data.get("provider_cpr" if person else "provider_cvr") or "")
    if person and not _CPR.fullmatch(creditor):
        found.add("provider_cpr", "en plejefamilie betales på CPR-nummer (10 cifre)")
    if not person and not _CVR.fullmatch(creditor):
        found.add("provider_cvr", "leverandøren betales på CVR-nummer (8 cifre)")
    if person and data.get("foster_income") not in INCOME_TYPES:
        found.add("foster_income", "vederlaget skal være A-indkomst eller B-indkomst")
    unit = data.get("price_unit")
    if unit and unit not in UNITS:
        found.add("price_unit", f"prisenheden '{unit}' findes ikke")
    price = found.amount(data, "price", "prisen")
    expenses = found.amount(data, "expenses_price", "omkostningerne")
    if expenses is not None and not person:
        found.add("expenses_price", "skattefri omkostningsdækning gives kun til en plejefamilie")
    ends: date | None = None
    if data.get("grant_expected_end"):
        try:
            ends = date.fromisoformat(str(data["grant_expected_end"]))
        except ValueError:
            found.add(
                "grant_expected_end", "den forventede slutdato skal være en dato (åååå-mm-dd)"
            )
        if ends is not None and ends < starts_on:
            found.add("grant_expected_end", "den forventede slutdato ligger før bevillingens start")
    tilbud_id: uuid.UUID | None = None
    if data.get("tilbud_id") not in (None, ""):
        try:
            tilbud_id = uuid.UUID(str(data["tilbud_id"]))
        except ValueError:
            found.add("tilbud_id", "tilbuddet skal vælges i tilbudskataloget")
    if found.messages or price is None or ends is None or unit not in UNITS:
        raise GrantInvalid(found.messages or ["ufuldstændige oplysninger"], found.fields)
    base = NewGrant(
        component="vederlag" if person else "ydelse",
        indsats_type=str(indsats_type),
        provider_type=str(provider_type),
        provider_name=str(data["provider_name"]),
        creditor_kind="CPR" if person else "CVR",
        creditor_number=creditor,
        income_type=str(data["foster_income"]) if person else None,
        price=price,
        unit=cast(Unit, unit),
        expected_end=ends,
        tilbud_id=tilbud_id,
    )
    grants = [base]
    if expenses:
        grants.append(
            NewGrant(
                **{
                    **base.__dict__,
                    "component": "omkostninger",
                    "income_type": EXPENSES,
                    "price": expenses,
                    "unit": "maaned",
                }
            )
        )
    return grants


def create(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    measure_id: uuid.UUID,
    municipality_id: str,
    new: NewGrant,
    service: str,
    starts_on: date,
    decided_by: uuid.UUID | None,
    at: datetime,
) -> uuid.UUID:
    """The grant with its first revision; once per measure and component."""
    account = kontostreng.lookup(conn, municipality_id, new.indsats_type, new.provider_type, at)
    grant_id = uuid.uuid4()
    created = conn.execute(
        insert(grant_award)
        .values(
            id=grant_id,
            case_id=case_id,
            measure_id=measure_id,
            municipality_id=municipality_id,
            component=new.component,
            indsats_type=new.indsats_type,
            provider_type=new.provider_type,
            provider_name=new.provider_name,
            creditor_kind=new.creditor_kind,
            creditor_number=new.creditor_number,
            income_type=new.income_type,
            service=service[:200],
            funktion=account.funktion,
            dranst=account.dranst,
            art=account.art,
            decided_by=decided_by,
            tilbud_id=_offer_of(conn, new),
        )
        .on_conflict_do_nothing(index_elements=["measure_id", "component"])
        .returning(grant_award.c.id)
    ).scalar()
    if created is None:
        return uuid.UUID(
            str(
                conn.execute(
                    select(grant_award.c.id).where(
                        grant_award.c.measure_id == measure_id,
                        grant_award.c.component == new.component,
                    )
                ).scalar_one()
            )
        )
    conn.execute(
        insert(grant_revision).values(
            grant_id=grant_id,
            revision=1,
            price=new.price,
            unit=new.unit,
            starts_on=starts_on,
            expected_end=new.expected_end,
            effective_from=starts_on,
            reason="Afgørelse",
        )
    )
    return grant_id


def _offer_of(conn: Connection, new: NewGrant) -> uuid.UUID | None:
    """The catalogue offer the grant was chosen from, if it exists and is the creditor's own
    (a provider changed by hand after choosing an offer breaks the link, not the grant)."""
    if new.tilbud_id is None or new.creditor_kind != "CVR":
        return None
    found = conn.execute(
        select(tilbud_offer.c.id).where(
            tilbud_offer.c.id == new.tilbud_id,
            tilbud_offer.c.provider_cvr == new.creditor_number,
        )
    ).scalar()
    return None if found is None else uuid.UUID(str(found))


def terms(conn: Connection, grant_id: uuid.UUID) -> list[Terms]:
    rows = conn.execute(
        select(grant_revision)
        .where(grant_revision.c.grant_id == grant_id)
        .order_by(grant_revision.c.revision)
    )
    return [
        Terms(r.revision, r.price, r.unit, r.starts_on, r.expected_end, r.effective_from)
        for r in rows
    ]


def revise(
    conn: Connection,
    grant_id: uuid.UUID,
    *,
    effective_from: date,
    reason: str,
    user_id: uuid.UUID,
    price: Decimal | None = None,
    unit: str | None = None,
    expected_end: date | None = None,
) -> int:
    """A new revision from `effective_from`: the given terms changed, the rest kept. Months
    already paid keep their payments; the projection changes from the effective day on."""
    history = terms(conn, grant_id)
    if not history:
        raise LookupError("bevillingen findes ikke")
    latest = history[-1]
    problems = []
    if unit is not None and unit not in UNITS:
        problems.append(f"prisenheden '{unit}' findes ikke")
    if price is not None and price < 0:
        problems.append("prisen må ikke være negativ")
    new_end = expected_end or latest.expected_end
    if new_end < latest.starts_on:
        problems.append("den forventede slutdato ligger før bevillingens start")
    if effective_from < latest.starts_on:
        problems.append("ændringen kan tidligst gælde fra bevillingens start")
    paid = conn.execute(
        select(func.max(grant_payment.c.period)).where(grant_payment.c.grant_id == grant_id)
    ).scalar()
    if paid is not None and effective_from < next_month(paid):
        problems.append(
            f"perioden {paid:%Y-%m} er allerede udbetalt; ændringen kan tidligst gælde fra "
            f"{next_month(paid).isoformat()}"
        )
    if not reason.strip():
        problems.append("ændringen skal begrundes")
    if problems:
        raise GrantInvalid(problems)
    number = latest.revision + 1
    conn.execute(
        insert(grant_revision).values(
            grant_id=grant_id,
            revision=number,
            price=latest.price if price is None else price,
            unit=unit or latest.unit,
            starts_on=latest.starts_on,
            expected_end=new_end,
            effective_from=effective_from,
            reason=reason.strip(),
            recorded_by=user_id,
        )
    )
    return number


def create_for_decision(
    conn: Connection,
    *,
    case_id: uuid.UUID,
    measure_id: uuid.UUID,
    kind: str,
    starts_on: date,
    at: datetime,
) -> list[uuid.UUID]:
    """The grants the case's granting decision asks for (none if its form carries no grant
    fields). GrantInvalid, KontostrengMissing or ClassificationMissing say what is wrong."""
    decision = conn.execute(
        select(form_document.c.data, form_document.c.saved_by)
        .where(
            form_document.c.case_id == case_id,
            form_document.c.form_id == "afgoerelse",
            form_document.c.status == "submitted",
        )
        .order_by(form_document.c.saved_at.desc())
    ).first()
    if decision is None:
        raise LookupError("the case has no submitted afgoerelse document")
    data = dict(decision.data)
    wanted = from_decision(data, kind, starts_on)
    if not wanted:
        return []
    municipality_id = conn.execute(
        select(case.c.municipality_id).where(case.c.id == case_id)
    ).scalar_one()
    name = kontostreng.INDSATS_TYPES[kind][wanted[0].indsats_type]
    return [
        create(
            conn,
            case_id=case_id,
            measure_id=measure_id,
            municipality_id=municipality_id,
            new=new,
            service=f"{name} ({data.get('legal_basis', '')})"
            + (" - omkostninger" if new.component == "omkostninger" else ""),
            starts_on=starts_on,
            decided_by=decision.saved_by,
            at=at,
        )
        for new in wanted
    ]

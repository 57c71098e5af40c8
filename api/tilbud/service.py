"""Searching the catalogue with a municipality's own data on top (negotiated price, ratings),
and recording that data. Every function takes the municipality explicitly: one municipality's
prices and experiences are never read for another."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from api.auth.principal import Principal
from api.cases.tables import case, person
from api.logging import CPR_PATTERN
from api.tilbud import geo, vocabulary
from api.tilbud.tables import tilbud_experience, tilbud_offer, tilbud_price, tilbud_provider

SORTS = ("distance", "price", "rating")
# A month's worth of a weekly or daily price, to compare offers priced in different units.
DAYS_PER_MONTH = Decimal("365.25") / 12
PER_MONTH = {"maaned": Decimal(1), "uge": DAYS_PER_MONTH / 7, "doegn": DAYS_PER_MONTH}


class Invalid(ValueError):
    """Bad data for a price or an experience; the Danish message per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))


@dataclass(frozen=True)
class Query:
    need: str | None = None
    target_group: str | None = None
    method: str | None = None
    max_km: float | None = None
    max_monthly_price: Decimal | None = None
    vacant_only: bool = False
    sort: str = "distance"
    limit: int = 50
    ids: tuple[uuid.UUID, ...] = ()


def monthly(price: Decimal, unit: str) -> Decimal:
    return (price * PER_MONTH[unit]).quantize(Decimal("1"))


def case_origin(conn: Connection, case_id: uuid.UUID) -> geo.Origin | None:
    """The child's position for distances (the caller has checked the case is in scope)."""
    row = conn.execute(
        select(case.c.municipality_id, person.c.cpr_data)
        .join(person, person.c.id == case.c.child_id)
        .where(case.c.id == case_id)
    ).one()
    data = dict(row.cpr_data or {})
    address = data.get("address") or {}
    return geo.origin(
        address.get("postcode"),
        row.municipality_id,
        protected=bool(data.get("address_protected")),
    )


def _negotiated(municipality_id: str, on: date) -> Any:
    """The newest agreement per offer in force on `on`."""
    ranked = (
        select(
            tilbud_price.c.offer_id,
            tilbud_price.c.price,
            tilbud_price.c.unit,
            tilbud_price.c.valid_from,
            func.row_number()
            .over(
                partition_by=tilbud_price.c.offer_id,
                order_by=(tilbud_price.c.valid_from.desc(), tilbud_price.c.recorded_at.desc()),
            )
            .label("n"),
        )
        .where(tilbud_price.c.municipality_id == municipality_id, tilbud_price.c.valid_from <= on)
        .subquery()
    )
    return select(ranked).where(ranked.c.n == 1).subquery("negotiated")


def _ratings(municipality_id: str) -> Any:
    return (
        select(
            tilbud_experience.c.offer_id,
            func.avg(tilbud_experience.c.rating).label("rating"),
            func.count().label("experiences"),
        )
        .where(tilbud_experience.c.municipality_id == municipality_id)
        .group_by(tilbud_experience.c.offer_id)
        .subquery("ratings")
    )


def search(
    conn: Connection,
    *,
    municipality_id: str,
    query: Query,
    origin: geo.Origin | None,
    today: date,
) -> list[dict[str, Any]]:
    """Offers matching the query, with the municipality's price (negotiated when agreed), its
    ratings and the distance from `origin`, sorted as asked."""
    negotiated, ratings = _negotiated(municipality_id, today), _ratings(municipality_id)
    stmt = (
        select(
            tilbud_offer,
            tilbud_provider.c.name.label("provider_name"),
            tilbud_provider.c.provider_type,
            negotiated.c.price.label("negotiated_price"),
            negotiated.c.unit.label("negotiated_unit"),
            negotiated.c.valid_from.label("negotiated_from"),
            ratings.c.rating,
            ratings.c.experiences,
        )
        .join(tilbud_provider, tilbud_provider.c.cvr == tilbud_offer.c.provider_cvr)
        .outerjoin(negotiated, negotiated.c.offer_id == tilbud_offer.c.id)
        .outerjoin(ratings, ratings.c.offer_id == tilbud_offer.c.id)
    )
    if query.ids:
        stmt = stmt.where(tilbud_offer.c.id.in_(query.ids))
    if query.need:
        stmt = stmt.where(tilbud_offer.c.offer_type == query.need)
    if query.target_group:
        stmt = stmt.where(tilbud_offer.c.target_groups.any(query.target_group))
    if query.method:
        stmt = stmt.where(tilbud_offer.c.methods.any(query.method))
    if query.vacant_only:
        stmt = stmt.where(tilbud_offer.c.vacancies > 0)
    found = [_summary(row, origin) for row in conn.execute(stmt)]
    if query.max_km is not None:
        found = [
            o for o in found if o["distance_km"] is not None and o["distance_km"] <= query.max_km
        ]
    if query.max_monthly_price is not None:
        found = [o for o in found if Decimal(o["monthly_price"]) <= query.max_monthly_price]
    found.sort(key=_sort_key(query.sort))
    return found[: query.limit]


def _sort_key(sort: str) -> Any:
    if sort == "price":
        return lambda o: (Decimal(o["monthly_price"]), o["name"])
    if sort == "rating":
        return lambda o: (-(o["rating"] or 0), o["name"])
    return lambda o: (o["distance_km"] is None, o["distance_km"] or 0, o["name"])


def _summary(row: Any, origin: geo.Origin | None) -> dict[str, Any]:
    negotiated = row.negotiated_price is not None
    price = row.negotiated_price if negotiated else row.price
    unit = row.negotiated_unit if negotiated else row.price_unit
    distance = (
        round(geo.distance_km((origin.latitude, origin.longitude),
                              (float(row.latitude), float(row.longitude))), 1)
        if origin
        else None
    )  # fmt: skip
    return {
        "id": str(row.id),
        "portal_id": row.portal_id,
        "name": row.name,
        "provider_name": row.provider_name,
        "provider_cvr": row.provider_cvr,
        "provider_type": row.provider_type,
        "p_number": row.p_number,
        "offer_type": row.offer_type,
        "offer_type_label": vocabulary.OFFER_TYPES.get(row.offer_type, row.offer_type),
        "target_groups": list(row.target_groups),
        "methods": list(row.methods),
        "places": row.places,
        "vacancies": row.vacancies,
        "takster": list(row.takster),
        "list_price": f"{row.price:.2f}",
        "list_unit": row.price_unit,
        "price": f"{price:.2f}",
        "price_unit": unit,
        "negotiated": negotiated,
        "negotiated_from": row.negotiated_from.isoformat() if negotiated else None,
        "monthly_price": f"{monthly(price, unit):.2f}",
        "tilsyn_status": row.tilsyn_status,
        "postcode": row.postcode,
        "city": row.city,
        "distance_km": distance,
        "rating": None if row.rating is None else round(float(row.rating), 1),
        "experiences": row.experiences or 0,
    }


def offer(
    conn: Connection, *, municipality_id: str, offer_id: uuid.UUID, origin: geo.Origin | None,
    today: date,
) -> dict[str, Any] | None:  # fmt: skip
    """One offer with the municipality's price history and experiences, newest first."""
    found = search(
        conn,
        municipality_id=municipality_id,
        query=Query(ids=(offer_id,), sort="price", limit=1),
        origin=origin,
        today=today,
    )
    if not found:
        return None
    prices = conn.execute(
        select(tilbud_price)
        .where(
            tilbud_price.c.offer_id == offer_id, tilbud_price.c.municipality_id == municipality_id
        )
        .order_by(tilbud_price.c.valid_from.desc(), tilbud_price.c.recorded_at.desc())
    )
    experiences = conn.execute(
        select(tilbud_experience)
        .where(
            tilbud_experience.c.offer_id == offer_id,
            tilbud_experience.c.municipality_id == municipality_id,
        )
        .order_by(tilbud_experience.c.written_at.desc())
    )
    return {
        **found[0],
        "price_history": [
            {
                "price": f"{p.price:.2f}",
                "unit": p.unit,
                "valid_from": p.valid_from.isoformat(),
                "note": p.note,
                "recorded_at": p.recorded_at.isoformat(),
            }
            for p in prices
        ],
        "experience_notes": [
            {
                "id": str(e.id),
                "rating": e.rating,
                "text": e.text,
                "signed_as": e.signed_as,
                "written_at": e.written_at.isoformat(),
            }
            for e in experiences
        ],
    }


def exists(conn: Connection, offer_id: uuid.UUID) -> bool:
    return (
        conn.execute(select(tilbud_offer.c.id).where(tilbud_offer.c.id == offer_id)).first()
        is not None
    )


def _no_personal_data(text: str, name: str, problems: dict[str, str]) -> None:
    # Notes are about the offer and are read by every caseworker of the municipality.
    if CPR_PATTERN.search(text):
        problems[name] = "Skriv ikke CPR-numre eller andre personoplysninger i tilbuddets noter"


def set_price(
    conn: Connection,
    principal: Principal,
    offer_id: uuid.UUID,
    *,
    price: Decimal,
    unit: str,
    valid_from: date,
    note: str,
) -> uuid.UUID:
    """A new negotiated price from `valid_from`; the earlier agreements stay as history."""
    problems: dict[str, str] = {}
    if price < 0:
        problems["price"] = "Prisen må ikke være negativ"
    if unit not in vocabulary.UNITS:
        problems["unit"] = f"Enheden skal være en af {', '.join(vocabulary.UNITS)}"
    _no_personal_data(note, "note", problems)
    if problems:
        raise Invalid(problems)
    price_id = uuid.uuid4()
    conn.execute(
        insert(tilbud_price).values(
            id=price_id,
            offer_id=offer_id,
            municipality_id=principal.municipality_id,
            price=price,
            unit=unit,
            valid_from=valid_from,
            note=note.strip(),
            recorded_by=principal.user_id,
        )
    )
    return price_id


def add_experience(
    conn: Connection, principal: Principal, offer_id: uuid.UUID, *, rating: int, text: str,
    at: datetime,
) -> uuid.UUID:  # fmt: skip
    """A dated note signed with the author's name, with a rating from 1 to 5."""
    problems: dict[str, str] = {}
    if not 1 <= rating <= 5:
        problems["rating"] = "Bedømmelsen skal være fra 1 til 5"
    if not text.strip():
        problems["text"] = "Skriv erfaringen"
    _no_personal_data(text, "text", problems)
    if problems:
        raise Invalid(problems)
    note_id = uuid.uuid4()
    conn.execute(
        insert(tilbud_experience).values(
            id=note_id,
            offer_id=offer_id,
            municipality_id=principal.municipality_id,
            rating=rating,
            text=text.strip(),
            written_by=principal.user_id,
            signed_as=principal.display_name,
            written_at=at,
        )
    )
    return note_id


def codes() -> dict[str, dict[str, str]]:
    return {
        "needs": vocabulary.OFFER_TYPES,
        "target_groups": vocabulary.TARGET_GROUPS,
        "methods": vocabulary.METHODS,
        "tilsyn_statuses": vocabulary.TILSYN_STATUSES,
        "units": vocabulary.UNITS,
    }

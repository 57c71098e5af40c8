"""Imports a Tilbudsportalen-shaped catalogue file (api/tilbud/FORMAT.md): one JSON record a
line, a header, providers and offers. Every good row is kept; every bad row is reported by
line and field and changes nothing. A second import of the same file changes nothing, a later
file updates the offers it names.

    python -m api.tilbud.importer FILE     # exit 0: all rows imported, 1: some refused, 2: no file
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, literal_column, select
from sqlalchemy.dialects.postgresql import insert

from api.tilbud import vocabulary
from api.tilbud.tables import tilbud_offer, tilbud_provider

FORMAT = "boernesag-tilbud/1"
SAMPLE = Path(__file__).parent / "sample" / "tilbud.jsonl"
NAMESPACE = uuid.UUID("1d0c2a64-4f0e-4c55-9d5b-2f3b8f0e7a11")
_CVR = re.compile(r"\d{8}")
_P_NUMBER = re.compile(r"\d{10}")
_POSTCODE = re.compile(r"\d{4}")
# Denmark's bounding box: a point outside it is a swapped or mistyped coordinate.
LATITUDES = (Decimal("54.5"), Decimal("57.8"))
LONGITUDES = (Decimal("8.0"), Decimal("15.3"))


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"linje {self.line}, felt '{self.field}': {self.message}"


@dataclass
class Parsed:
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    offers: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    providers: int
    created: int
    updated: int
    problems: list[Problem]


def offer_id(portal_id: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"offer:{portal_id}")


class _Row:
    """One record's checks; each problem names the line and the field."""

    def __init__(self, line: int, data: dict[str, Any], problems: list[Problem]) -> None:
        self.line, self.data, self.problems = line, data, problems
        self.bad = False

    def fail(self, name: str, message: str) -> None:
        self.bad = True
        self.problems.append(Problem(self.line, name, message))

    def text(
        self, name: str, *, pattern: re.Pattern[str] | None = None, optional: bool = False
    ) -> str | None:
        value = self.data.get(name)
        if value in (None, "") and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "mangler" if value in (None, "") else "skal være tekst")
            return None
        if pattern and not pattern.fullmatch(value):
            self.fail(name, f"har forkert format ('{value[:40]}')")
            return None
        return value.strip()

    def code(self, name: str, allowed: dict[str, str]) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            self.fail(name, f"ukendt kode '{value[:40]}' (kendte: {', '.join(allowed)})")
            return None
        return value

    def codes(self, name: str, allowed: dict[str, str]) -> list[str]:
        value = self.data.get(name)
        if not isinstance(value, list) or not value:
            self.fail(name, "skal være en liste med mindst én kode")
            return []
        unknown = [str(v)[:40] for v in value if v not in allowed]
        if unknown:
            self.fail(name, f"ukendte koder: {', '.join(unknown)}")
        return sorted({str(v) for v in value if v in allowed})

    def count(self, name: str) -> int | None:
        value = self.data.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(name, "skal være et helt tal, 0 eller mere")
            return None
        return value

    def number(self, name: str, where: dict[str, Any], label: str) -> Decimal | None:
        value = where.get(name.rsplit(".", 1)[-1])
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(name, "mangler" if value is None else "skal være et tal")
            return None
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(name, f"{label} skal være et tal")
            return None
        if not number.is_finite():
            self.fail(name, f"{label} skal være et tal")
            return None
        return number


def _provider(row: _Row) -> dict[str, Any] | None:
    cvr = row.text("cvr", pattern=_CVR)
    name = row.text("name")
    kind = row.code("type", vocabulary.PROVIDER_TYPES)
    if row.bad:
        return None
    return {"cvr": cvr, "name": name, "provider_type": kind}


def _takster(row: _Row) -> list[dict[str, Any]]:
    value = row.data.get("takster")
    if not isinstance(value, list) or not value:
        row.fail("takster", "skal være en liste med mindst én takst")
        return []
    found = []
    for i, takst in enumerate(value):
        where = f"takster[{i}]"
        if not isinstance(takst, dict):
            row.fail(where, "skal være et objekt med name, amount og unit")
            continue
        name = takst.get("name")
        if not isinstance(name, str) or not name.strip():
            row.fail(f"{where}.name", "mangler")
        amount = row.number(f"{where}.amount", takst, "beløbet")
        if amount is not None and (amount < 0 or amount >= Decimal("10000000")):
            row.fail(f"{where}.amount", "beløbet skal være mellem 0 og 9.999.999,99")
        unit = takst.get("unit")
        if unit not in vocabulary.UNITS:
            row.fail(f"{where}.unit", f"enheden skal være en af {', '.join(vocabulary.UNITS)}")
        if amount is not None:
            found.append({"name": str(name).strip(), "amount": f"{amount:.2f}", "unit": unit})
    return found


def _coordinates(row: _Row) -> tuple[Decimal, Decimal] | None:
    value = row.data.get("coordinates")
    if not isinstance(value, dict):
        row.fail("coordinates", "skal være et objekt med lat og lon (WGS84)")
        return None
    lat = row.number("coordinates.lat", value, "breddegraden")
    lon = row.number("coordinates.lon", value, "længdegraden")
    if lat is not None and not LATITUDES[0] <= lat <= LATITUDES[1]:
        row.fail("coordinates.lat", f"breddegraden {lat} ligger ikke i Danmark")
    if lon is not None and not LONGITUDES[0] <= lon <= LONGITUDES[1]:
        row.fail("coordinates.lon", f"længdegraden {lon} ligger ikke i Danmark")
    return None if lat is None or lon is None else (lat, lon)


def _offer(row: _Row, providers: dict[str, dict[str, Any]], known: set[str]) -> dict[str, Any]:
    portal_id = row.text("id")
    cvr = row.text("provider_cvr", pattern=_CVR)
    if cvr is not None and cvr not in providers and cvr not in known:
        row.fail("provider_cvr", f"udbyderen {cvr} findes hverken i filen eller i kataloget")
    p_number = row.text("p_number", pattern=_P_NUMBER, optional=True)
    name = row.text("name")
    kind = row.code("type", vocabulary.OFFER_TYPES)
    targets = row.codes("target_groups", vocabulary.TARGET_GROUPS)
    methods = row.codes("methods", vocabulary.METHODS)
    places, vacancies = row.count("places"), row.count("vacancies")
    if places is not None and vacancies is not None and vacancies > places:
        row.fail("vacancies", f"{vacancies} ledige pladser er flere end de {places} pladser")
    takster = _takster(row)
    tilsyn = row.code("tilsyn_status", vocabulary.TILSYN_STATUSES)
    postcode = row.text("postcode", pattern=_POSTCODE, optional=True)
    city = row.text("city", optional=True)
    point = _coordinates(row)
    return {
        "portal_id": portal_id,
        "provider_cvr": cvr,
        "p_number": p_number,
        "name": name,
        "offer_type": kind,
        "target_groups": targets,
        "methods": methods,
        "places": places,
        "vacancies": vacancies,
        "takster": takster,
        "price": Decimal(takster[0]["amount"]) if takster else None,
        "price_unit": takster[0]["unit"] if takster else None,
        "tilsyn_status": tilsyn,
        "postcode": postcode,
        "city": city,
        "latitude": point[0] if point else None,
        "longitude": point[1] if point else None,
    }


def parse(lines: Iterable[str], known_providers: Iterable[str] = ()) -> Parsed:
    """The good providers and offers of a file, and a problem for each bad row. An offer may
    name a provider of the same file or one already in the catalogue (`known_providers`)."""
    parsed = Parsed()
    records: list[tuple[int, dict[str, Any]]] = []
    header_seen = False
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            parsed.problems.append(Problem(number, "-", f"ikke gyldig JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            parsed.problems.append(Problem(number, "-", "skal være et JSON-objekt"))
            continue
        kind = record.get("kind")
        if kind == "header":
            header_seen = True
            if record.get("format") != FORMAT:
                parsed.problems.append(
                    Problem(number, "format", f"filen skal have formatet '{FORMAT}'")
                )
                return parsed
        elif kind in ("provider", "offer"):
            records.append((number, record))
        else:
            parsed.problems.append(
                Problem(number, "kind", "skal være header, provider eller offer")
            )
        if not header_seen:
            parsed.problems.append(Problem(number, "kind", "filen skal begynde med en header"))
            return parsed
    for number, record in records:
        if record["kind"] == "provider":
            provider = _provider(_Row(number, record, parsed.problems))
            if provider is None:
                continue
            if provider["cvr"] in parsed.providers:
                parsed.problems.append(
                    Problem(number, "cvr", f"udbyderen {provider['cvr']} står der allerede")
                )
                continue
            parsed.providers[provider["cvr"]] = provider
    known = set(known_providers)
    seen: dict[str, int] = {}
    for number, record in records:
        if record["kind"] != "offer":
            continue
        row = _Row(number, record, parsed.problems)
        offer = _offer(row, parsed.providers, known)
        if offer["portal_id"] in seen:
            row.fail(
                "id",
                f"tilbuddet {offer['portal_id']} står allerede på linje {seen[offer['portal_id']]}",
            )
        if row.bad:
            continue
        seen[offer["portal_id"]] = number
        parsed.offers.append(offer)
    return parsed


def load(conn: Connection, parsed: Parsed, source: str) -> Result:
    """Upserts the parsed rows: providers by CVR, offers by their portal id."""
    for provider in parsed.providers.values():
        conn.execute(
            insert(tilbud_provider)
            .values(**provider)
            .on_conflict_do_update(
                index_elements=["cvr"],
                set_={"name": provider["name"], "provider_type": provider["provider_type"]},
            )
        )
    created = updated = 0
    for offer in parsed.offers:
        values = {**offer, "source": source[:200]}
        inserted: bool = conn.execute(
            insert(tilbud_offer)
            .values(id=offer_id(offer["portal_id"]), **values)
            .on_conflict_do_update(
                index_elements=["portal_id"],
                set_={
                    **{k: v for k, v in values.items() if k != "portal_id"},
                    "imported_at": literal_column("now()"),
                },
            )
            .returning(literal_column("xmax = 0"))
        ).scalar_one()
        created, updated = (created + 1, updated) if inserted else (created, updated + 1)
    return Result(len(parsed.providers), created, updated, parsed.problems)


def import_lines(conn: Connection, lines: Iterable[str], source: str) -> Result:
    known = conn.execute(select(tilbud_provider.c.cvr)).scalars().all()
    return load(conn, parse(lines, known), source)


def import_sample(conn: Connection) -> Result:
    """The synthetic sample catalogue (make run's demo data)."""
    with SAMPLE.open(encoding="utf-8") as lines:
        return import_lines(conn, lines, SAMPLE.name)


def main(argv: list[str] | None = None) -> int:
    from api.db import make_engine
    from api.settings import get_settings

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("brug: python -m api.tilbud.importer FIL", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: kan ikke læses ({exc})", file=sys.stderr)
        return 2
    with make_engine(get_settings()).begin() as conn:
        result = import_lines(conn, text.splitlines(), path.name)
    for problem in result.problems:
        print(f"{path.name}: {problem}", file=sys.stderr)
    print(
        f"{path.name}: {result.providers} udbydere, {result.created} nye og "
        f"{result.updated} opdaterede tilbud, {len(result.problems)} afviste rækker"
    )
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The loaded classification: writing a load, and finding the class in effect for a key."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import insert

from api.classification.tables import classification

Facet = Literal["kle", "handlingsfacet", "funktion", "art"]
_NAMES: dict[str, tuple[str, str]] = {
    "kle": ("KLE-emnet", "KLE subject"),
    "handlingsfacet": ("Handlingsfacetten", "KLE action facet"),
    "funktion": ("Kontoplanens funktion", "account function"),
    "art": ("Kontoplanens art", "account type"),
}
_COMPARED = ("facet", "key", "title", "parent_id", "valid_from", "valid_to", "published")


@dataclass(frozen=True)
class Entry:
    """One class as the table keeps it."""

    id: uuid.UUID
    facet: Facet
    key: str
    title: str
    parent_id: uuid.UUID | None
    valid_from: datetime | None
    valid_to: datetime | None
    published: bool

    def in_effect(self, at: datetime) -> bool:
        started = self.valid_from is None or self.valid_from <= at
        return self.published and started and (self.valid_to is None or at < self.valid_to)


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int
    unchanged: int


class ClassificationMissing(LookupError):
    """No class in effect for the key: the facet is not loaded, or the key is unknown or ended."""

    def __init__(self, facet: Facet, key: str, *, loaded: bool) -> None:
        danish, english = _NAMES[facet]
        if loaded:
            detail = (
                f"{danish} {key} findes ikke i den indlæste klassifikation eller er ikke gældende"
                f" / the {english} {key} is not in the loaded classification or not in effect"
            )
        else:
            detail = (
                "Klassifikationen fra SF1510 er ikke indlæst (python -m api.classification.sync)"
                " / the SF1510 classification is not loaded"
            )
        super().__init__(detail)
        self.detail = detail


def upsert(conn: Connection, entries: Sequence[Entry]) -> LoadResult:
    """Insert new classes and update changed ones, by UUID; an unchanged row is not touched."""
    if not entries:
        return LoadResult(0, 0, 0)
    new = insert(classification)
    changed = or_(
        *(classification.c[name].is_distinct_from(new.excluded[name]) for name in _COMPARED)
    )
    # xmax is 0 on a freshly inserted row: it tells an insert from an update.
    statement: Any = new.on_conflict_do_update(
        index_elements=[classification.c.id],
        set_={**{name: new.excluded[name] for name in _COMPARED}, "updated_at": func.now()},
        where=changed,
    ).returning(literal_column("xmax = 0").label("inserted"))
    written = [
        bool(row.inserted)
        for entry in entries
        for row in conn.execute(statement, asdict(entry)).fetchall()
    ]
    inserted = sum(written)
    return LoadResult(inserted, len(written) - inserted, len(entries) - len(written))


def _entry(row: Any) -> Entry:
    return Entry(
        id=row.id,
        facet=row.facet,
        key=row.key,
        title=row.title,
        parent_id=row.parent_id,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        published=row.published,
    )


def of_facet(conn: Connection, facet: Facet) -> list[Entry]:
    """Every loaded class of the facet, ended ones too, by key."""
    rows = conn.execute(
        select(classification)
        .where(classification.c.facet == facet)
        .order_by(classification.c.key, classification.c.valid_from)
    )
    return [_entry(row) for row in rows]


def require(conn: Connection, *, facet: Facet, key: str, at: datetime) -> Entry:
    """The class of the facet with this brugervendt nøgle in effect at `at`."""
    found = [entry for entry in _with_key(conn, facet, key) if entry.in_effect(at)]
    if found:
        return max(found, key=lambda entry: (entry.valid_from is not None, entry.valid_from))
    loaded = conn.execute(
        select(classification.c.id).where(classification.c.facet == facet).limit(1)
    ).first()
    raise ClassificationMissing(facet, key, loaded=loaded is not None)


def _with_key(conn: Connection, facet: Facet, key: str) -> list[Entry]:
    rows = conn.execute(
        select(classification).where(classification.c.facet == facet, classification.c.key == key)
    )
    return [_entry(row) for row in rows]

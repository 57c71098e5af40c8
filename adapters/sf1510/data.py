"""The simulator's classification, read from `klassifikation.toml` (documented there).

Deterministic: the facets' UUIDs are in the file, each class's UUID is uuid5(facet UUID, key).
Only the simulator and tests use this; the client knows nothing of it.
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).parent / "klassifikation.toml"
CONFIDENCES = frozenset({"V", "P", "?"})

# Facets whose search the simulator answers with a failure instead of data (see README).
FACET_HTTP_500 = uuid.UUID("00000000-1510-4000-8000-000000000500")
FACET_SOAP_FAULT = uuid.UUID("00000000-1510-4000-8000-000000000501")
FACET_SLOW = uuid.UUID("00000000-1510-4000-8000-000000000504")


@dataclass(frozen=True)
class Facet:
    name: str
    id: uuid.UUID
    title: str


@dataclass(frozen=True)
class SimulatedClass:
    id: uuid.UUID
    facet: Facet
    key: str
    title: str
    parent: uuid.UUID | None
    valid_from: datetime | None
    valid_to: datetime | None
    published: bool
    title_confidence: str
    source: str


@dataclass(frozen=True)
class Classification:
    facets: dict[str, Facet]
    classes: tuple[SimulatedClass, ...]

    def by_uuid(self) -> dict[uuid.UUID, SimulatedClass]:
        return {entry.id: entry for entry in self.classes}

    def of_facet(self, facet: uuid.UUID) -> list[SimulatedClass]:
        """The facet's classes in a stable order (by key), as `soeg` pages through them."""
        return sorted((c for c in self.classes if c.facet.id == facet), key=lambda c: c.key)


def class_uuid(facet: uuid.UUID, key: str) -> uuid.UUID:
    return uuid.uuid5(facet, key)


def _moment(text: str) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text}: a validity needs a time zone")
    return moment


@cache
def classification(path: Path = DATA_FILE) -> Classification:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    facets = {
        name: Facet(name, uuid.UUID(values["uuid"]), values["title"])
        for name, values in raw["facets"].items()
    }
    classes: list[SimulatedClass] = []
    for entry in raw["classes"]:
        facet = facets[entry["facet"]]
        if entry["title_confidence"] not in CONFIDENCES:
            raise ValueError(f"{entry['key']}: title_confidence must be one of {CONFIDENCES}")
        parent = class_uuid(facet.id, entry["parent"]) if entry["parent"] else None
        classes.append(
            SimulatedClass(
                id=class_uuid(facet.id, entry["key"]),
                facet=facet,
                key=entry["key"],
                title=entry["title"],
                parent=parent,
                valid_from=_moment(entry["valid_from"]),
                valid_to=_moment(entry["valid_to"]),
                published=bool(entry["published"]),
                title_confidence=entry["title_confidence"],
                source=entry["source"],
            )
        )
    keys = [(c.facet.name, c.key) for c in classes]
    if len(set(keys)) != len(keys):
        raise ValueError("a key appears twice in one facet")
    known = {c.id for c in classes}
    if any(c.parent is not None and c.parent not in known for c in classes):
        raise ValueError("a parent names a key that is not in its facet")
    return Classification(facets, tuple(classes))

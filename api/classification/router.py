"""GET /api/classifications: the classification loaded from SF1510, one facet at a time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from api.classification.service import Facet, of_facet
from api.deps import Uow

router = APIRouter(prefix="/api/classifications", tags=["klassifikation"])


@router.get("")
def list_classifications(facet: Facet, uow: Uow) -> list[dict[str, Any]]:
    """Every loaded class of the facet (kle, handlingsfacet, funktion, art), ended ones too:
    key, title, parent, validity, and whether it is in effect now."""
    now = datetime.now(UTC)
    entries = of_facet(uow.conn, facet)
    uow.commit()
    return [
        {
            "id": str(entry.id),
            "facet": entry.facet,
            "key": entry.key,
            "title": entry.title,
            "parent_id": str(entry.parent_id) if entry.parent_id else None,
            "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
            "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
            "published": entry.published,
            "in_effect": entry.in_effect(now),
        }
        for entry in entries
    ]

"""GET /api/rules: the deadline rule catalogue, every rule set with its valid-from date."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Uow
from api.rules.catalogue import RULE_SETS

router = APIRouter(prefix="/api/rules", tags=["frister"])


@router.get("")
def list_rules(uow: Uow) -> list[dict[str, Any]]:
    """Every rule: id, Danish label, legal basis, hard or soft, and how its date is computed."""
    uow.commit()
    return [
        {
            "rule_set": rule_set.version,
            "valid_from": rule_set.valid_from.isoformat(),
            "id": rule.id,
            "label": rule.label,
            "basis": rule.basis,
            "hard": rule.hard,
            "computation": rule.computation,
        }
        for rule_set in RULE_SETS
        for rule in rule_set.rules
    ]

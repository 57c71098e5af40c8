"""Reading the case store in tests."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from api.cases.tables import advis
from tests.harness.platform import Platform


def advis_of(platform: Platform, case_id: str, rule_id: str) -> list[str]:
    """The kinds of advis raised on the case for a rule, in no particular order."""
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(advis.c.kind).where(
                    advis.c.case_id == uuid.UUID(case_id), advis.c.rule_id == rule_id
                )
            ).scalars()
        )

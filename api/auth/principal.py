"""Who is asking, and which cases they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from api.cases.tables import case, case_access

CASE_ROLES = frozenset({"caseworker", "team_leader", "auditor", "finance"})
# Roles that see every case of their municipality, not only their own org unit's.
MUNICIPALITY_WIDE = frozenset({"auditor", "finance"})


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    display_name: str
    municipality_id: str
    org_unit_id: uuid.UUID
    roles: frozenset[str]
    # KLE prefixes ("34", "34.10", "34.10.10") from the FK Adgangsstyring data constraints of an
    # SSO sign-in; empty: no KLE limit (development users, or privileges without a KLE
    # constraint). Not yet part of case_scope(): issue 10, item 2 adds it to every query.
    kle: frozenset[str] = frozenset()

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def case_scope(self) -> ColumnElement[bool]:
        """The one predicate every case query is filtered with.

        Municipality always; org unit unless the role is municipality-wide; and a restricted
        case only for the users named on it. Analysts and operators see no cases at all.
        """
        if not self.roles & CASE_ROLES:
            return false()
        unit = true() if self.roles & MUNICIPALITY_WIDE else case.c.org_unit_id == self.org_unit_id
        named = exists(
            select(case_access.c.case_id).where(
                case_access.c.case_id == case.c.id, case_access.c.user_id == self.user_id
            )
        )
        return and_(
            case.c.municipality_id == self.municipality_id,
            unit,
            or_(case.c.restricted.is_(False), named),
        )

"""Who is asking, and which cases they may see."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from api.cases.tables import case, case_access

CASE_ROLES = frozenset({"caseworker", "team_leader", "auditor", "finance"})
# Roles that see every case of their municipality, not only their own org unit's.
MUNICIPALITY_WIDE = frozenset({"auditor", "finance"})
# Roles that see the technical process data (ids and states) of their municipality's cases.
TECHNICAL_ROLES = frozenset({"operator", "analyst"})


# A KLE prefix as the SSO sign-in stores it (api.sso.privileges.kle_prefix): 34, 34.10, 34.10.10.
_KLE_PREFIX = re.compile(r"^\d{2}(\.\d{2}){0,2}$")


def kle_covers(prefixes: frozenset[str], subject: str) -> bool:
    """Whether a KLE subject (34.10.10) falls under the prefixes (34, 34.10, 34.10.10), whole
    groups only: '34.1' never covers '34.10.10'. No prefixes: no KLE limit. A prefix that is not
    KLE covers nothing (fail closed)."""
    if not prefixes:
        return True
    return any(
        _KLE_PREFIX.match(p) and (subject == p or subject.startswith(p + ".")) for p in prefixes
    )


def kle_predicate(prefixes: frozenset[str], column: Any = None) -> ColumnElement[bool]:
    """`kle_covers` as SQL on the case's KLE subject (or another KLE column)."""
    column = case.c.kle_subject if column is None else column
    if not prefixes:
        return true()
    valid = sorted(p for p in prefixes if _KLE_PREFIX.match(p))
    # Digits and dots only, so the LIKE pattern needs no escaping.
    return or_(false(), *(or_(column == p, column.like(p + ".%")) for p in valid))


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    username: str
    display_name: str
    municipality_id: str
    org_unit_id: uuid.UUID
    roles: frozenset[str]
    # KLE prefixes ("34", "34.10", "34.10.10") from the FK Adgangsstyring data constraints of an
    # SSO sign-in. Empty: no KLE limit, as in FK Adgangsstyring, where a role without a data
    # constraint is not limited by it; so for the development users too.
    kle: frozenset[str] = frozenset()

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def covers_kle(self, subject: str) -> bool:
        return kle_covers(self.kle, subject)

    def kle_scope(self) -> ColumnElement[bool]:
        return kle_predicate(self.kle)

    def case_scope(self) -> ColumnElement[bool]:
        """The one predicate every case query is filtered with.

        Municipality always; org unit unless the role is municipality-wide; a restricted case
        only for the users named on it; and the case's KLE subject under the user's KLE data
        constraint, if they have one. Analysts and operators see no cases at all.
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
            self.kle_scope(),
        )

    def technical_scope(self) -> ColumnElement[bool]:
        """The cases whose process instances (ids, states, incidents; no personal data) the
        caller may see in the monitor: the municipality's, under the caller's KLE constraint.
        Case roles see the instances of the cases in their `case_scope`."""
        if self.roles & TECHNICAL_ROLES:
            return and_(case.c.municipality_id == self.municipality_id, self.kle_scope())
        return self.case_scope()

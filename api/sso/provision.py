"""A user signed in through SSO: their privileges mapped to our roles and scope, kept up to date.

The municipality is the one whose CVR number the privileges are scoped to; the roles come from
its `fk_role_mapping`; the org unit and the KLE prefixes from the data constraints. The user row
is created on the first sign-in and brought up to date on every one after, so a role taken away
in FK Adgangsstyring is gone at the next sign-in. Nothing beyond what the principal needs is kept
(no CPR number; the IdP's NameID and the display name).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select, update

from api.auth.tables import fk_role_mapping, sso_identity, user_kle
from api.org.tables import app_user, municipality, org_unit, user_role
from api.sso.privileges import Privilege, Refused


def _municipality(conn: Connection, privileges: list[Privilege]) -> str:
    cvrs = {p.cvr for p in privileges}
    if len(cvrs) > 1:
        raise Refused("Dine rettigheder gælder flere myndigheder. Log ind for én ad gangen.")
    (cvr,) = cvrs
    found = conn.execute(select(municipality.c.id).where(municipality.c.cvr == cvr)).first()
    if found is None:
        raise Refused("Din myndighed er ikke tilsluttet Børnesag. Kontakt din administrator.")
    return str(found.id)


def _roles(conn: Connection, municipality_id: str, privileges: list[Privilege]) -> set[str]:
    rows = conn.execute(
        select(fk_role_mapping.c.fk_role, fk_role_mapping.c.role).where(
            fk_role_mapping.c.municipality_id == municipality_id
        )
    ).all()
    mapping: dict[str, set[str]] = {}
    for fk_role, role in rows:
        mapping.setdefault(fk_role, set()).add(role)
    roles: set[str] = set()
    for p in privileges:
        if p.fk_role not in mapping:
            raise Refused(
                f"Rettigheden '{p.fk_role[:120]}' er ikke knyttet til en rolle i Børnesag. "
                "Kontakt din administrator."
            )
        roles |= mapping[p.fk_role]
    return roles


def _org_unit(conn: Connection, municipality_id: str, privileges: list[Privilege]) -> uuid.UUID:
    units = set().union(*(p.org_units for p in privileges))
    if not units:
        raise Refused("Dine rettigheder er ikke afgrænset til en organisationsenhed.")
    if len(units) > 1:
        raise Refused("Dine rettigheder nævner flere organisationsenheder; Børnesag kræver én.")
    (unit,) = units
    known = conn.execute(
        select(org_unit.c.id).where(
            org_unit.c.id == unit, org_unit.c.municipality_id == municipality_id
        )
    ).first()
    if known is None:
        raise Refused("Din organisationsenhed findes ikke i Børnesag. Kontakt din administrator.")
    return unit


def kle_scope(privileges: list[Privilege]) -> frozenset[str]:
    """The KLE prefixes the user is limited to; empty: a privilege without a KLE constraint,
    so no KLE limit."""
    if any(not p.kle for p in privileges):
        return frozenset()
    return frozenset().union(*(p.kle for p in privileges))


def provision(
    conn: Connection, *, subject: str, display_name: str, privileges: list[Privilege]
) -> uuid.UUID:
    """The user id for this SSO subject, with roles, org unit and KLE set from the privileges.
    Raises Refused (and writes nothing) when they do not map."""
    municipality_id = _municipality(conn, privileges)
    roles = _roles(conn, municipality_id, privileges)
    unit = _org_unit(conn, municipality_id, privileges)
    kle = kle_scope(privileges)
    now = datetime.now(UTC)
    found = conn.execute(
        select(sso_identity.c.user_id).where(sso_identity.c.subject == subject)
    ).first()
    values = {
        "display_name": display_name,
        "municipality_id": municipality_id,
        "org_unit_id": unit,
        "active": True,
    }
    if found is None:
        user_id = uuid.uuid4()
        conn.execute(insert(app_user).values(id=user_id, username=f"sso:{subject}", **values))
        conn.execute(insert(sso_identity).values(subject=subject, user_id=user_id))
    else:
        user_id = found.user_id
        conn.execute(update(app_user).where(app_user.c.id == user_id).values(**values))
        conn.execute(
            update(sso_identity).where(sso_identity.c.subject == subject).values(last_login_at=now)
        )
    conn.execute(delete(user_role).where(user_role.c.user_id == user_id))
    conn.execute(insert(user_role), [{"user_id": user_id, "role": r} for r in sorted(roles)])
    conn.execute(delete(user_kle).where(user_kle.c.user_id == user_id))
    if kle:
        conn.execute(insert(user_kle), [{"user_id": user_id, "kle": k} for k in sorted(kle)])
    return user_id

"""The administrator's reads and changes, for their own municipality only.

Every change is checked first (`Invalid` carries a Danish message per field, and nothing is
written), then made together with one `admin_change` row: who, what, before and after. Something
of another municipality is `NotFound`, exactly like something that does not exist.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from api import clock
from api.admin.tables import admin_change, case_restriction
from api.auth.principal import Principal
from api.auth.tables import fk_role_mapping
from api.calendar.holidays import WorkingCalendar
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import case, case_access
from api.org.tables import ROLES, app_user, municipality, org_unit, user_role
from api.projector import tables as rm

ROLE_LABELS = {
    "caseworker": "Sagsbehandler (myndighedsrådgiver)",
    "team_leader": "Teamleder",
    "analyst": "Procesanalytiker (modellering)",
    "operator": "Driftsoperatør",
    "auditor": "Revisor",
    "finance": "Økonomi",
    "admin": "Kommunens administrator",
}
# The decision subjects (the recommendation a decision is taken on) a rule may put before a
# team leader; `api.cases.decisions.approval_required` reads the municipality's list.
APPROVAL_SUBJECTS = {
    "stoettende_indsats": "Støttende indsats (§ 32)",
    "anbringelse": "Anbringelse (§ 46)",
    "anbringelse_uden_samtykke": "Anbringelse uden samtykke (§ 47)",
    "hjemgivelse": "Hjemgivelse",
    "ungestoette": "Ungestøtte (§§ 108-121)",
}
# The change log's codes (admin_change.change) as the page shows them.
CHANGE_LABELS = {
    "org_unit.create": "Enhed oprettet",
    "org_unit.update": "Enhed ændret",
    "org_unit.delete": "Enhed slettet",
    "user.move": "Medarbejder flyttet til en anden enhed",
    "fk_role.create": "Rolle fra FK Adgangsstyring knyttet til",
    "fk_role.delete": "Rolle fra FK Adgangsstyring fjernet",
    "approval.update": "Godkendelsesregler ændret",
    "closing_day.create": "Lukkedag tilføjet",
    "closing_day.delete": "Lukkedag fjernet",
    "case.restrict": "Sag beskyttet",
    "case.lift": "Beskyttelse ophævet",
    "retention_rule.update": "Bevaringsregel sat (sletning og anonymisering)",
    "retention_rule.delete": "Bevaringsregel fjernet (landsreglen gælder igen)",
}
NAME_MAX = 120
REASON_MAX = 1000
URI_MAX = 500
THRESHOLD_MAX = Decimal("9999999999.99")
URI = re.compile(r"(https?://|urn:)\S+")
GROUP_TAIL = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _control(text: str, allow: str = "") -> bool:
    """Control characters (NUL above all, which PostgreSQL cannot store) in a text field."""
    return any((ord(c) < 32 and c not in allow) or ord(c) == 127 for c in text)


class NotFound(Exception):
    """Not there, or another municipality's: the same answer."""


class Invalid(Exception):
    """Input refused; `errors` maps each field to its Danish message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def record(
    conn: Connection,
    principal: Principal,
    change: str,
    subject: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    conn.execute(
        insert(admin_change).values(
            municipality_id=principal.municipality_id,
            user_id=principal.user_id,
            username=principal.username,
            change=change,
            subject=subject,
            before=before,
            after=after,
        )
    )


def changes(conn: Connection, principal: Principal, limit: int = 50) -> list[Any]:
    return list(
        conn.execute(
            select(admin_change)
            .where(admin_change.c.municipality_id == principal.municipality_id)
            .order_by(admin_change.c.id.desc())
            .limit(limit)
        )
    )


# --- org units (teams) and their duty queues ------------------------------------------------


@dataclass(frozen=True)
class Unit:
    id: uuid.UUID
    name: str
    duty_group: str
    leader_group: str
    users: int
    open_cases: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "duty_group": self.duty_group,
            "leader_group": self.leader_group,
            "users": self.users,
            "open_cases": self.open_cases,
        }


def units(conn: Connection, principal: Principal) -> list[Unit]:
    users = (
        select(func.count())
        .select_from(app_user)
        .where(app_user.c.org_unit_id == org_unit.c.id, app_user.c.active.is_(True))
        .scalar_subquery()
    )
    cases = (
        select(func.count())
        .select_from(case)
        .where(case.c.org_unit_id == org_unit.c.id, case.c.status == "open")
        .scalar_subquery()
    )
    rows = conn.execute(
        select(org_unit, users.label("users"), cases.label("open_cases"))
        .where(org_unit.c.municipality_id == principal.municipality_id)
        .order_by(org_unit.c.name)
    )
    return [Unit(r.id, r.name, r.duty_group, r.leader_group, r.users, r.open_cases) for r in rows]


def unit(conn: Connection, principal: Principal, unit_id: uuid.UUID | str) -> Unit:
    key = _uuid(unit_id)
    found = next((u for u in units(conn, principal) if u.id == key), None)
    if found is None:
        raise NotFound("Enheden findes ikke")
    return found


def _uuid(value: uuid.UUID | str) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


def _unit_values(
    conn: Connection,
    principal: Principal,
    data: dict[str, str],
    current: Unit | None,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    mid = principal.municipality_id
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        errors["name"] = "Skriv enhedens navn."
    elif _control(name):
        errors["name"] = "Navnet indeholder tegn, der ikke kan gemmes."
    elif len(name) > NAME_MAX:
        errors["name"] = f"Navnet må højst have {NAME_MAX} tegn."
    groups = {}
    for key, label in (("duty_group", "Vagtgruppen"), ("leader_group", "Ledergruppen")):
        value = str(data.get(key) or "").strip()
        groups[key] = value
        tail = value.removeprefix(f"{mid}-")
        if not value:
            errors[key] = f"{label} skal udfyldes, fx {mid}-modtagelse."
        elif not value.startswith(f"{mid}-") or not GROUP_TAIL.fullmatch(tail):
            errors[key] = (
                f"{label} skal begynde med kommunekoden og en bindestreg ({mid}-) og derefter "
                "kun have små bogstaver a-z, tal og bindestreger."
            )
        elif len(value) > NAME_MAX:
            errors[key] = f"{label} må højst have {NAME_MAX} tegn."
    if not errors.get("leader_group") and groups["duty_group"] == groups["leader_group"]:
        errors["leader_group"] = "Ledergruppen skal være en anden end vagtgruppen."
    others = [u for u in units(conn, principal) if current is None or u.id != current.id]
    taken = {g for u in others for g in (u.duty_group, u.leader_group)}
    for key in ("duty_group", "leader_group"):
        if key not in errors and groups[key] in taken:
            errors[key] = "Gruppen bruges allerede af en anden enhed."
    if current is not None and not errors.get("duty_group") and not errors.get("leader_group"):
        moved = [
            (key, old)
            for key, old in (
                ("duty_group", current.duty_group),
                ("leader_group", current.leader_group),
            )
            if groups[key] != old
        ]
        for key, old in moved:
            busy = current.open_cases or _open_tasks(conn, old)
            if busy:
                errors[key] = (
                    "Gruppen kan ikke ændres, mens enheden har åbne sager eller opgaver: "
                    "de kørende forløb sender deres opgaver til den gamle gruppe."
                )
    if errors:
        raise Invalid(errors)
    return {"name": name, **groups}


def _open_tasks(conn: Connection, group: str) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(rm.user_task)
            .where(
                rm.user_task.c.state == "CREATED",
                rm.user_task.c.candidate_groups.contains([group]),
            )
        ).scalar()
        or 0
    )


def create_unit(conn: Connection, principal: Principal, data: dict[str, str]) -> Unit:
    values = _unit_values(conn, principal, data, None)
    given = str(data.get("id") or "").strip()
    unit_id = uuid.uuid4()
    if given:
        parsed = _uuid(given)
        if parsed is None:
            raise Invalid({"id": "Id'et skal være et UUID fra FK Organisation, fx " + str(unit_id)})
        if conn.execute(select(org_unit.c.id).where(org_unit.c.id == parsed)).first():
            raise Invalid({"id": "Id'et er allerede i brug."})
        unit_id = parsed
    conn.execute(
        insert(org_unit).values(id=unit_id, municipality_id=principal.municipality_id, **values)
    )
    record(conn, principal, "org_unit.create", str(unit_id), None, values)
    return unit(conn, principal, unit_id)


def update_unit(
    conn: Connection, principal: Principal, unit_id: uuid.UUID | str, data: dict[str, str]
) -> Unit:
    current = unit(conn, principal, unit_id)
    values = _unit_values(conn, principal, data, current)
    before = {k: getattr(current, k) for k in values}
    if before != values:
        conn.execute(update(org_unit).where(org_unit.c.id == current.id).values(**values))
        record(conn, principal, "org_unit.update", str(current.id), before, values)
    return unit(conn, principal, current.id)


def delete_unit(conn: Connection, principal: Principal, unit_id: uuid.UUID | str) -> None:
    current = unit(conn, principal, unit_id)
    used = conn.execute(
        select(func.count()).select_from(app_user).where(app_user.c.org_unit_id == current.id)
    ).scalar()
    cases = conn.execute(
        select(func.count()).select_from(case).where(case.c.org_unit_id == current.id)
    ).scalar()
    if used or cases:
        raise Invalid(
            {
                "unit": "Enheden kan ikke slettes, fordi den har medarbejdere eller sager. "
                "Flyt dem først til en anden enhed."
            }
        )
    before = {k: getattr(current, k) for k in ("name", "duty_group", "leader_group")}
    conn.execute(delete(org_unit).where(org_unit.c.id == current.id))
    record(conn, principal, "org_unit.delete", str(current.id), before, None)


# --- members of the teams ----------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: uuid.UUID
    username: str
    display_name: str
    org_unit_id: uuid.UUID
    roles: list[str] = field(default_factory=list)


def members(conn: Connection, principal: Principal) -> list[Member]:
    rows = conn.execute(
        select(app_user)
        .where(app_user.c.municipality_id == principal.municipality_id, app_user.c.active.is_(True))
        .order_by(app_user.c.display_name)
    ).all()
    roles: dict[uuid.UUID, list[str]] = {}
    for r in conn.execute(
        select(user_role).where(user_role.c.user_id.in_([row.id for row in rows]))
    ):
        roles.setdefault(r.user_id, []).append(r.role)
    return [
        Member(r.id, r.username, r.display_name, r.org_unit_id, sorted(roles.get(r.id, [])))
        for r in rows
    ]


def move_member(
    conn: Connection, principal: Principal, username: str, unit_id: uuid.UUID | str
) -> None:
    """A user to another team of the municipality (their duty queue and case scope follow)."""
    who = next((m for m in members(conn, principal) if m.username == username.strip()), None)
    if who is None:
        raise NotFound("Medarbejderen findes ikke")
    target = next((u for u in units(conn, principal) if str(u.id) == str(unit_id).strip()), None)
    if target is None:
        raise Invalid({"org_unit_id": "Vælg en af kommunens enheder."})
    if target.id == who.org_unit_id:
        return
    conn.execute(update(app_user).where(app_user.c.id == who.id).values(org_unit_id=target.id))
    record(
        conn,
        principal,
        "user.move",
        str(who.id),
        {"org_unit_id": str(who.org_unit_id)},
        {"org_unit_id": str(target.id)},
    )


# --- the mapping of FK Adgangsstyring roles ----------------------------------------------------


def fk_roles(conn: Connection, principal: Principal) -> list[tuple[str, str]]:
    return [
        (r.fk_role, r.role)
        for r in conn.execute(
            select(fk_role_mapping)
            .where(fk_role_mapping.c.municipality_id == principal.municipality_id)
            .order_by(fk_role_mapping.c.fk_role, fk_role_mapping.c.role)
        )
    ]


def _fk_key(data: dict[str, str]) -> tuple[str, str, dict[str, str]]:
    fk_role = str(data.get("fk_role") or "").strip()
    role = str(data.get("role") or "").strip()
    errors = {}
    if not fk_role:
        errors["fk_role"] = "Skriv brugersystemrollens entity id fra FK Adgangsstyring."
    elif len(fk_role) > URI_MAX or not URI.fullmatch(fk_role) or _control(fk_role):
        errors["fk_role"] = (
            "Rollen skal være brugersystemrollens entity id: en URI, der begynder med "
            "http://, https:// eller urn:, uden mellemrum."
        )
    if role not in ROLES:
        errors["role"] = "Vælg en af Børnesags roller."
    return fk_role, role, errors


def add_fk_role(conn: Connection, principal: Principal, data: dict[str, str]) -> None:
    fk_role, role, errors = _fk_key(data)
    if not errors and (fk_role, role) in fk_roles(conn, principal):
        errors["fk_role"] = "Den rolle er allerede knyttet til den samme Børnesag-rolle."
    if errors:
        raise Invalid(errors)
    conn.execute(
        insert(fk_role_mapping).values(
            municipality_id=principal.municipality_id, fk_role=fk_role, role=role
        )
    )
    record(conn, principal, "fk_role.create", fk_role, None, {"fk_role": fk_role, "role": role})


LAST_ADMIN = (
    "Tilknytningen kan ikke fjernes: den er kommunens sidste til rollen Kommunens administrator, "
    "og uden den kan ingen logge ind og administrere kommunen. Knyt først en anden "
    "brugersystemrolle til Kommunens administrator."
)


def delete_fk_role(conn: Connection, principal: Principal, data: dict[str, str]) -> None:
    """Removes a mapping, but never the municipality's last one to the admin role: that would
    lock the municipality out of its own administration (refused, nothing changed)."""
    fk_role, role, _ = _fk_key(data)
    # One change to the municipality's mappings at a time, so two administrators removing the
    # last two admin mappings at once cannot both pass the check below.
    conn.execute(
        select(municipality.c.id)
        .where(municipality.c.id == principal.municipality_id)
        .with_for_update()
    )
    mapped = fk_roles(conn, principal)
    if (fk_role, role) not in mapped:
        raise NotFound("Tilknytningen findes ikke")
    if role == "admin" and not any(r == "admin" and f != fk_role for f, r in mapped):
        raise Invalid({"fk_role": LAST_ADMIN})
    conn.execute(
        delete(fk_role_mapping).where(
            fk_role_mapping.c.municipality_id == principal.municipality_id,
            fk_role_mapping.c.fk_role == fk_role,
            fk_role_mapping.c.role == role,
        )
    )
    record(conn, principal, "fk_role.delete", fk_role, {"fk_role": fk_role, "role": role}, None)


# --- approval rules and the payment threshold --------------------------------------------------


def _municipality(conn: Connection, principal: Principal) -> Any:
    return conn.execute(
        select(municipality).where(municipality.c.id == principal.municipality_id)
    ).one()


def approval(conn: Connection, principal: Principal) -> dict[str, Any]:
    row = _municipality(conn, principal)
    subjects = [s.strip() for s in (row.approval_subjects or "").split(",") if s.strip()]
    return {
        "subjects": sorted(subjects),
        "payment_threshold": f"{row.payment_approval_threshold:.2f}",
    }


def parse_amount(text: str) -> Decimal | None:
    """'50.000', '50000,50', '50 000' or '50000.50' (an API number): kroner, at most øre."""
    raw = str(text).strip().replace(" ", "").replace("\u00a0", "").removesuffix("kr.")
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d{1,2})?", raw):
        raw = raw.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d+,\d{1,2}", raw):
        raw = raw.replace(",", ".")
    elif not re.fullmatch(r"\d+(\.\d{1,2})?", raw):
        return None
    try:
        return Decimal(raw)
    except InvalidOperation:
        return None


def set_approval(
    conn: Connection, principal: Principal, subjects: list[str], threshold: str
) -> dict[str, Any]:
    errors = {}
    chosen = sorted({str(s).strip() for s in subjects if str(s).strip()})
    unknown = [s for s in chosen if s not in APPROVAL_SUBJECTS]
    if unknown:
        errors["subjects"] = "Vælg kun blandt afgørelsestyperne på listen."
    amount = parse_amount(threshold)
    if amount is None:
        errors["payment_threshold"] = "Skriv beløbet i kroner, fx 50.000 eller 50000,00."
    elif amount > THRESHOLD_MAX:
        errors["payment_threshold"] = "Beløbet er for stort."
    if errors:
        raise Invalid(errors)
    before = approval(conn, principal)
    after = {"subjects": chosen, "payment_threshold": f"{amount:.2f}"}
    if before != after:
        conn.execute(
            update(municipality)
            .where(municipality.c.id == principal.municipality_id)
            .values(approval_subjects=",".join(chosen), payment_approval_threshold=amount)
        )
        record(conn, principal, "approval.update", principal.municipality_id, before, after)
    return after


# --- the working-day calendar ------------------------------------------------------------------


def closing_days(conn: Connection, principal: Principal) -> list[date]:
    text = _municipality(conn, principal).extra_closed_days or ""
    return sorted({date.fromisoformat(d.strip()) for d in text.split(",") if d.strip()})


def calendar_year(conn: Connection, principal: Principal, year: int) -> dict[date, str]:
    """The closed days of a year as deadlines count them: national and the municipality's."""
    return WorkingCalendar(extra_closed=frozenset(closing_days(conn, principal))).closed_days(year)


def _today() -> date:
    return clock.current().now().astimezone(COPENHAGEN).date()


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        return None


def _store_days(conn: Connection, principal: Principal, days: list[date]) -> None:
    conn.execute(
        update(municipality)
        .where(municipality.c.id == principal.municipality_id)
        .values(extra_closed_days=",".join(d.isoformat() for d in sorted(days)))
    )


def add_closing_day(conn: Connection, principal: Principal, text: str) -> date:
    day = _day(text)
    if day is None:
        raise Invalid({"date": "Skriv datoen som dd.mm.åååå (eller vælg den i kalenderen)."})
    if day <= _today():
        raise Invalid({"date": "Vælg en dag efter i dag; allerede beregnede frister ændres ikke."})
    if day.year > _today().year + 5:
        raise Invalid({"date": "Lukkedage kan højst lægges fem år frem."})
    if day.weekday() >= 5:
        raise Invalid({"date": "Lørdage og søndage er aldrig arbejdsdage."})
    days = closing_days(conn, principal)
    if day in days:
        raise Invalid({"date": "Dagen er allerede en lukkedag."})
    national = WorkingCalendar().closed_days(day.year)
    if day in national:
        raise Invalid({"date": f"Dagen er allerede lukket: {national[day]}."})
    _store_days(conn, principal, [*days, day])
    record(conn, principal, "closing_day.create", day.isoformat(), None, {"closed": True})
    return day


def delete_closing_day(conn: Connection, principal: Principal, text: str) -> None:
    day = _day(text)
    days = closing_days(conn, principal)
    if day is None or day not in days:
        raise NotFound("Lukkedagen findes ikke")
    if day <= _today():
        raise Invalid({"date": "En lukkedag, der er passeret, kan ikke fjernes."})
    _store_days(conn, principal, [d for d in days if d != day])
    record(conn, principal, "closing_day.delete", day.isoformat(), {"closed": True}, None)


# --- restricted cases --------------------------------------------------------------------------


@dataclass(frozen=True)
class Restricted:
    case_id: uuid.UUID
    case_number: str
    unit_name: str
    reason: str
    since: Any
    users: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": str(self.case_id),
            "case_number": self.case_number,
            "org_unit": self.unit_name,
            "reason": self.reason,
            "since": self.since.isoformat() if self.since else None,
            "users": self.users,
        }


def restricted_cases(conn: Connection, principal: Principal) -> list[Restricted]:
    rows = conn.execute(
        select(case.c.id, case.c.case_number, org_unit.c.name)
        .join(org_unit, org_unit.c.id == case.c.org_unit_id)
        .where(
            case.c.municipality_id == principal.municipality_id,
            case.c.restricted.is_(True),
            # Under the admin's own KLE constraint, as every case query (none: no KLE limit).
            principal.kle_scope(),
        )
        .order_by(case.c.case_number)
    ).all()
    ids = [r.id for r in rows]
    latest: dict[uuid.UUID, Any] = {}
    for r in conn.execute(
        select(case_restriction)
        .where(case_restriction.c.case_id.in_(ids), case_restriction.c.restricted.is_(True))
        .order_by(case_restriction.c.id)
    ):
        latest[r.case_id] = r
    named: dict[uuid.UUID, list[str]] = {}
    for r in conn.execute(
        select(case_access.c.case_id, app_user.c.username)
        .join(app_user, app_user.c.id == case_access.c.user_id)
        .where(case_access.c.case_id.in_(ids))
        .order_by(app_user.c.username)
    ):
        named.setdefault(r.case_id, []).append(r.username)
    return [
        Restricted(
            r.id,
            r.case_number,
            r.name,
            latest[r.id].reason if r.id in latest else "",
            latest[r.id].at if r.id in latest else None,
            named.get(r.id, []),
        )
        for r in rows
    ]


def _case(conn: Connection, principal: Principal, number: str) -> Any:
    if _control(number) or len(number) > NAME_MAX:
        return None
    return conn.execute(
        select(case.c.id, case.c.restricted).where(
            case.c.case_number == number.strip(),
            case.c.municipality_id == principal.municipality_id,
            principal.kle_scope(),
        )
    ).first()


def _reason(text: str, errors: dict[str, str]) -> str:
    reason = str(text or "").strip()
    if not reason:
        errors["reason"] = "Skriv begrundelsen."
    elif _control(reason, "\n\r\t"):
        errors["reason"] = "Begrundelsen indeholder tegn, der ikke kan gemmes."
    elif len(reason) > REASON_MAX:
        errors["reason"] = f"Begrundelsen må højst have {REASON_MAX} tegn."
    return reason


def _named(conn: Connection, case_id: uuid.UUID) -> list[str]:
    return sorted(
        str(u)
        for (u,) in conn.execute(
            select(case_access.c.user_id).where(case_access.c.case_id == case_id)
        )
    )


def restrict(
    conn: Connection, principal: Principal, number: str, reason: str, usernames: list[str]
) -> uuid.UUID:
    """Restrict a case (or change who may see it): only the named users see it from now on."""
    errors: dict[str, str] = {}
    row = _case(conn, principal, str(number or "")) if str(number or "").strip() else None
    if not str(number or "").strip():
        errors["case_number"] = "Skriv sagsnummeret."
    elif row is None:
        errors["case_number"] = "Kommunen har ingen sag med det nummer."
    text = _reason(reason, errors)
    wanted = sorted({u.strip() for u in usernames if u.strip()})
    known = {m.username: m for m in members(conn, principal)}
    missing = [u for u in wanted if u not in known]
    if not wanted:
        errors["users"] = "Angiv mindst én medarbejder, der skal kunne se sagen."
    elif missing:
        errors["users"] = "Ukendt brugernavn i kommunen: " + ", ".join(missing) + "."
    if errors or row is None:
        raise Invalid(errors)
    before = {"restricted": bool(row.restricted), "users": _named(conn, row.id)}
    conn.execute(update(case).where(case.c.id == row.id).values(restricted=True))
    conn.execute(delete(case_access).where(case_access.c.case_id == row.id))
    conn.execute(insert(case_access), [{"case_id": row.id, "user_id": known[u].id} for u in wanted])
    conn.execute(
        insert(case_restriction).values(
            case_id=row.id, restricted=True, reason=text, by_user_id=principal.user_id
        )
    )
    after = {"restricted": True, "users": _named(conn, row.id)}
    record(conn, principal, "case.restrict", str(row.id), before, after)
    case_id: uuid.UUID = row.id
    return case_id


def lift(conn: Connection, principal: Principal, number: str, reason: str) -> uuid.UUID:
    """The case is visible to its team again; the named users are removed."""
    row = _case(conn, principal, str(number or ""))
    if row is None or not row.restricted:
        raise NotFound("Sagen er ikke beskyttet")
    errors: dict[str, str] = {}
    text = _reason(reason, errors)
    if errors:
        raise Invalid(errors)
    before = {"restricted": True, "users": _named(conn, row.id)}
    conn.execute(update(case).where(case.c.id == row.id).values(restricted=False))
    conn.execute(delete(case_access).where(case_access.c.case_id == row.id))
    conn.execute(
        insert(case_restriction).values(
            case_id=row.id, restricted=False, reason=text, by_user_id=principal.user_id
        )
    )
    record(conn, principal, "case.lift", str(row.id), before, {"restricted": False, "users": []})
    case_id: uuid.UUID = row.id
    return case_id

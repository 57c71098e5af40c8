"""/underretninger/ny: a new underretning. First the child is found by CPR (a POST: the number
never goes in a URL): looked up in CPR (SF1520, the workers' client, each call audited) for the
name, age and status, and an existing case and its earlier reports show before anything is
saved; an unborn child is found by the mother's CPR. CPR not answering or not knowing the number
does not stop the intake: the process identifies the child afterwards. Then the report is
received through the intake API's own handler, and the caseworker lands on the case page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from adapters.cpr import CprClient, Person
from adapters.errors import AdapterError, NotFound
from api import clock
from api.audit.adapters import audit_scope
from api.cases.case_file import REPORTER_TYPES
from api.cases.cpr import CprNumber
from api.cases.cpr_lookup import cpr_client
from api.cases.tables import case, person, underretning
from api.deps import SettingsDep, UnitOfWork, require_roles
from api.settings import Settings
from api.underretninger.router import create_underretning
from api.underretninger.schemas import UnderretningIn
from api.web.case_data import full_name
from api.web.render import COPENHAGEN, render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

# The intake model's fields -> the page's fields, so an error lands at the right field.
FIELDS = {
    "received_at": "modtaget",
    "reporter_type": "underretter",
    "reporter_name": "navn",
    "reporter_organisation": "arbejdsplads",
    "reporter_email": "email",
    "reporter_cvr": "cvr",
    "concern": "bekymring",
    "expected_birth_date": "termin",
    "child_cpr": "cpr",
    "mother_cpr": "cpr",
}
MESSAGES = {
    "cvr": "CVR-nummeret skal være 8 cifre.",
    "bekymring": "Beskriv bekymringen med mindst 10 tegn.",
    "modtaget": "Angiv hvornår underretningen kom (dato og klokkeslæt).",
    "termin": "Angiv terminen som en dato.",
}


def _need_role(uow: UnitOfWork) -> None:
    require_roles(uow, "caseworker", "team_leader")


@router.get("/underretninger/ny", response_class=HTMLResponse)
def start(request: Request, uow: PageUow) -> Response:
    _need_role(uow)
    uow.commit()
    return render(request, "intake/find.html", uow.principal, hvem="barn", cpr="", error=None)


def _child_of(conn: Any, cpr: str, unborn: bool) -> Any:
    """The child the case store knows by this number: the child itself, or the unborn child
    linked to this mother."""
    if not unborn:
        return conn.execute(select(person).where(person.c.cpr == cpr)).first()
    mother = person.alias("mother")
    return conn.execute(
        select(person)
        .join(mother, mother.c.id == person.c.unborn_mother_id)
        .where(mother.c.cpr == cpr, person.c.cpr.is_(None))
    ).first()


def _known(uow: UnitOfWork, cpr: str, unborn: bool) -> dict[str, Any]:
    """What the case store knows of the child that the caller may see: name, case, reports."""
    child = _child_of(uow.conn, cpr, unborn)
    if child is None:
        return {"child_name": None, "cases": [], "reports": []}
    cases = uow.conn.execute(
        select(case).where(case.c.child_id == child.id, uow.principal.case_scope())
    ).all()
    uow.touch(c.id for c in cases)
    reports = uow.conn.execute(
        select(underretning)
        .where(underretning.c.case_id.in_([c.id for c in cases]))
        .order_by(underretning.c.received_at.desc())
    ).all()
    return {
        "child_name": full_name(child.cpr_data) if cases else None,
        "cases": cases,
        "reports": reports,
    }


@dataclass(frozen=True)
class CprAnswer:
    """What CPR said about the number, for the page: "found", "not_found" or "unavailable"."""

    state: str
    name: str | None = None
    age: int | None = None
    dead: bool = False
    missing: bool = False
    protected: bool = False


def _client(request: Request, settings: Settings) -> CprClient:
    """One CPR client per app, built like the workers' (it parses the WSDL once)."""
    client: CprClient | None = getattr(request.app.state, "intake_cpr", None)
    if client is None:
        client = cpr_client(settings, request.app.state.engine)
        request.app.state.intake_cpr = client
    return client


def _answer(person: Person, today: Any) -> CprAnswer:
    parts = (person.first_names, person.middle_name, person.last_name)
    born = person.birth_date
    age = None
    if born is not None:
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return CprAnswer(
        "found",
        name=" ".join(p for p in parts if p) or person.addressing_name,
        age=age,
        dead=person.is_dead,
        missing=person.is_missing,
        protected=person.address_protected,
    )


def look_up(request: Request, settings: Settings, cpr: str) -> CprAnswer:
    """The child (or the unborn child's mother) in CPR, before anything is saved."""
    today = clock.current().now().astimezone(COPENHAGEN).date()
    try:
        with audit_scope("page:underretning-find"):
            person = _client(request, settings).lookup(cpr, today=today)
    except NotFound:
        return CprAnswer("not_found")
    except AdapterError:
        return CprAnswer("unavailable")
    return _answer(person, today)


def _report_form(
    request: Request,
    uow: UnitOfWork,
    settings: Settings,
    cpr: str,
    unborn: bool,
    values: dict[str, Any],
    errors: dict[str, str],
    status_code: int = 200,
) -> Response:
    known = _known(uow, cpr, unborn)
    answer = look_up(request, settings, cpr)
    uow.commit(status_code)
    return render(
        request,
        "intake/report.html",
        uow.principal,
        status_code=status_code,
        cpr=cpr,
        unborn=unborn,
        reporter_types=REPORTER_TYPES,
        values=values,
        errors=errors,
        cpr_answer=answer,
        **known,
    )


def _now_local() -> str:
    return datetime.now(COPENHAGEN).strftime("%Y-%m-%dT%H:%M")


@router.post("/underretninger/ny/find", dependencies=[Csrf])
def find_child(
    request: Request,
    uow: PageUow,
    settings: SettingsDep,
    hvem: Annotated[str, Form()] = "barn",
    cpr: Annotated[str, Form()] = "",
) -> Response:
    _need_role(uow)
    unborn = hvem == "ufoedt"
    try:
        number = CprNumber(cpr).value
    except ValueError as exc:
        uow.commit(400)
        return render(
            request,
            "intake/find.html",
            uow.principal,
            status_code=400,
            hvem=hvem,
            cpr=cpr,
            error=str(exc),
        )
    values = {"modtaget": _now_local(), "underretter": "professional"}
    return _report_form(request, uow, settings, number, unborn, values, {})


def _errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = FIELDS.get(str(error["loc"][0]), "") if error["loc"] else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        errors.setdefault(field, MESSAGES.get(field, message))
    return errors


@router.post("/underretninger/ny", dependencies=[Csrf])
def submit(
    request: Request,
    uow: PageUow,
    settings: SettingsDep,
    cpr: Annotated[str, Form()] = "",
    ufoedt: Annotated[str, Form()] = "",
    modtaget: Annotated[str, Form()] = "",
    underretter: Annotated[str, Form()] = "",
    navn: Annotated[str, Form()] = "",
    arbejdsplads: Annotated[str, Form()] = "",
    cvr: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    bekymring: Annotated[str, Form()] = "",
    overgreb: Annotated[str, Form()] = "",
    termin: Annotated[str, Form()] = "",
) -> Response:
    _need_role(uow)
    unborn = ufoedt == "ja"
    values = {
        "modtaget": modtaget,
        "underretter": underretter,
        "navn": navn,
        "arbejdsplads": arbejdsplads,
        "cvr": cvr,
        "email": email,
        "bekymring": bekymring,
        "overgreb": overgreb == "ja",
        "termin": termin,
    }
    errors: dict[str, str] = {}
    try:
        number = CprNumber(cpr).value
    except ValueError:
        # The number came from the find step; a changed or broken one starts over.
        return RedirectResponse("/underretninger/ny", status_code=303)
    try:
        received = datetime.fromisoformat(modtaget).replace(tzinfo=COPENHAGEN)
    except ValueError:
        received = None
        errors["modtaget"] = MESSAGES["modtaget"]
    if received and received > datetime.now(COPENHAGEN):
        errors["modtaget"] = "Tidspunktet kan ikke ligge i fremtiden."
    if underretter not in REPORTER_TYPES:
        errors["underretter"] = "Vælg hvem underretningen kommer fra."
    if underretter == "professional" and not arbejdsplads.strip():
        errors["arbejdsplads"] = "En fagperson skal angive sin arbejdsplads."
    data = None
    try:
        data = UnderretningIn(
            child_cpr=None if unborn else number,
            unborn=unborn,
            mother_cpr=number if unborn else None,
            expected_birth_date=termin or None,
            received_at=received or datetime.now(COPENHAGEN),
            reporter_type=underretter if underretter in REPORTER_TYPES else "anonymous",
            reporter_name=navn or None,
            reporter_organisation=arbejdsplads or None,
            reporter_email=email or None,
            reporter_cvr=cvr or None,
            concern=bekymring,
            concerns_abuse=overgreb == "ja",
        )
    except ValidationError as exc:
        for field, message in _errors(exc).items():
            errors.setdefault(field, message)
    if errors or data is None:
        return _report_form(request, uow, settings, number, unborn, values, errors, status_code=400)
    try:
        created = create_underretning(data, uow, settings)
    except HTTPException as exc:
        # Nothing typed is lost: the form comes back with the reason (e.g. 503 while the
        # classification is not loaded).
        uow.conn.rollback()
        errors[""] = str(exc.detail)
        return _report_form(request, uow, settings, number, unborn, values, errors, exc.status_code)
    return RedirectResponse(f"/sager/{created.case_id}?besked=underretning", status_code=303)

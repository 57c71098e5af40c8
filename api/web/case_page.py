"""/sager/{id}: the case page, and the quick entry of a journal note.

The case is read exactly as GET /api/cases/{id} reads it (`get_case` in the caller's scope, then
`case_view`), touched for the audit row; outside the caller's scope the answer is the same 404
as for no case. A note is written through the journal-note API's own handler.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from api.calendar.working_days import danish_today
from api.cases import case_file
from api.cases.router import (
    AppealIn,
    HearingResponseIn,
    StatementReplyIn,
    register_case_appeal,
    register_hearing_response,
    register_statement_reply,
)
from api.cases.router import _case_in_scope as case_in_scope
from api.cases.service import case_view
from api.cases.tables import advis
from api.deps import UnitOfWork, require_roles
from api.esdh.router import JournalNoteIn, write_case_journal_note
from api.transfers.sending import read_only_since
from api.web import case_data, replies
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

# Kinds of journal note: the kind is the note's title, so a quick note needs no title typed.
NOTE_KINDS = (
    "Telefonsamtale",
    "Møde",
    "Hjemmebesøg",
    "Samtale med barnet",
    "Mail eller brev",
    "Sparring",
    "Andet",
)
NOTE_FIELDS = {"title": "emne", "text": "tekst", "noted_on": "dato"}
MESSAGES = {
    "notat": "Journalnotatet er gemt og sendes til journalisering.",
    "underretning": "Underretningen er modtaget og lagt på sagen.",
    "statusudtalelse": "Statusudtalelsen er registreret.",
    "hoering": "Partens bemærkninger er registreret.",
    "hoering-afsluttet": "Partens bemærkninger er registreret. Alle parter har nu svaret, "
    "så sagen går videre.",
    "klage": "Klagen er registreret. Afgørelsen skal genvurderes inden 4 uger.",
}
FLAG_LABELS = {"gentagen_bekymring": "Gentagen bekymring"}


def _page(
    request: Request,
    uow: UnitOfWork,
    row: Any,
    *,
    note: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    reply_typed: dict[str, dict[str, str]] | None = None,
    reply_errors: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> Response:
    conn = uow.conn
    view = case_view(conn, row)
    child = view["child"]
    relatives = case_data.family(conn, uow.principal, row.child_id, child)
    documents = case_file.sources(conn, row.id)
    names = case_data.process_names(conn, {p["bpmn_process_id"] for p in view["processes"]})
    since = read_only_since(conn, row.id)
    read_only = since if since is not None and since <= danish_today() else None
    alerts = conn.execute(
        select(advis).where(advis.c.case_id == row.id).order_by(advis.c.created_at.desc())
    ).all()
    context = {
        "case": view,
        "child": child,
        "family": relatives,
        "flags": [FLAG_LABELS.get(f, f) for f in view["flags"] if f in FLAG_LABELS],
        "open_deadlines": [d for d in view["deadlines"] if d["state"] == "open"],
        "past_deadlines": [d for d in view["deadlines"] if d["state"] != "open"],
        "alerts": [(a, case_data.rule_label(a.rule_id)) for a in alerts],
        "documents": [d for d in documents if d.kind != "underretning"],
        "reports": [d for d in documents if d.kind == "underretning"],
        "chronology": case_data.chronology(conn, row.id, documents, view, names),
        "notes": case_data.journal_notes(conn, row.id),
        "process_names": names,
        "note_kinds": NOTE_KINDS,
        "note": note or {"kind": NOTE_KINDS[0], "noted_on": danish_today().isoformat()},
        "errors": errors or {},
        "replies": replies.context(
            conn, view, relatives, datetime.now(UTC), reply_typed or {}, reply_errors or {}
        ),
        "labels": {
            "state": case_data.STATE_LABELS,
            "measure": case_data.MEASURE_LABELS,
            "process": case_data.PROCESS_STATES,
        },
        "message": MESSAGES.get(request.query_params.get("besked", "")),
        "read_only_since": read_only,
        "show_form": uow.principal.has("caseworker", "team_leader")
        and (not read_only or bool(errors)),
        "show_reply_forms": uow.principal.has("caseworker", "team_leader") and not read_only,
    }
    uow.commit(status_code)
    return render(request, "case/page.html", uow.principal, status_code=status_code, **context)


@router.get("/sager/{case_id}", response_class=HTMLResponse)
def case_page(case_id: uuid.UUID, request: Request, uow: PageUow) -> Response:
    return _page(request, uow, case_in_scope(uow, case_id))


def _note_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        field = NOTE_FIELDS.get(str(error["loc"][0]) if error["loc"] else "", "tekst")
        if error["type"] in ("string_too_short", "missing"):
            errors[field] = "Skriv notatet." if field == "tekst" else "Udfyld feltet."
        elif error["type"] == "string_too_long":
            errors[field] = "Teksten er for lang."
        elif error["type"] == "value_error" and field != "dato":
            errors[field] = "Teksten indeholder kontroltegn, som ikke kan journaliseres."
        else:
            errors[field] = "Angiv en gyldig dato (åååå-mm-dd)."
    return errors


@router.post("/sager/{case_id}/notater", dependencies=[Csrf])
def add_note(
    case_id: uuid.UUID,
    request: Request,
    uow: PageUow,
    kind: Annotated[str, Form()] = "",
    emne: Annotated[str, Form()] = "",
    tekst: Annotated[str, Form()] = "",
    dato: Annotated[str, Form()] = "",
) -> Response:
    """A journalnotat: its kind (and an optional subject) is the title; nothing else to type."""
    require_roles(uow, "caseworker", "team_leader")
    row = case_in_scope(uow, case_id)
    typed = {"kind": kind, "emne": emne, "tekst": tekst, "noted_on": dato}
    if kind not in NOTE_KINDS:
        return _page(
            request, uow, row, note=typed, errors={"kind": "Vælg en type."}, status_code=400
        )
    title = f"{kind}: {emne.strip()}" if emne.strip() else kind
    try:
        data = JournalNoteIn(title=title, text=tekst.strip(), noted_on=dato or None)
    except ValidationError as exc:
        return _page(request, uow, row, note=typed, errors=_note_errors(exc), status_code=400)
    if data.noted_on and data.noted_on > danish_today():
        errors = {"dato": "Datoen kan ikke ligge i fremtiden."}
        return _page(request, uow, row, note=typed, errors=errors, status_code=400)
    try:
        write_case_journal_note(row.id, data, uow)
    except HTTPException as exc:
        if exc.status_code == status.HTTP_404_NOT_FOUND:
            raise
        # Refused (a case handed over is read-only): the reason, and the text is kept.
        uow.conn.rollback()
        errors = {"": str(exc.detail)}
        return _page(request, uow, row, note=typed, errors=errors, status_code=exc.status_code)
    return RedirectResponse(f"/sager/{row.id}?besked=notat#journal", status_code=303)


def _reply_refused(
    request: Request,
    uow: PageUow,
    row: Any,
    form: str,
    typed: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Response:
    """The case page again with the form's own error and what was typed, nothing saved."""
    uow.conn.rollback()
    return _page(
        request,
        uow,
        row,
        reply_typed={form: typed},
        reply_errors={form: errors},
        status_code=status_code,
    )


def _refusal(exc: HTTPException) -> tuple[dict[str, str], int]:
    if exc.status_code == status.HTTP_404_NOT_FOUND:
        raise exc
    return {"": str(exc.detail)}, exc.status_code


@router.post("/sager/{case_id}/statusudtalelser/{request_id}", dependencies=[Csrf])
def register_statement(
    case_id: uuid.UUID,
    request_id: uuid.UUID,
    request: Request,
    uow: PageUow,
    modtaget: Annotated[str, Form()] = "",
    svar: Annotated[str, Form()] = "",
) -> Response:
    """An institution's statusudtalelse arrived; the investigation stops waiting for it."""
    require_roles(uow, "caseworker", "team_leader")
    row = case_in_scope(uow, case_id)
    form, typed = f"statement-{request_id}", {"modtaget": modtaget, "svar": svar}
    errors: dict[str, str] = {}
    try:
        received = replies.received_moment(modtaget, datetime.now(UTC))
    except replies.BadMoment as exc:
        errors["modtaget"] = str(exc)
    if len(svar.strip()) < 10:
        errors["svar"] = "Skriv eller indsæt statusudtalelsen (mindst 10 tegn)."
    elif len(svar) > 20_000:
        errors["svar"] = "Teksten er for lang (højst 20.000 tegn)."
    if errors:
        return _reply_refused(request, uow, row, form, typed, errors, 400)
    try:
        register_statement_reply(
            row.id, request_id, StatementReplyIn(received_at=received, reply=svar.strip()), uow
        )
    except HTTPException as exc:
        errors, code = _refusal(exc)
        return _reply_refused(request, uow, row, form, typed, errors, code)
    return RedirectResponse(f"/sager/{row.id}?besked=statusudtalelse#svar", status_code=303)


@router.post("/sager/{case_id}/hoeringer/{hearing_id}", dependencies=[Csrf])
def register_hearing(
    case_id: uuid.UUID,
    hearing_id: uuid.UUID,
    request: Request,
    uow: PageUow,
    part: Annotated[str, Form()] = "",
    modtaget: Annotated[str, Form()] = "",
    bemaerkninger: Annotated[str, Form()] = "",
    endelig: Annotated[str, Form()] = "",
) -> Response:
    """A party's comments in a partshøring; the last party's final word ends it early."""
    require_roles(uow, "caseworker", "team_leader")
    row = case_in_scope(uow, case_id)
    form = f"hearing-{hearing_id}"
    typed = {"part": part, "modtaget": modtaget, "bemaerkninger": bemaerkninger, "endelig": endelig}
    errors: dict[str, str] = {}
    if not part.isdigit() or int(part) < 1:
        errors["part"] = "Vælg den part, der har svaret."
    try:
        received = replies.received_moment(modtaget, datetime.now(UTC))
    except replies.BadMoment as exc:
        errors["modtaget"] = str(exc)
    if not bemaerkninger.strip():
        errors["bemaerkninger"] = "Skriv partens bemærkninger."
    elif len(bemaerkninger) > 20_000:
        errors["bemaerkninger"] = "Teksten er for lang (højst 20.000 tegn)."
    if errors:
        return _reply_refused(request, uow, row, form, typed, errors, 400)
    data = HearingResponseIn(
        party=int(part), received_at=received, comments=bemaerkninger.strip(), final=bool(endelig)
    )
    try:
        answer = register_hearing_response(row.id, hearing_id, data, uow)
    except HTTPException as exc:
        errors, code = _refusal(exc)
        if code == status.HTTP_422_UNPROCESSABLE_ENTITY:
            errors = {"part": "Parten findes ikke i høringen."}
        return _reply_refused(request, uow, row, form, typed, errors, code)
    message = "hoering-afsluttet" if answer["hearing_closed"] else "hoering"
    return RedirectResponse(f"/sager/{row.id}?besked={message}#svar", status_code=303)


@router.post("/sager/{case_id}/klager", dependencies=[Csrf])
def register_appeal(
    case_id: uuid.UUID,
    request: Request,
    uow: PageUow,
    afgoerelse: Annotated[str, Form()] = "",
    modtaget: Annotated[str, Form()] = "",
) -> Response:
    """A klage over a decision in its appeal window: the decision process takes it from there
    (genvurdering within 4 weeks, then Ankestyrelsen)."""
    require_roles(uow, "caseworker", "team_leader")
    row = case_in_scope(uow, case_id)
    typed = {"afgoerelse": afgoerelse, "modtaget": modtaget}
    errors: dict[str, str] = {}
    if not afgoerelse.isdigit():
        errors["afgoerelse"] = "Vælg den afgørelse, der er klaget over."
    try:
        received = replies.received_moment(modtaget, datetime.now(UTC))
    except replies.BadMoment as exc:
        errors["modtaget"] = str(exc)
    if not errors and not replies.appeal_window_open(uow.conn, int(afgoerelse)):
        # Said above the forms: with no decision in its window, the form is not shown.
        errors[""] = (
            "Klagefristen for den afgørelse er udløbet, eller afgørelsen findes ikke på sagen."
        )
    if errors:
        return _reply_refused(request, uow, row, "appeal", typed, errors, 400)
    try:
        register_case_appeal(
            row.id, AppealIn(decision_instance_key=afgoerelse, received_at=received), uow
        )
    except HTTPException as exc:
        errors, code = _refusal(exc)
        return _reply_refused(request, uow, row, "appeal", typed, errors, code)
    return RedirectResponse(f"/sager/{row.id}?besked=klage#svar", status_code=303)

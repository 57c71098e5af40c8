"""/opgaver/{id}: the task's form (form-js), prefilled; drafts on the server; completion.

Reading goes through the task API's own handlers (scope, prefill, audit); the page adds what a
person needs around them: whose task it is, whether it is still open, and drafts that survive a
reload without ever touching browser storage.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api import clock
from api.deps import UnitOfWork
from api.forms.validation import fields
from api.tasks import router as task_api
from api.tasks import service
from api.tasks.service import Task
from api.tilbud import pages as tilbud_pages
from api.web.cards import build_cards
from api.web.overview import MESSAGES, settled
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

TAKEN_MEANWHILE = (
    "Opgaven er taget af en anden i mellemtiden. Dit udkast er ikke afsluttet; "
    "tal med din kollega eller din leder."
)
ENDED = "Opgaven er afsluttet eller lukket i mellemtiden. Der er ikke gemt noget nyt."
NOT_YOURS = "Tag opgaven, før du udfylder den."
DRAFT_SAVED = "Udkastet er gemt."


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no way to close it from the data."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _situation(uow: UnitOfWork, task: Task) -> str | None:
    """Why this user cannot work on the task right now, or None when they can."""
    if service.task_state(uow.conn, task.key) != service.OPEN:
        return ENDED
    if task.assignee is None:
        return NOT_YOURS
    if task.assignee != uow.principal.username:
        return TAKEN_MEANWHILE
    return None


@router.get("/opgaver/{task_id}", response_class=HTMLResponse)
def task_page(task_id: int, request: Request, uow: PageUow) -> Response:
    task = task_api._task_in_scope(uow, task_id)
    situation = _situation(uow, task)
    form = task_api.task_form(task_id, uow) if situation is None else None
    if form is None:
        uow.commit()
    (card,) = build_cards(uow.conn, [task], clock.current().now())
    return render(
        request,
        "task.html",
        uow.principal,
        card=card,
        task=task,
        situation=situation,
        claimable=situation == NOT_YOURS,
        form=form,
        schema_json=script_json(form["schema"] if form else None),
        data_json=script_json(form["data"] if form else {}),
        message=MESSAGES.get(request.query_params.get("besked", "")),
        # The offer catalogue's search beside a decision form (api/tilbud/pages.py).
        side_panel=tilbud_pages.panel(uow, task) if form else None,
    )


def _answer(status_code: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"message": message, **extra}, status_code=status_code)


def _refusal(uow: UnitOfWork, task: Task) -> JSONResponse | None:
    situation = _situation(uow, task)
    if situation is None:
        return None
    uow.commit(409)
    return _answer(409, situation)


@router.post("/opgaver/{task_id}/udkast", dependencies=[Csrf])
def save_draft(task_id: int, uow: PageUow, data: Annotated[dict[str, Any], Body()]) -> Response:
    """Keeps what was typed, unvalidated, as the task's draft (audited like every write)."""
    task = task_api._task_in_scope(uow, task_id)
    if (refused := _refusal(uow, task)) is not None:
        return refused
    schema = service.form_schema(uow.conn, task.form_key) or {"components": []}
    known = {f["key"] for f in fields(schema)}
    unknown = sorted(set(data) - known)
    if unknown:
        uow.commit(422)
        return _answer(
            422,
            "Udkastet har felter, formularen ikke kender.",
            fields={k: "Ukendt felt" for k in unknown},
        )
    saved = service.saved_document(uow.conn, task.key)
    if saved is not None and saved.status == "submitted":
        uow.commit(409)
        return _answer(409, ENDED)
    service.save_document(uow.conn, uow.principal, task, data, "draft")
    uow.commit()
    return _answer(200, DRAFT_SAVED)


@router.post("/opgaver/{task_id}/afslut", dependencies=[Csrf])
def complete(
    task_id: int, request: Request, uow: PageUow, data: Annotated[dict[str, Any], Body()]
) -> Response:
    task = task_api._task_in_scope(uow, task_id)
    if (refused := _refusal(uow, task)) is not None:
        return refused
    try:
        task_api.complete_task(task_id, uow, request, data)
    except HTTPException as exc:
        uow.conn.rollback()
        uow.commit(exc.status_code)
        if isinstance(exc.detail, dict):
            return _answer(exc.status_code, exc.detail["message"], fields=exc.detail["fields"])
        message = ENDED if exc.detail == task_api.GONE else str(exc.detail)
        return _answer(exc.status_code, message)
    settled(uow, task_id, lambda row: row.state != service.OPEN)
    return _answer(200, "Opgaven er afsluttet.", next="/?besked=afsluttet")

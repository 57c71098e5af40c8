"""/drift: the operators' monitor. Definitions with counts, instances with filters and keyset
paging, the instance page (bpmn-js viewer with overlays, incidents, variables, history, actions)
and the repairs, one at a time or as a batch with a preview of the count and a confirmation.

Every action goes through the monitor API's own handlers (`api.monitor.router`), so a page does
exactly what the API does, recorded and audited the same way. Operators only.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from api.deps import UnitOfWork, require_roles
from api.monitor import queries as q
from api.monitor import router as api
from api.monitor.view import instance_view
from api.projector import tables as rm
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

DIST = Path(__file__).resolve().parents[1] / "monitor" / "static" / "dist"
SETTLE_SECONDS = 5.0
DANISH_TIME = ZoneInfo("Europe/Copenhagen")
# Query and form field (Danish) -> the API's filter field.
FIELDS = {
    "proces": "process",
    "version": "version",
    "tilstand": "state",
    "haendelse": "incident",
    "sag": "case_id",
    "fra": "started_from",
    "til": "started_to",
    "element": "element",
}
MESSAGES = {
    "udfoert": ("success", "Handlingen er udført."),
    "afvist": ("error", "Procesmotoren afviste handlingen; se historikken."),
    "motor": ("error", "Procesmotoren svarer ikke. Prøv igen om lidt."),
    "ugyldig": ("error", "Handlingen kunne ikke udføres: tjek det indtastede."),
    "loest": ("error", "Hændelsen er allerede løst, eller instansen kører ikke."),
    "aendret": ("error", "Antallet er ændret siden forhåndsvisningen; se det nye antal."),
}


def _operator(uow: UnitOfWork) -> None:
    require_roles(uow, "operator")


def _criteria(params: dict[str, str]) -> tuple[dict[str, str], api.InstanceFilterIn, list[str]]:
    chosen = {k: params[k].strip() for k in FIELDS if params.get(k, "").strip()}
    data: dict[str, Any] = {FIELDS[k]: v for k, v in chosen.items()}
    if "incident" in data:
        data["incident"] = data["incident"] == "ja"
    try:
        flt = api.InstanceFilterIn(**data)
        # The form's date-time fields have no zone: they are Danish time.
        for name in ("started_from", "started_to"):
            value = getattr(flt, name)
            if value is not None and value.tzinfo is None:
                setattr(flt, name, value.replace(tzinfo=DANISH_TIME))
        return chosen, flt, []
    except ValidationError as exc:
        wrong = sorted({str(e["loc"][0]) for e in exc.errors()})
        danish = [k for k, v in FIELDS.items() if v in wrong]
        return {}, api.InstanceFilterIn(), [f"Ugyldigt filter: {', '.join(danish)}; vist uden."]


@router.get("/drift", response_class=HTMLResponse)
def monitor_page(request: Request, uow: PageUow) -> Response:
    _operator(uow)
    params = dict(request.query_params)
    chosen, flt, problems = _criteria(params)
    after = params.get("efter")
    scope = uow.principal.technical_scope()
    page = q.list_instances(
        uow.conn, scope, flt.to_filter(), int(after) if after and after.isdigit() else None
    )
    definitions = q.definitions(uow.conn, scope)
    uow.commit()
    return render(
        request,
        "drift.html",
        uow.principal,
        definitions=definitions,
        page=page,
        criteria=chosen,
        problems=problems,
        query=urlencode(chosen),
        message=MESSAGES.get(params.get("besked", "")),
        count=params.get("antal"),
    )


def _diagram(view: dict[str, Any]) -> dict[str, Any]:
    shown = [e for e in view["elements"] if e["type"] != "PROCESS"]
    return {
        "xml": view["bpmn_xml"],
        "active": Counter(e["element_id"] for e in shown if e["state"] == "ACTIVE"),
        "completed": sorted({e["element_id"] for e in shown if e["state"] == "COMPLETED"}),
        "incidents": Counter(i["element_id"] for i in view["incidents"] if i["state"] == "ACTIVE"),
    }


@router.get("/drift/instanser/{key}", response_class=HTMLResponse)
def instance_page(key: int, request: Request, uow: PageUow) -> Response:
    _operator(uow)
    instance = q.scoped_instance(uow.conn, uow.principal.technical_scope(), key)
    if instance is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=api.INSTANCE_NOT_FOUND)
    view = instance_view(uow.conn, instance)
    versions = uow.conn.execute(
        select(rm.process_definition.c.version)
        .where(rm.process_definition.c.bpmn_process_id == instance.bpmn_process_id)
        .order_by(rm.process_definition.c.version)
    ).scalars()
    uow.touch([instance.case_id] if instance.case_id else [])
    uow.commit()
    return render(
        request,
        "drift_instance.html",
        uow.principal,
        view=view,
        diagram=_diagram(view),
        versions=[v for v in versions if v != instance.version],
        built=(DIST / "viewer.js").is_file(),
        message=MESSAGES.get(request.query_params.get("besked", "")),
        detail=request.query_params.get("ny"),
    )


@router.get("/drift/static/dist/{name}")
def viewer_asset(name: str) -> FileResponse:
    """The viewer bundle's files; no session needed, no data in them."""
    path = DIST / name
    if name != Path(name).name or name.startswith(".") or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Findes ikke")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})


def _settle(uow: UnitOfWork, key: int, before: int | None) -> None:
    """Wait briefly until the read model has a newer record for the instance, so the page the
    operator lands on shows what was just done."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        newest = _newest(uow, key)
        uow.conn.rollback()
        if newest != before:
            return
        time.sleep(0.1)


def _newest(uow: UnitOfWork, key: int) -> int | None:
    positions = [
        uow.conn.execute(
            select(table.c.last_position)
            .where(table.c.process_instance_key == key)
            .order_by(table.c.last_position.desc())
            .limit(1)
        ).scalar()
        for table in (rm.element_instance, rm.incident, rm.variable)
    ]
    found = [p for p in positions if p is not None]
    return max(found) if found else None


def _act(uow: UnitOfWork, key: int, action: Callable[[], Response]) -> Response:
    """Run an API handler for instance `key`; back to its page with a message."""
    before = _newest(uow, key)
    try:
        response = action()
    except HTTPException as exc:
        uow.conn.rollback()
        uow.commit(exc.status_code)
        code = {404: "ugyldig", 409: "loest", 422: "ugyldig"}.get(exc.status_code, "motor")
        return RedirectResponse(f"/drift/instanser/{key}?besked={code}", status_code=303)
    code = {200: "udfoert", 409: "afvist"}.get(response.status_code, "motor")
    new = json.loads(bytes(response.body)).get("new_key")
    if code == "udfoert":
        _settle(uow, key, before)
    extra = f"&ny={new}" if new else ""
    return RedirectResponse(f"/drift/instanser/{key}?besked={code}{extra}", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}


@router.post("/drift/instanser/{key}/annuller", dependencies=[Csrf])
def cancel(key: int, request: Request, uow: PageUow) -> Response:
    _operator(uow)
    settings = request.app.state.settings
    return _act(uow, key, lambda: api.cancel_instance(key, uow, settings))


@router.post("/drift/instanser/{key}/variabler", dependencies=[Csrf])
async def set_variable(key: int, request: Request, uow: PageUow) -> Response:
    _operator(uow)
    form = await _form(request)
    try:
        value = json.loads(form.get("vaerdi", ""))
    except ValueError:
        value = form.get("vaerdi", "")  # plain text is a string
    body = api.VariablesIn(variables={form.get("navn", "").strip(): value})
    settings = request.app.state.settings
    return _act(uow, key, lambda: api.set_variables(key, body, uow, settings))


@router.post("/drift/instanser/{key}/aendr", dependencies=[Csrf])
async def modify(key: int, request: Request, uow: PageUow) -> Response:
    _operator(uow)
    form = await _form(request)
    terminate = [int(form["afbryd"])] if form.get("afbryd", "").isdigit() else []
    activate = [api.ActivateIn(element_id=form["aktiver"])] if form.get("aktiver") else []
    body = api.ModifyIn(activate=activate, terminate=terminate)
    settings = request.app.state.settings
    return _act(uow, key, lambda: api.modify_instance(key, body, uow, settings))


@router.post("/drift/instanser/{key}/flyt", dependencies=[Csrf])
async def migrate(key: int, request: Request, uow: PageUow) -> Response:
    _operator(uow)
    form = await _form(request)
    if not form.get("version", "").isdigit():
        return RedirectResponse(f"/drift/instanser/{key}?besked=ugyldig", status_code=303)
    mode = "restart" if form.get("maade") == "genstart" else "migrate"
    body = api.MigrateIn(target_version=int(form["version"]), mode=mode)
    settings = request.app.state.settings
    return _act(uow, key, lambda: api.migrate_instance(key, body, uow, settings))


@router.post("/drift/haendelser/{incident}/{action}", dependencies=[Csrf])
def incident_action(incident: int, action: str, request: Request, uow: PageUow) -> Response:
    _operator(uow)
    row = q.scoped_incident(uow.conn, uow.principal.technical_scope(), incident)
    if row is None or action not in ("genforsoeg", "loes"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=api.INCIDENT_NOT_FOUND)
    settings = request.app.state.settings
    key = int(row.process_instance_key)
    if action == "genforsoeg":
        return _act(uow, key, lambda: api.retry_incident(incident, uow, settings))
    return _act(uow, key, lambda: api.resolve_incident(incident, uow, settings))


@router.post("/drift/batch/{action}", dependencies=[Csrf])
async def batch(action: str, request: Request, uow: PageUow) -> Response:
    """Without `antal`: a preview with the count. With it: done, if the count still holds."""
    _operator(uow)
    if action not in ("annuller", "genforsoeg"):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Findes ikke")
    form = await _form(request)
    chosen, flt, problems = _criteria(form)
    if problems:
        uow.commit(422)
        return RedirectResponse(f"/drift?{urlencode(chosen)}&besked=ugyldig", status_code=303)
    expected = int(form["antal"]) if form.get("antal", "").isdigit() else None
    settings = request.app.state.settings
    if action == "annuller":
        response = api.batch_cancel(
            api.BatchCancelIn(**flt.model_dump(), expected_count=expected), uow, settings
        )
    else:
        incidents = api.BatchRetryIn(
            process=flt.process, element=flt.element, expected_count=expected
        )
        response = api.batch_retry(incidents, uow, settings)
    body = json.loads(bytes(response.body))
    if body.get("preview"):
        return render(
            request,
            "drift_batch.html",
            uow.principal,
            action=action,
            count=body["count"],
            maximum=body["max"],
            criteria=chosen,
        )
    code = {200: "udfoert", 409: "aendret" if "count" in body else "afvist"}.get(
        response.status_code, "ugyldig" if response.status_code == 422 else "motor"
    )
    done = len(body.get("results", {}))
    return RedirectResponse(
        f"/drift?{urlencode(chosen)}&besked={code}&antal={done}", status_code=303
    )

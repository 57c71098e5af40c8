"""/leder: the team leader's page. Caseload per caseworker, deadline compliance as in the
Børnesagsbarometer (`api.web.compliance`), the breached deadlines with the reasons given, and
reassignment: one task, or every open task of an absent colleague to another (cover).

Tasks are read through the task service in the leader's scope and handed over through the
engine's user-task API, exactly as the task API does; the read model follows within moments.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select

from api import clock
from api.cases.tables import advis, case, deadline_history, form_document
from api.deps import UnitOfWork, require_roles
from api.engine.user_tasks import EngineUnavailable, TaskConflict, TaskGone
from api.org.tables import app_user, user_role
from api.projector import tables as rm
from api.tasks import router as task_api
from api.tasks import service
from api.tasks.service import Task
from api.web import compliance
from api.web.case_data import due_moment, rule_label
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

BREACHES_SHOWN = 100
TASKS_SHOWN = 300
MESSAGES = {
    "tildelt": ("success", "Opgaven er tildelt."),
    "daekket": ("success", "De åbne opgaver er flyttet."),
    "ingen": ("info", "Kollegaen havde ingen åbne opgaver."),
    "delvist": ("error", "Nogle opgaver kunne ikke flyttes; de er blevet hos kollegaen."),
    "samme": ("error", "Vælg to forskellige medarbejdere."),
    "ukendt_kollega": ("error", "Vælg en medarbejder fra dit team."),
    "involveret": ("error", task_api.INVOLVED),
    "uden_adgang": ("error", service.OUT_OF_SIGHT),
    "lukket": ("error", task_api.GONE),
    "motor": ("error", task_api.ENGINE_DOWN),
}


def team(uow: UnitOfWork) -> list[Any]:
    """The leader's team: active caseworkers and leaders of the same org unit."""
    return list(
        uow.conn.execute(
            select(app_user.c.id, app_user.c.username, app_user.c.display_name)
            .join(user_role, user_role.c.user_id == app_user.c.id)
            .where(
                app_user.c.org_unit_id == uow.principal.org_unit_id,
                app_user.c.active.is_(True),
                user_role.c.role.in_(("caseworker", "team_leader")),
            )
            .distinct()
            .order_by(app_user.c.display_name)
        )
    )


@dataclass(frozen=True)
class Load:
    username: str | None
    name: str
    tasks: int
    overdue: int
    cases: int


def caseload(tasks: list[Task], members: list[Any], now: Any) -> list[Load]:
    """Per member (and for the unassigned queue): open tasks, overdue ones, distinct cases."""
    names = {m.username: m.display_name for m in members}
    loads = []
    for username in [*names, None]:
        mine = [t for t in tasks if t.assignee == username]
        if username is None and not mine:
            continue
        overdue = [t for t in mine if (due := due_moment(t.due_at)) is not None and due < now]
        loads.append(
            Load(
                username,
                names.get(username or "", "Ikke tildelt (teamets kø)"),
                len(mine),
                len(overdue),
                len({t.case_id for t in mine}),
            )
        )
    # Assignees outside the team (a task handed to someone since moved) still show.
    for other in sorted({t.assignee for t in tasks if t.assignee and t.assignee not in names}):
        mine = [t for t in tasks if t.assignee == other]
        loads.append(Load(other, other, len(mine), 0, len({t.case_id for t in mine})))
    return loads


@dataclass(frozen=True)
class Breach:
    case_id: uuid.UUID
    case_number: str
    rule_id: str
    label: str
    at: Any
    reason: str | None
    task_key: int | None


def kept_breaches(uow: UnitOfWork, now: datetime) -> list[Breach]:
    """The breached deadlines kept outside the engine (`deadline_history`) of the leader's
    cases as of `now`: done after their due time, or not done by it; with the reason kept."""
    h = deadline_history
    rows = uow.conn.execute(
        select(h.c.case_id, case.c.case_number, h.c.rule, h.c.due_at, h.c.reason)
        .join(case, case.c.id == h.c.case_id)
        .where(
            h.c.rule.in_(compliance.RULES),
            h.c.started_at <= now,
            h.c.due_at <= now,
            or_(h.c.done_at.is_(None), h.c.done_at > now, h.c.done_at > h.c.due_at),
            uow.principal.case_scope(),
        )
        .order_by(h.c.due_at.desc())
        .limit(BREACHES_SHOWN)
    ).all()
    return [
        Breach(r.case_id, r.case_number, r.rule, rule_label(r.rule), r.due_at, r.reason, None)
        for r in rows
    ]


def breaches(uow: UnitOfWork, now: datetime | None = None) -> list[Breach]:
    """The breached deadlines of the team's cases, newest first, each with the reason the
    leader gave in its 'Årsag til overskredet frist' task (paired in order per instance),
    and the kept ones (`kept_breaches`) with theirs; at most BREACHES_SHOWN."""
    conn = uow.conn
    rows = conn.execute(
        select(advis, case.c.case_number)
        .join(case, case.c.id == advis.c.case_id)
        .where(advis.c.kind.startswith("deadline_breached"), uow.principal.case_scope())
        .order_by(advis.c.created_at.desc())
        .limit(BREACHES_SHOWN)
    ).all()
    keys = {r.process_instance_key for r in rows}
    tasks = conn.execute(
        select(
            rm.user_task.c.user_task_key,
            rm.user_task.c.process_instance_key,
            rm.user_task.c.element_id,
            rm.user_task.c.state,
            form_document.c.data,
            form_document.c.status,
        )
        .outerjoin(form_document, form_document.c.user_task_key == rm.user_task.c.user_task_key)
        .where(
            rm.user_task.c.process_instance_key.in_(keys),
            rm.user_task.c.element_id.like("explain_%_breach"),
        )
        .order_by(rm.user_task.c.created_at, rm.user_task.c.user_task_key)
    ).all()
    by_element: dict[tuple[int, str], list[Any]] = {}
    for t in tasks:
        by_element.setdefault((t.process_instance_key, t.element_id), []).append(t)
    found: list[Breach] = []
    for r in sorted(rows, key=lambda r: r.created_at):
        queue = by_element.get((r.process_instance_key, f"explain_{r.rule_id.lower()}_breach"), [])
        task = queue.pop(0) if queue else None
        reason = None
        if task is not None and task.status == "submitted":
            reason = str((task.data or {}).get("breach_reason") or "")
        open_key = task.user_task_key if task is not None and task.state == "CREATED" else None
        found.append(
            Breach(
                r.case_id,
                r.case_number,
                r.rule_id,
                rule_label(r.rule_id),
                r.created_at,
                reason,
                open_key if reason is None else None,
            )
        )
    found += kept_breaches(uow, now or clock.current().now())
    shown = sorted(found, key=lambda b: b.at, reverse=True)[:BREACHES_SHOWN]
    uow.touch(b.case_id for b in shown)
    return shown


@router.get("/leder", response_class=HTMLResponse)
def leader_page(request: Request, uow: PageUow) -> Response:
    require_roles(uow, "team_leader")
    now = clock.current().now()
    members = team(uow)
    tasks = service.list_tasks(uow.conn, uow.principal)
    cases = {
        r.id: r.case_number
        for r in uow.conn.execute(
            select(case.c.id, case.c.case_number).where(
                case.c.id.in_({t.case_id for t in tasks[:TASKS_SHOWN]})
            )
        )
    }
    uow.touch(cases)
    context: dict[str, Any] = {
        "loads": caseload(tasks, members, now),
        "figures": compliance.figures(compliance.gather(uow.conn, uow.principal, now), now),
        "breaches": breaches(uow, now),
        "tasks": tasks[:TASKS_SHOWN],
        "more_tasks": max(0, len(tasks) - TASKS_SHOWN),
        "case_numbers": cases,
        "members": members,
        "names": {m.username: m.display_name for m in members},
        "message": MESSAGES.get(request.query_params.get("besked", "")),
        "moved": request.query_params.get("antal", ""),
    }
    uow.commit()
    return render(request, "leader.html", uow.principal, **context)


def _back(code: str, moved: int | None = None) -> RedirectResponse:
    extra = f"&antal={moved}" if moved is not None else ""
    return RedirectResponse(f"/leder?besked={code}{extra}#fordeling", status_code=303)


def _hand_over(uow: UnitOfWork, request: Request, task: Task, to: Any) -> None:
    """One task to a team member, refused as the task API refuses; HTTPException otherwise."""
    if service.involved_elsewhere(uow.conn, task, to.id):
        raise HTTPException(409, detail=task_api.INVOLVED)
    if not service.may_see_case(uow.conn, to.id, task.case_id):
        raise HTTPException(409, detail=service.OUT_OF_SIGHT)
    try:
        task_api._engine(request).assign(task.key, to.username)
    except (TaskConflict, TaskGone) as exc:
        raise HTTPException(409, detail=task_api.GONE) from exc
    except EngineUnavailable as exc:
        raise HTTPException(503, detail=task_api.ENGINE_DOWN) from exc


SETTLE_SECONDS = 3.0


def _settle(uow: UnitOfWork, keys: list[int], username: str) -> None:
    """After the commit: wait briefly until the read model shows the tasks with their new
    assignee, so the page the leader is sent back to shows the reassignment."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while keys and time.monotonic() < deadline:
        behind = uow.conn.execute(
            select(rm.user_task.c.user_task_key).where(
                rm.user_task.c.user_task_key.in_(keys),
                rm.user_task.c.state == service.OPEN,
                rm.user_task.c.assignee.is_distinct_from(username),
            )
        ).first()
        uow.conn.rollback()
        if behind is None:
            return
        time.sleep(0.1)


def _code(exc: HTTPException) -> str:
    for code, (_, text) in MESSAGES.items():
        if exc.detail == text:
            return code
    if exc.status_code == 404:
        raise exc
    return "motor"


@router.post("/leder/opgaver/{task_id}/tildel", dependencies=[Csrf])
def reassign(
    task_id: int, request: Request, uow: PageUow, assignee: Annotated[str, Form()] = ""
) -> Response:
    require_roles(uow, "team_leader")
    to = next((m for m in team(uow) if m.username == assignee), None)
    if to is None:
        uow.commit(400)
        return _back("ukendt_kollega")
    task = task_api._task_in_scope(uow, task_id)
    try:
        _hand_over(uow, request, task, to)
    except HTTPException as exc:
        uow.commit(exc.status_code)
        return _back(_code(exc))
    uow.commit()
    _settle(uow, [task.key], to.username)
    return _back("tildelt")


@router.post("/leder/daekning", dependencies=[Csrf])
def cover(
    request: Request,
    uow: PageUow,
    fra: Annotated[str, Form()] = "",
    til: Annotated[str, Form()] = "",
) -> Response:
    """Cover for an absent colleague: every open task assigned to `fra` goes to `til`."""
    require_roles(uow, "team_leader")
    members = {m.username: m for m in team(uow)}
    if fra not in members or til not in members:
        uow.commit(400)
        return _back("ukendt_kollega")
    if fra == til:
        uow.commit(400)
        return _back("samme")
    tasks = service.list_tasks(uow.conn, uow.principal, assignee=fra)
    uow.touch(t.case_id for t in tasks)
    moved: list[int] = []
    failed = 0
    for task in tasks:
        try:
            _hand_over(uow, request, task, members[til])
            moved.append(task.key)
        except HTTPException:
            failed += 1
    uow.commit(200 if not failed else 207)
    _settle(uow, moved, til)
    if not tasks:
        return _back("ingen")
    return _back("delvist" if failed else "daekket", len(moved))

"""/ Mit overblik: my tasks, the team's duty queue and the deadlines; claim, unclaim, reassign.

The lists come from the task service (scoped like GET /api/tasks), the actions go through the
task API's own handlers, so a page does exactly what the API does, audited the same way.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from api import clock
from api.deps import UnitOfWork, require_roles
from api.engine.user_tasks import EngineUnavailable, TaskConflict, TaskGone
from api.org.tables import app_user, org_unit, user_role
from api.projector import tables as rm
from api.tasks import router as task_api
from api.tasks import service
from api.web.cards import BUCKETS, FLAG_LABELS, Card, bucket_windows, build_cards
from api.web.render import home_for, render
from api.web.session import Csrf, PageUow
from api.web.tables import saved_filter

router = APIRouter(include_in_schema=False)

# Messages after an action, by code in the redirect (?besked=...): never free text in a URL.
MESSAGES = {
    "taget": ("success", "Opgaven er nu din."),
    "sluppet": ("success", "Opgaven er lagt tilbage i teamets kø."),
    "tildelt": ("success", "Opgaven er tildelt."),
    "filter_gemt": ("success", "Filteret er gemt."),
    "filter_slettet": ("success", "Filteret er slettet."),
    "afsluttet": ("success", "Opgaven er afsluttet."),
    "optaget": ("error", task_api.TAKEN),
    "lukket": ("error", task_api.GONE),
    "motor": ("error", task_api.ENGINE_DOWN),
    "involveret": ("error", task_api.INVOLVED),
    "ingen_adgang": ("error", "Det har du ikke adgang til."),
    "findes_ikke": ("error", "Opgaven findes ikke."),
    "ukendt_kollega": ("error", "Vælg en medarbejder fra dit team."),
    "uden_adgang": ("error", service.OUT_OF_SIGHT),
}
FILTER_KEYS = ("frist", "opgave", "flag")
# A task name in the filter: longer, or with control characters, it names no task.
NAME_MAX = 200
# `?kolleger=alle`: every colleague's task, not only the TEAM_LIMIT with the soonest deadline.
ALL_KEY = "kolleger"
TEAM_LIMIT = 50
# How long an action waits for the read model to show its effect before the page reloads.
SETTLE_SECONDS = 5.0


def _criteria(params: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The known, valid filter fields; plus a Danish note for each value that was ignored."""
    chosen = {k: params[k] for k in FILTER_KEYS if params.get(k)}
    problems = []
    name = chosen.get("opgave", "")
    if name and (len(name) > NAME_MAX or any(ord(c) < 32 or ord(c) == 127 for c in name)):
        problems.append("Ukendt opgave i filteret; den er ignoreret.")
        del chosen["opgave"]
    if chosen.get("frist") and chosen["frist"] not in BUCKETS:
        problems.append("Ukendt frist i filteret; den er ignoreret.")
        del chosen["frist"]
    if chosen.get("flag") and chosen["flag"] not in FLAG_LABELS:
        problems.append("Ukendt markering i filteret; den er ignoreret.")
        del chosen["flag"]
    return chosen, problems


def _view(params: Mapping[str, str]) -> dict[str, str]:
    """What the user is looking at, to come back to after an action: the valid filter fields
    and `kolleger=alle`. Anything else, or an invalid value, is dropped, never echoed."""
    view, _ = _criteria(dict(params))
    if params.get(ALL_KEY) == "alle":
        view[ALL_KEY] = "alle"
    return view


def _view_of(filtre: str) -> str:
    """The view a page form carried back (its hidden `filtre` field), validated and encoded
    again; at most a few fields are read."""
    try:
        fields = parse_qs(filtre[:2000], max_num_fields=len(FILTER_KEYS) + 1)
    except ValueError:
        return ""
    return urlencode(_view({k: v[0] for k, v in fields.items() if v}))


def _matches(card: Card, criteria: dict[str, str]) -> bool:
    return (
        (not criteria.get("frist") or card.bucket == criteria["frist"])
        and (not criteria.get("opgave") or card.task.name == criteria["opgave"])
        and (not criteria.get("flag") or criteria["flag"] in card.flags)
    )


def _unit(uow: UnitOfWork) -> Any:
    return uow.conn.execute(
        select(org_unit).where(org_unit.c.id == uow.principal.org_unit_id)
    ).one()


def _colleagues(uow: UnitOfWork) -> list[Any]:
    """Who a leader may hand a task to: active caseworkers and leaders of the same team."""
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


def _page(
    request: Request,
    uow: UnitOfWork,
    form_error: str | None = None,
    status_code: int = 200,
    params: dict[str, str] | None = None,
) -> Response:
    principal = uow.principal
    given = dict(request.query_params) if params is None else params
    criteria, problems = _criteria(given)
    view = _view(given)
    unit = _unit(uow)
    leader = principal.has("team_leader")
    groups = [unit.duty_group] + ([unit.leader_group] if leader else [])
    tasks = {t.key: t for t in service.list_tasks(uow.conn, principal, assignee=principal.username)}
    # A caseworker sees their own tasks and the queue, not colleagues' (a leader does): the
    # counts and task names are of what the page can show.
    found = service.list_tasks(uow.conn, principal, any_of_groups=groups, unassigned=True)
    tasks.update({t.key: t for t in found})
    now = clock.current().now()
    cards = build_cards(uow.conn, list(tasks.values()), now)
    counts = {b: sum(1 for c in cards if c.bucket == b) for b in BUCKETS}
    names = {c.task.name for c in cards}
    team_cards: list[Card] = []
    team_total = 0
    all_colleagues = view.get(ALL_KEY) == "alle"
    limit: int | None = None
    if leader:
        # Colleagues' tasks: by default only the TEAM_LIMIT with the soonest deadline (a team
        # has about a thousand); the counts and names are of all of them, counted in SQL.
        others: dict[str, Any] = {
            "any_of_groups": groups,
            "assigned_to_others_than": principal.username,
        }
        limit = None if all_colleagues or criteria else TEAM_LIMIT
        # A filter narrows the colleagues' tasks in SQL first (a deadline window, a task name),
        # so only what can match is turned into cards; `_matches` below still decides.
        narrow: dict[str, Any] = {}
        if criteria.get("frist"):
            narrow["due_between"] = bucket_windows(now)[criteria["frist"]]
        if criteria.get("opgave"):
            narrow["elements"] = service.task_elements(
                uow.conn, principal, criteria["opgave"], **others
            )
        team_tasks = service.list_tasks(uow.conn, principal, limit=limit, **others, **narrow)
        team_cards = build_cards(uow.conn, team_tasks, now)
        team_total, team_counts = service.count_by_due(
            uow.conn, principal, bucket_windows(now), **others
        )
        counts = {b: counts[b] + team_counts[b] for b in BUCKETS}
        names |= service.task_names(uow.conn, principal, **others)
    mine = [c for c in cards if _matches(c, criteria) and c.task.assignee == principal.username]
    queue = [c for c in cards if _matches(c, criteria) and c.task.assignee is None]
    team = [c for c in team_cards if _matches(c, criteria)]
    # Only the cases the page shows are read.
    uow.touch(c.task.case_id for c in mine + queue + team)
    filters = uow.conn.execute(
        select(saved_filter)
        .where(saved_filter.c.user_id == principal.user_id)
        .order_by(saved_filter.c.name)
    ).all()
    colleagues = _colleagues(uow) if leader else []
    uow.commit(status_code)
    message = MESSAGES.get(request.query_params.get("besked", ""))
    return render(
        request,
        "overview.html",
        principal,
        status_code=status_code,
        mine=mine,
        queue=queue,
        team=team,
        team_total=team_total,
        # Fewer shown than there are because of the limit (a filter shows all that match).
        team_limited=limit is not None and len(team_cards) < team_total,
        counts=counts,
        buckets=BUCKETS,
        flag_labels=FLAG_LABELS,
        task_names=sorted(names),
        criteria=criteria,
        problems=problems,
        saved=[
            (f, urlencode(_view({**f.criteria, ALL_KEY: view.get(ALL_KEY, "")}))) for f in filters
        ],
        colleagues=colleagues,
        message=message,
        form_error=form_error,
        query=urlencode(view),
        all_colleagues=all_colleagues,
        query_all=urlencode({**criteria, ALL_KEY: "alle"}),
    )


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, uow: PageUow) -> Response:
    principal = uow.principal
    if not principal.has("caseworker", "team_leader"):
        uow.commit()
        home = home_for(principal)
        if home != "/":
            return RedirectResponse(home, status_code=303)
        return render(request, "no_pages.html", principal)
    return _page(request, uow)


def settled(uow: UnitOfWork, key: int, check: Callable[[Any], bool]) -> None:
    """After a command to the engine: wait (briefly) until the read model shows its effect, so
    the next page shows what the user just did. Called after `uow.commit()`."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        row = uow.conn.execute(
            select(rm.user_task.c.assignee, rm.user_task.c.state).where(
                rm.user_task.c.user_task_key == key
            )
        ).first()
        uow.conn.rollback()
        if row is None or check(row):
            return
        time.sleep(0.1)


def _back(code: str, query: str = "", task_id: int | None = None) -> RedirectResponse:
    """To the overview (keeping its filter), or back to the task page the action came from."""
    if task_id is not None:
        return RedirectResponse(f"/opgaver/{task_id}?besked={code}", status_code=303)
    query = _view_of(query)
    params = f"{query}&besked={code}" if query else f"besked={code}"
    return RedirectResponse(f"/?{params}", status_code=303)


def code_for(exc: HTTPException) -> str:
    """The message code for a refusal from the task API."""
    for code, (_, text) in MESSAGES.items():
        if exc.detail == text:
            return code
    return {403: "ingen_adgang", 404: "findes_ikke"}.get(exc.status_code, "motor")


def _refused(
    uow: UnitOfWork, exc: HTTPException, query: str, task_id: int | None = None
) -> RedirectResponse:
    """The attempt is audited with its status, like the API's; the page explains in Danish."""
    uow.conn.rollback()
    uow.commit(exc.status_code)
    return _back(code_for(exc), query, task_id)


@router.post("/opgaver/{task_id}/tag", dependencies=[Csrf])
def claim(
    task_id: int,
    request: Request,
    uow: PageUow,
    filtre: Annotated[str, Form()] = "",
    tilbage: Annotated[str, Form()] = "",
) -> Response:
    back_to = task_id if tilbage == "opgave" else None
    try:
        task_api.claim_task(task_id, uow, request)
    except HTTPException as exc:
        return _refused(uow, exc, filtre, back_to)
    me = uow.principal.username
    settled(uow, task_id, lambda row: row.assignee == me)
    return _back("taget", filtre, back_to)


@router.post("/opgaver/{task_id}/slip", dependencies=[Csrf])
def unclaim(
    task_id: int, request: Request, uow: PageUow, filtre: Annotated[str, Form()] = ""
) -> Response:
    try:
        task_api.unclaim_task(task_id, uow, request)
    except HTTPException as exc:
        return _refused(uow, exc, filtre)
    settled(uow, task_id, lambda row: row.assignee is None)
    return _back("sluppet", filtre)


@router.post("/opgaver/{task_id}/tildel", dependencies=[Csrf])
def reassign(
    task_id: int,
    request: Request,
    uow: PageUow,
    assignee: Annotated[str, Form()] = "",
    filtre: Annotated[str, Form()] = "",
) -> Response:
    """A leader hands a task to a colleague of the same team."""
    try:
        require_roles(uow, "team_leader")
        task = task_api._task_in_scope(uow, task_id)
        colleague = {c.username: c for c in _colleagues(uow)}.get(assignee)
        if colleague is None:
            uow.commit(400)
            return _back("ukendt_kollega", filtre)
        if not service.may_see_case(uow.conn, colleague.id, task.case_id):
            raise HTTPException(409, detail=service.OUT_OF_SIGHT)
        try:
            task_api._engine(request).assign(task.key, assignee)
        except (TaskConflict, TaskGone) as exc:
            raise HTTPException(409, detail=task_api.GONE) from exc
        except EngineUnavailable as exc:
            raise HTTPException(503, detail=task_api.ENGINE_DOWN) from exc
    except HTTPException as exc:
        return _refused(uow, exc, filtre)
    uow.commit()
    settled(uow, task_id, lambda row: row.assignee == assignee)
    return _back("tildelt", filtre)


@router.post("/filtre", dependencies=[Csrf])
def save_filter(
    request: Request,
    uow: PageUow,
    navn: Annotated[str, Form()] = "",
    frist: Annotated[str, Form()] = "",
    opgave: Annotated[str, Form()] = "",
    flag: Annotated[str, Form()] = "",
    kolleger: Annotated[str, Form()] = "",
) -> Response:
    name = navn.strip()
    criteria, _ = _criteria({"frist": frist, "opgave": opgave, "flag": flag})
    # The saved filter holds the criteria; the page comes back in the same view.
    view = _view({**criteria, ALL_KEY: kolleger})
    if not name or len(name) > 60:
        error = "Giv filteret et navn." if not name else "Navnet må højst være 60 tegn."
        return _page(request, uow, form_error=error, status_code=400, params=view)
    stmt = insert(saved_filter).values(
        id=uuid.uuid4(), user_id=uow.principal.user_id, name=name, criteria=criteria
    )
    uow.conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "name"], set_={"criteria": stmt.excluded.criteria}
        )
    )
    uow.commit()
    return _back("filter_gemt", urlencode(view))


@router.post("/filtre/{filter_id}/slet", dependencies=[Csrf])
def delete_filter(
    filter_id: uuid.UUID, uow: PageUow, filtre: Annotated[str, Form()] = ""
) -> Response:
    gone = uow.conn.execute(
        delete(saved_filter).where(
            saved_filter.c.id == filter_id, saved_filter.c.user_id == uow.principal.user_id
        )
    )
    if gone.rowcount == 0:
        raise HTTPException(404, detail="Filteret findes ikke.")
    uow.commit()
    return _back("filter_slettet", filtre)

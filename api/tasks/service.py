"""The task list: open Zeebe user tasks from the read model, scoped through their case."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, and_, cast, false, func, or_, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert

from api.auth.principal import Principal
from api.auth.service import load_principal
from api.cases.tables import case, form_document
from api.cases.workflow import latest_submitted
from api.forms.validation import fields
from api.projector import tables as rm

OPEN = "CREATED"
# The engine has taken the completion.
COMPLETED = frozenset({"COMPLETING", "COMPLETED"})


@dataclass(frozen=True)
class Task:
    key: int
    name: str
    case_id: uuid.UUID
    process_instance_key: int
    assignee: str | None
    candidate_groups: list[str]
    due_at: str | None
    form_id: str | None
    form_key: int | None
    element_id: str
    bpmn_process_id: str
    process_definition_key: int


def _query(principal: Principal) -> Any:
    """Open and closed user tasks with their case, in the principal's scope. The case comes from
    the instance's `caseId` variable, which the projector copies to `process_instance.case_id`
    (indexed), so the scope filter narrows the cases first and the tasks are found through
    their instances, rather than by matching every instance's variable against every case."""
    return (
        select(
            rm.user_task,
            case.c.id.label("case_id"),
            rm.form.c.form_id,
        )
        .join(
            rm.process_instance,
            rm.process_instance.c.process_instance_key == rm.user_task.c.process_instance_key,
        )
        .join(case, case.c.id == rm.process_instance.c.case_id)
        .outerjoin(rm.form, rm.form.c.form_key == rm.user_task.c.form_key)
        .where(principal.case_scope())
    )


def _definition_xml(conn: Connection, process_definition_key: int) -> str:
    xml = conn.execute(
        select(rm.process_definition.c.bpmn_xml).where(
            rm.process_definition.c.process_definition_key == process_definition_key
        )
    ).scalar()
    return str(xml or "")


# Element names per deployed definition, parsed once per process rather than once per task row.
# A definition key's XML never changes, but a fresh broker (a test stack) starts its keys over,
# so an entry is keyed by the XML's digest too.
_NAMES: dict[tuple[int, str], dict[str, str]] = {}
_NAMES_MAX = 512


def _names_in(bpmn_xml: str) -> dict[str, str]:
    """Every element's name (its id when it has none), by id; the first element of an id wins."""
    from lxml import etree

    if not bpmn_xml:
        return {}
    root = etree.fromstring(bpmn_xml.encode(), etree.XMLParser(resolve_entities=False))
    names: dict[str, str] = {}
    for e in root.iter():
        element_id = e.get("id")
        if element_id is not None and element_id not in names:
            names[element_id] = str(e.get("name") or element_id)
    return names


def element_names(conn: Connection, definition_keys: set[int]) -> dict[int, dict[str, str]]:
    """The element names of each of these process definitions (absent: not deployed)."""
    if not definition_keys:
        return {}
    pd = rm.process_definition
    digest = func.md5(pd.c.bpmn_xml).label("digest")
    known = {
        r.process_definition_key: r.digest
        for r in conn.execute(
            select(pd.c.process_definition_key, digest).where(
                pd.c.process_definition_key.in_(definition_keys)
            )
        )
    }
    found = {k: _NAMES[(k, d)] for k, d in known.items() if (k, d) in _NAMES}
    missing = [k for k in known if k not in found]
    if missing:
        rows = conn.execute(
            select(pd.c.process_definition_key, pd.c.bpmn_xml, digest).where(
                pd.c.process_definition_key.in_(missing)
            )
        )
        for r in rows:
            found[r.process_definition_key] = _names_in(r.bpmn_xml)
            if len(_NAMES) >= _NAMES_MAX:
                _NAMES.clear()
            _NAMES[(r.process_definition_key, r.digest)] = found[r.process_definition_key]
    return found


def _name(names: dict[int, dict[str, str]], row: Any) -> str:
    element_id = str(row.element_id)
    return names.get(row.process_definition_key, {}).get(element_id, element_id)


def _element(bpmn_xml: str, element_id: str) -> Any:
    from lxml import etree

    if not bpmn_xml:
        return None
    root = etree.fromstring(bpmn_xml.encode(), etree.XMLParser(resolve_entities=False))
    return next((e for e in root.iter() if e.get("id") == element_id), None)


def element_name(bpmn_xml: str, element_id: str) -> str:
    element = _element(bpmn_xml, element_id)
    return str(element.get("name") or element_id) if element is not None else element_id


def element_properties(bpmn_xml: str, element_id: str) -> dict[str, str]:
    """The element's `zeebe:properties` (name -> value)."""
    element = _element(bpmn_xml, element_id)
    if element is None:
        return {}
    return {
        str(p.get("name")): str(p.get("value"))
        for p in element.iter("{http://camunda.org/schema/zeebe/1.0}property")
    }


OUT_OF_SIGHT = (
    "Kollegaen har ikke adgang til sagen (enhed, KLE-område eller beskyttet sag) og kan ikke "
    "få opgaven"
)


def may_see_case(conn: Connection, user_id: uuid.UUID, case_id: uuid.UUID) -> bool:
    """Whether a colleague would see the case (their own case scope, KLE included): a task is
    only handed to someone who can open it."""
    colleague = load_principal(conn, user_id)
    if colleague is None:
        return False
    found = conn.execute(select(case.c.id).where(case.c.id == case_id, colleague.case_scope()))
    return found.first() is not None


def involved_elsewhere(conn: Connection, task: Task, user_id: uuid.UUID) -> bool:
    """A task marked `uninvolved` (a genvurdering, BL § 137) is only for someone who has not
    worked the case: nobody who has saved a document on it for another task."""
    properties = element_properties(
        _definition_xml(conn, task.process_definition_key), task.element_id
    )
    if properties.get("uninvolved") != "true":
        return False
    worked = conn.execute(
        select(form_document.c.user_task_key)
        .where(
            form_document.c.case_id == task.case_id,
            form_document.c.saved_by == user_id,
            form_document.c.user_task_key != task.key,
        )
        .limit(1)
    ).first()
    return worked is not None


def _task(names: dict[int, dict[str, str]], row: Any) -> Task:
    return Task(
        key=row.user_task_key,
        name=_name(names, row),
        case_id=row.case_id,
        process_instance_key=row.process_instance_key,
        assignee=row.assignee,
        candidate_groups=list(row.candidate_groups or []),
        due_at=row.due_date,
        form_id=row.form_id,
        form_key=row.form_key,
        element_id=row.element_id,
        bpmn_process_id=row.bpmn_process_id,
        process_definition_key=row.process_definition_key,
    )


def _open_tasks(
    principal: Principal,
    *,
    assignee: str | None = None,
    candidate_group: str | None = None,
    case_id: uuid.UUID | None = None,
    unassigned: bool = False,
    any_of_groups: Sequence[str] = (),
    assigned_to_others_than: str | None = None,
) -> Any:
    stmt = _query(principal).where(rm.user_task.c.state == OPEN)
    if assignee:
        stmt = stmt.where(rm.user_task.c.assignee == assignee)
    if unassigned:
        stmt = stmt.where(rm.user_task.c.assignee.is_(None))
    if assigned_to_others_than:
        stmt = stmt.where(
            rm.user_task.c.assignee.is_not(None),
            rm.user_task.c.assignee != assigned_to_others_than,
        )
    if candidate_group:
        stmt = stmt.where(rm.user_task.c.candidate_groups.contains([candidate_group]))
    if any_of_groups:
        stmt = stmt.where(
            or_(*(rm.user_task.c.candidate_groups.contains([g]) for g in any_of_groups))
        )
    if case_id:
        stmt = stmt.where(case.c.id == case_id)
    return stmt


def effective_due() -> Any:
    """A task's deadline as its card shows it: its due date, else its process's nearest open
    deadline timer (cards.build_cards does the same in Python)."""
    timer = (
        select(func.min(rm.timer.c.due_at))
        .where(
            rm.timer.c.process_instance_key == rm.user_task.c.process_instance_key,
            rm.timer.c.deadline_rule.is_not(None),
            rm.timer.c.state == "CREATED",
        )
        .scalar_subquery()
    )
    due = cast(func.nullif(rm.user_task.c.due_date, ""), DateTime(timezone=True))
    return func.coalesce(due, timer)


def list_tasks(
    conn: Connection,
    principal: Principal,
    *,
    assignee: str | None = None,
    candidate_group: str | None = None,
    case_id: uuid.UUID | None = None,
    unassigned: bool = False,
    any_of_groups: Sequence[str] = (),
    assigned_to_others_than: str | None = None,
    due_between: tuple[datetime | None, datetime] | None = None,
    elements: Collection[tuple[int, str]] | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Open tasks in scope; `any_of_groups`: of at least one of these candidate groups;
    `due_between`: with their deadline (`effective_due`) in [from, until), from None: before
    until; `elements`: of these (process definition key, element id) pairs only;
    `limit`: only that many, those with the soonest deadline (`effective_due`) first."""
    stmt = _open_tasks(
        principal,
        assignee=assignee,
        candidate_group=candidate_group,
        case_id=case_id,
        unassigned=unassigned,
        any_of_groups=any_of_groups,
        assigned_to_others_than=assigned_to_others_than,
    )
    if due_between is not None:
        start, until = due_between
        due = effective_due()
        stmt = stmt.where(due < until if start is None else and_(due >= start, due < until))
    if elements is not None:
        pairs = sorted(elements)
        key = tuple_(rm.user_task.c.process_definition_key, rm.user_task.c.element_id)
        stmt = stmt.where(key.in_(pairs) if pairs else false())
    if limit is None:
        stmt = stmt.order_by(rm.user_task.c.due_date.nulls_last(), rm.user_task.c.user_task_key)
    else:
        stmt = stmt.order_by(effective_due().nulls_last(), rm.user_task.c.user_task_key)
        stmt = stmt.limit(limit)
    rows = conn.execute(stmt).all()
    names = element_names(conn, {row.process_definition_key for row in rows})
    return [_task(names, row) for row in rows]


def count_by_due(
    conn: Connection,
    principal: Principal,
    windows: dict[str, tuple[datetime | None, datetime]],
    **filters: Any,
) -> tuple[int, dict[str, int]]:
    """How many open tasks match the filters (as `list_tasks`), and how many of them have their
    deadline (`effective_due`) in each window [from, until), counted in SQL."""
    inner = _open_tasks(principal, **filters).add_columns(effective_due().label("due")).subquery()
    due = inner.c.due
    columns = [func.count().label("total")]
    for key, (start, until) in windows.items():
        condition = due < until if start is None else and_(due >= start, due < until)
        columns.append(func.count().filter(condition).label(key))
    row = conn.execute(select(*columns).select_from(inner)).one()
    return int(row.total), {key: int(row._mapping[key]) for key in windows}


def task_names(conn: Connection, principal: Principal, **filters: Any) -> set[str]:
    """The distinct names of the open tasks matching the filters (as `list_tasks`)."""
    inner = _open_tasks(principal, **filters).subquery()
    rows = conn.execute(select(inner.c.process_definition_key, inner.c.element_id).distinct()).all()
    names = element_names(conn, {row.process_definition_key for row in rows})
    return {_name(names, row) for row in rows}


def task_elements(
    conn: Connection, principal: Principal, name: str, **filters: Any
) -> set[tuple[int, str]]:
    """The (process definition key, element id) pairs of the open tasks matching the filters
    (as `list_tasks`) whose name is `name`: a task name as a condition SQL can use."""
    inner = _open_tasks(principal, **filters).subquery()
    rows = conn.execute(select(inner.c.process_definition_key, inner.c.element_id).distinct()).all()
    names = element_names(conn, {row.process_definition_key for row in rows})
    return {
        (row.process_definition_key, str(row.element_id))
        for row in rows
        if _name(names, row) == name
    }


def get_task(conn: Connection, principal: Principal, key: int) -> Task | None:
    """An open or closed task in scope; None hides tasks of other teams and municipalities."""
    row = conn.execute(_query(principal).where(rm.user_task.c.user_task_key == key)).first()
    if row is None:
        return None
    return _task(element_names(conn, {row.process_definition_key}), row)


def task_state(conn: Connection, key: int) -> str | None:
    return conn.execute(
        select(rm.user_task.c.state).where(rm.user_task.c.user_task_key == key)
    ).scalar()


def form_schema(conn: Connection, form_key: int | None) -> dict[str, Any] | None:
    if form_key is None:
        return None
    schema = conn.execute(select(rm.form.c.schema).where(rm.form.c.form_key == form_key)).scalar()
    return dict(schema) if schema else None


def saved_document(conn: Connection, key: int) -> Any:
    return conn.execute(select(form_document).where(form_document.c.user_task_key == key)).first()


# Fields carried over from an earlier document of another form: (form, field) <- (form, field).
CARRIED_FIELDS = {
    ("bfu_konklusion", "conclusion"): ("bfu", "assessment"),
    ("bfu", "child_perspective"): ("boernesamtale", "summary"),
    ("afgoerelse", "main_facts"): ("bfu_konklusion", "conclusion"),
    ("buu_indstilling", "summary"): ("bfu_konklusion", "conclusion"),
    ("flytning_resume", "summary"): ("bfu_konklusion", "conclusion"),
}


def prefill(conn: Connection, task: Task, schema: dict[str, Any]) -> dict[str, Any]:
    """A starting point for a task without a draft, so nothing is typed twice: the case's last
    submitted document of the same form (a plan revision, the next follow-up or visit), and the
    fields another form carries over. Only keys the form knows; the caseworker edits and submits."""
    known = {f["key"] for f in fields(schema)}
    data: dict[str, Any] = {}
    if task.form_id:
        previous = latest_submitted(conn, task.case_id, task.form_id)
        if previous is not None:
            data.update({k: v for k, v in dict(previous.data).items() if k in known})
    for (form_id, key), (source_form, source_key) in CARRIED_FIELDS.items():
        if form_id != task.form_id or key in data:
            continue
        source = latest_submitted(conn, task.case_id, source_form)
        if source is not None and source.data.get(source_key):
            data[key] = source.data[source_key]
    return data


def save_document(
    conn: Connection, principal: Principal, task: Task, data: dict[str, Any], status: str
) -> None:
    """Keyed by the user task: a retried submission overwrites, never duplicates."""
    values = {
        "user_task_key": task.key,
        "case_id": task.case_id,
        "form_id": task.form_id or "",
        "form_key": task.form_key or 0,
        "data": data,
        "status": status,
        "saved_by": principal.user_id,
        "saved_at": datetime.now(UTC),
    }
    stmt = insert(form_document).values(**values)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_task_key"],
            set_={k: stmt.excluded[k] for k in values if k != "user_task_key"},
            where=form_document.c.status == "draft",
        )
    )


def mark_draft(conn: Connection, key: int) -> None:
    """The engine refused or was away: the submission is a draft again."""
    conn.execute(
        update(form_document).where(form_document.c.user_task_key == key).values(status="draft")
    )

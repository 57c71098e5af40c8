"""The task list: open Zeebe user tasks from the read model, scoped through their case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Text, cast, func, select, update
from sqlalchemy.dialects.postgresql import insert

from api.auth.principal import Principal
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


def _case_var() -> Any:
    return (
        select(rm.variable.c.process_instance_key, rm.variable.c.value)
        .where(
            rm.variable.c.name == "caseId",
            rm.variable.c.scope_key == rm.variable.c.process_instance_key,
        )
        .subquery("case_var")
    )


def _query(principal: Principal) -> Any:
    case_var = _case_var()
    return (
        select(
            rm.user_task,
            case.c.id.label("case_id"),
            rm.form.c.form_id,
        )
        .join(case_var, case_var.c.process_instance_key == rm.user_task.c.process_instance_key)
        .join(case, case_var.c.value == json_string(case.c.id))
        .outerjoin(rm.form, rm.form.c.form_key == rm.user_task.c.form_key)
        .where(principal.case_scope())
    )


def json_string(column: Any) -> Any:
    """A uuid column as the JSON string the variable table holds: "\"<uuid>\""."""
    return func.concat('"', cast(column, Text), '"')


def _definition_xml(conn: Connection, process_definition_key: int) -> str:
    xml = conn.execute(
        select(rm.process_definition.c.bpmn_xml).where(
            rm.process_definition.c.process_definition_key == process_definition_key
        )
    ).scalar()
    return str(xml or "")


def _name(conn: Connection, row: Any) -> str:
    return element_name(_definition_xml(conn, row.process_definition_key), row.element_id)


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


def _task(conn: Connection, row: Any) -> Task:
    return Task(
        key=row.user_task_key,
        name=_name(conn, row),
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


def list_tasks(
    conn: Connection,
    principal: Principal,
    *,
    assignee: str | None = None,
    candidate_group: str | None = None,
    case_id: uuid.UUID | None = None,
) -> list[Task]:
    stmt = _query(principal).where(rm.user_task.c.state == OPEN)
    if assignee:
        stmt = stmt.where(rm.user_task.c.assignee == assignee)
    if candidate_group:
        stmt = stmt.where(rm.user_task.c.candidate_groups.contains([candidate_group]))
    if case_id:
        stmt = stmt.where(case.c.id == case_id)
    stmt = stmt.order_by(rm.user_task.c.due_date.nulls_last(), rm.user_task.c.user_task_key)
    return [_task(conn, row) for row in conn.execute(stmt)]


def get_task(conn: Connection, principal: Principal, key: int) -> Task | None:
    """An open or closed task in scope; None hides tasks of other teams and municipalities."""
    row = conn.execute(_query(principal).where(rm.user_task.c.user_task_key == key)).first()
    return _task(conn, row) if row else None


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

"""The operators' reads of the read model: definitions with counts, instances and incidents with
filters and keyset paging (newest first by key), scoped to the operator's municipality and KLE
constraint through each instance's case (`Principal.technical_scope`). Ids and states only: no
personal data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, exists, func, select

from api.cases.tables import case
from api.projector import tables as rm

PAGE_DEFAULT = 50
PAGE_MAX = 500
STATES = ("ACTIVE", "COMPLETED", "TERMINATED")

pi = rm.process_instance
inc = rm.incident
el = rm.element_instance


@dataclass(frozen=True)
class InstanceFilter:
    process: str | None = None
    version: int | None = None
    state: str | None = None
    incident: bool | None = None
    case_id: uuid.UUID | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    element: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            k: (str(v) if isinstance(v, uuid.UUID | datetime) else v)
            for k, v in self.__dict__.items()
            if v is not None
        }


def _in_scope(scope: ColumnElement[bool]) -> Any:
    """The instance's case is in `scope`, a predicate on the case table: the caller's
    `Principal.technical_scope()` (municipality and KLE)."""
    return exists(select(case.c.id).where(case.c.id == pi.c.case_id, scope))


def _active_incident() -> Any:
    return exists(
        select(inc.c.incident_key).where(
            inc.c.process_instance_key == pi.c.process_instance_key, inc.c.state == "ACTIVE"
        )
    )


def _equal(stmt: Select[Any], pairs: list[tuple[Any, Any]]) -> Select[Any]:
    """`column = value` for each pair whose value was given."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def _where(stmt: Select[Any], scope: ColumnElement[bool], f: InstanceFilter) -> Select[Any]:
    stmt = _equal(
        stmt.where(_in_scope(scope)),
        [
            (pi.c.bpmn_process_id, f.process),
            (pi.c.version, f.version),
            (pi.c.state, f.state),
            (pi.c.case_id, f.case_id),
        ],
    )
    if f.incident is not None:
        stmt = stmt.where(_active_incident() if f.incident else ~_active_incident())
    if f.started_from is not None:
        stmt = stmt.where(pi.c.started_at >= f.started_from)
    if f.started_to is not None:
        stmt = stmt.where(pi.c.started_at < f.started_to)
    if f.element is not None:
        stmt = stmt.where(
            exists(
                select(el.c.element_instance_key).where(
                    el.c.process_instance_key == pi.c.process_instance_key,
                    el.c.element_id == f.element,
                    el.c.state == "ACTIVE",
                )
            )
        )
    return stmt


def list_instances(
    conn: Connection,
    scope: ColumnElement[bool],
    f: InstanceFilter,
    after: int | None = None,
    limit: int = PAGE_DEFAULT,
) -> dict[str, Any]:
    """One page, newest first; `next` is the cursor for the following page (None at the end)."""
    incidents = (
        select(func.count())
        .where(inc.c.process_instance_key == pi.c.process_instance_key, inc.c.state == "ACTIVE")
        .scalar_subquery()
    )
    stmt = _where(
        select(
            pi.c.process_instance_key,
            pi.c.bpmn_process_id,
            pi.c.version,
            pi.c.state,
            pi.c.started_at,
            pi.c.ended_at,
            pi.c.case_id,
            pi.c.parent_process_instance_key,
            incidents.label("incidents"),
        ),
        scope,
        f,
    )
    if after is not None:
        stmt = stmt.where(pi.c.process_instance_key < after)
    rows = conn.execute(stmt.order_by(pi.c.process_instance_key.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    return {
        "items": [
            {
                "key": str(r.process_instance_key),
                "bpmn_process_id": r.bpmn_process_id,
                "version": r.version,
                "state": r.state,
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "case_id": str(r.case_id) if r.case_id else None,
                "parent_key": (
                    str(r.parent_process_instance_key) if r.parent_process_instance_key else None
                ),
                "incidents": r.incidents,
            }
            for r in page
        ],
        "next": str(page[-1].process_instance_key) if len(rows) > limit else None,
    }


def count_instances(conn: Connection, scope: ColumnElement[bool], f: InstanceFilter) -> int:
    stmt = _where(select(func.count()).select_from(pi), scope, f)
    return int(conn.execute(stmt).scalar_one())


def instance_keys(
    conn: Connection, scope: ColumnElement[bool], f: InstanceFilter, cap: int
) -> list[int]:
    stmt = _where(select(pi.c.process_instance_key), scope, f)
    rows = conn.execute(stmt.order_by(pi.c.process_instance_key.desc()).limit(cap)).scalars()
    return [int(k) for k in rows]


def definitions(conn: Connection, scope: ColumnElement[bool]) -> list[dict[str, Any]]:
    """Every deployed version, with its instances of the municipality by state and how many
    have an open incident."""
    counts = (
        select(
            pi.c.process_definition_key,
            func.count().filter(pi.c.state == "ACTIVE").label("active"),
            func.count().filter(pi.c.state == "COMPLETED").label("completed"),
            func.count().filter(pi.c.state == "TERMINATED").label("terminated"),
        )
        .where(_in_scope(scope))
        .group_by(pi.c.process_definition_key)
    )
    counts_sq = counts.subquery()
    with_incident = (
        select(pi.c.process_definition_key, func.count(func.distinct(inc.c.process_instance_key)))
        .join(inc, inc.c.process_instance_key == pi.c.process_instance_key)
        .where(inc.c.state == "ACTIVE", _in_scope(scope))
        .group_by(pi.c.process_definition_key)
    )
    incidents: dict[int, int] = dict(conn.execute(with_incident).tuples().all())
    pd = rm.process_definition
    rows = conn.execute(
        select(
            pd.c.process_definition_key,
            pd.c.bpmn_process_id,
            pd.c.version,
            pd.c.resource_name,
            pd.c.deployed_at,
            counts_sq.c.active,
            counts_sq.c.completed,
            counts_sq.c.terminated,
        )
        .outerjoin(counts_sq, counts_sq.c.process_definition_key == pd.c.process_definition_key)
        .order_by(pd.c.bpmn_process_id, pd.c.version.desc())
    ).all()
    return [
        {
            "key": str(r.process_definition_key),
            "bpmn_process_id": r.bpmn_process_id,
            "version": r.version,
            "resource_name": r.resource_name,
            "deployed_at": r.deployed_at,
            "active": r.active or 0,
            "incidents": incidents.get(r.process_definition_key, 0),
            "completed": r.completed or 0,
            "terminated": r.terminated or 0,
        }
        for r in rows
    ]


@dataclass(frozen=True)
class IncidentFilter:
    process: str | None = None
    element: str | None = None
    error_type: str | None = None
    instance: int | None = None
    state: str = "ACTIVE"

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def _incident_query(columns: Any, scope: ColumnElement[bool], f: IncidentFilter) -> Select[Any]:
    stmt = (
        select(columns)
        .select_from(inc)
        .join(pi, pi.c.process_instance_key == inc.c.process_instance_key)
        .where(_in_scope(scope), inc.c.state == f.state)
    )
    return _equal(
        stmt,
        [
            (inc.c.bpmn_process_id, f.process),
            (inc.c.element_id, f.element),
            (inc.c.error_type, f.error_type),
            (inc.c.process_instance_key, f.instance),
        ],
    )


def incident_json(r: Any) -> dict[str, Any]:
    return {
        "key": str(r.incident_key),
        "instance_key": str(r.process_instance_key),
        "element_instance_key": str(r.element_instance_key),
        "element_id": r.element_id,
        "bpmn_process_id": r.bpmn_process_id,
        "job_key": str(r.job_key) if r.job_key else None,
        "error_type": r.error_type,
        "message": r.error_message,
        "state": r.state,
        "created_at": r.created_at,
        "resolved_at": r.resolved_at,
    }


def list_incidents(
    conn: Connection,
    scope: ColumnElement[bool],
    f: IncidentFilter,
    after: int | None = None,
    limit: int = PAGE_DEFAULT,
) -> dict[str, Any]:
    stmt = _incident_query(inc, scope, f)
    if after is not None:
        stmt = stmt.where(inc.c.incident_key < after)
    rows = conn.execute(stmt.order_by(inc.c.incident_key.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    return {
        "items": [incident_json(r) for r in page],
        "next": str(page[-1].incident_key) if len(rows) > limit else None,
    }


def incidents_for_batch(
    conn: Connection, scope: ColumnElement[bool], f: IncidentFilter, cap: int
) -> list[Any]:
    stmt = _incident_query(inc, scope, f)
    return list(conn.execute(stmt.order_by(inc.c.incident_key.desc()).limit(cap)).all())


def count_incidents(conn: Connection, scope: ColumnElement[bool], f: IncidentFilter) -> int:
    return int(conn.execute(_incident_query(func.count(), scope, f)).scalar_one())


def scoped_instance(conn: Connection, scope: ColumnElement[bool], key: int) -> Any:
    """The instance if it belongs to a case of the municipality, else None."""
    return conn.execute(
        select(pi).where(pi.c.process_instance_key == key, _in_scope(scope))
    ).first()


def scoped_incident(conn: Connection, scope: ColumnElement[bool], key: int) -> Any:
    return conn.execute(
        select(inc)
        .join(pi, pi.c.process_instance_key == inc.c.process_instance_key)
        .where(inc.c.incident_key == key, _in_scope(scope))
    ).first()


def cases_of(conn: Connection, keys: list[int]) -> set[uuid.UUID]:
    rows = conn.execute(
        select(pi.c.case_id).where(pi.c.process_instance_key.in_(keys), pi.c.case_id.is_not(None))
    ).scalars()
    return set(rows)

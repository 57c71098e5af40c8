"""The operators' JSON API: definitions, instances and incidents with filters and keyset paging,
the instance view, and the repairs (retry, resolve, cancel, set variables, modify, move to a new
version), one at a time or as a batch over a filtered set (a preview of the count first, then a
confirmation naming that count). Only the operator role; every action is recorded."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import SettingsDep, UnitOfWork, Uow, require_roles
from api.monitor import actions as act
from api.monitor import queries as q
from api.monitor.engine import Activate, commands
from api.monitor.migration import move_to_version
from api.monitor.variables import problems
from api.monitor.view import instance_view

router = APIRouter(tags=["drift"])

INSTANCE_NOT_FOUND = "Procesinstansen findes ikke"
INCIDENT_NOT_FOUND = "Hændelsen findes ikke"
BATCH_MAX = 1000
EngineKey = Annotated[int, Field(ge=0, le=2**63 - 1, description="engine key (int64)")]
"""A key the engine's gRPC API takes: a larger number would fail in protobuf, not as a 422."""


def operator(uow: Uow) -> UnitOfWork:
    require_roles(uow, "operator")
    return uow


Operator = Annotated[UnitOfWork, Depends(operator)]


class InstanceFilterIn(BaseModel):
    process: str | None = None
    version: int | None = None
    state: Literal["ACTIVE", "COMPLETED", "TERMINATED"] | None = None
    incident: bool | None = None
    case_id: uuid.UUID | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    element: str | None = None

    def to_filter(self) -> q.InstanceFilter:
        return q.InstanceFilter(**self.model_dump())


class IncidentFilterIn(BaseModel):
    process: str | None = None
    element: str | None = None
    error_type: str | None = None
    instance: EngineKey | None = None

    def to_filter(self) -> q.IncidentFilter:
        return q.IncidentFilter(**self.model_dump())


def _answer(
    uow: UnitOfWork, result: act.Result, case_ids: set[uuid.UUID | None] | set[uuid.UUID]
) -> JSONResponse:
    action_id = act.record(uow.conn, uow.principal, result)
    uow.touch(c for c in case_ids if c is not None)
    uow.commit(result.status)
    return JSONResponse(result.body(action_id), status_code=result.status)


def _instance(uow: UnitOfWork, key: int) -> Any:
    row = q.scoped_instance(uow.conn, uow.principal.technical_scope(), key)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=INSTANCE_NOT_FOUND)
    return row


def _incident(uow: UnitOfWork, key: int) -> Any:
    row = q.scoped_incident(uow.conn, uow.principal.technical_scope(), key)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=INCIDENT_NOT_FOUND)
    return row


@router.get("/api/processes/definitions")
def list_definitions(uow: Operator) -> list[dict[str, Any]]:
    result = q.definitions(uow.conn, uow.principal.technical_scope())
    uow.commit()
    return result


@router.get("/api/processes/instances")
def list_instances(
    uow: Operator,
    f: Annotated[InstanceFilterIn, Query()],
    after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=q.PAGE_MAX)] = q.PAGE_DEFAULT,
) -> dict[str, Any]:
    page = q.list_instances(uow.conn, uow.principal.technical_scope(), f.to_filter(), after, limit)
    uow.commit()
    return page


@router.get("/api/processes/instances/{key}/view")
def view_instance(key: int, uow: Operator) -> dict[str, Any]:
    instance = _instance(uow, key)
    view = instance_view(uow.conn, instance)
    uow.touch([instance.case_id] if instance.case_id else [])
    uow.commit()
    return view


@router.get("/api/incidents")
def list_incidents(
    uow: Operator,
    f: Annotated[IncidentFilterIn, Query()],
    state: Literal["ACTIVE", "RESOLVED"] = "ACTIVE",
    after: int | None = None,
    limit: Annotated[int, Query(ge=1, le=q.PAGE_MAX)] = q.PAGE_DEFAULT,
) -> dict[str, Any]:
    flt = q.IncidentFilter(**f.model_dump(), state=state)
    page = q.list_incidents(uow.conn, uow.principal.technical_scope(), flt, after, limit)
    uow.commit()
    return page


class BatchRetryIn(IncidentFilterIn):
    retries: int = Field(default=act.DEFAULT_RETRIES, ge=1, le=10)
    expected_count: int | None = Field(
        default=None, description="the previewed count; without it nothing is done"
    )


def _preview_or_conflict(count: int, expected: int | None) -> JSONResponse | None:
    if expected is None:
        return JSONResponse({"preview": True, "count": count, "max": BATCH_MAX})
    if count > BATCH_MAX:
        return JSONResponse(
            {"detail": f"{count} er for mange på én gang (højst {BATCH_MAX}); afgræns filteret"},
            status_code=422,
        )
    if count != expected:
        return JSONResponse(
            {
                "detail": f"Antallet er ændret fra {expected} til {count}; bekræft igen",
                "count": count,
            },
            status_code=409,
        )
    return None


@router.post("/api/incidents/batch/retry")
def batch_retry(body: BatchRetryIn, uow: Operator, settings: SettingsDep) -> JSONResponse:
    scope = uow.principal.technical_scope()
    flt = IncidentFilterIn(**body.model_dump(include=set(IncidentFilterIn.model_fields)))
    f = flt.to_filter()
    early = _preview_or_conflict(q.count_incidents(uow.conn, scope, f), body.expected_count)
    if early is not None:
        uow.commit(early.status_code)
        return early
    incidents = q.incidents_for_batch(uow.conn, scope, f, BATCH_MAX)
    result = act.Result("batch-retry", {"filter": f.as_json(), "retries": body.retries})
    with commands(settings.zeebe_gateway) as cmd:
        for incident in incidents:
            act.retry_incident(cmd, result, incident, body.retries)
    keys = [int(i.process_instance_key) for i in incidents]
    return _answer(uow, result, q.cases_of(uow.conn, keys))


class RetryIn(BaseModel):
    retries: int = Field(default=act.DEFAULT_RETRIES, ge=1, le=10)


@router.post("/api/incidents/{key}/retry")
def retry_incident(
    key: int, uow: Operator, settings: SettingsDep, body: RetryIn | None = None
) -> JSONResponse:
    incident = _incident(uow, key)
    if incident.state != "ACTIVE":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Hændelsen er allerede løst")
    retries = (body or RetryIn()).retries
    result = act.Result("retry", {"incident": str(key), "retries": retries})
    with commands(settings.zeebe_gateway) as cmd:
        act.retry_incident(cmd, result, incident, retries)
    return _answer(uow, result, q.cases_of(uow.conn, [incident.process_instance_key]))


@router.post("/api/incidents/{key}/resolve")
def resolve_incident(key: int, uow: Operator, settings: SettingsDep) -> JSONResponse:
    incident = _incident(uow, key)
    if incident.state != "ACTIVE":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Hændelsen er allerede løst")
    result = act.Result("resolve", {"incident": str(key)})
    with commands(settings.zeebe_gateway) as cmd:
        act.resolve_incident(cmd, result, incident)
    return _answer(uow, result, q.cases_of(uow.conn, [incident.process_instance_key]))


class BatchCancelIn(InstanceFilterIn):
    expected_count: int | None = Field(
        default=None, description="the previewed count; without it nothing is done"
    )


@router.post("/api/processes/instances/batch/cancel")
def batch_cancel(body: BatchCancelIn, uow: Operator, settings: SettingsDep) -> JSONResponse:
    scope = uow.principal.technical_scope()
    data = body.model_dump(include=set(InstanceFilterIn.model_fields))
    data["state"] = "ACTIVE"  # only running instances can be cancelled
    f = q.InstanceFilter(**data)
    early = _preview_or_conflict(q.count_instances(uow.conn, scope, f), body.expected_count)
    if early is not None:
        uow.commit(early.status_code)
        return early
    keys = q.instance_keys(uow.conn, scope, f, BATCH_MAX)
    result = act.Result("batch-cancel", {"filter": f.as_json()})
    with commands(settings.zeebe_gateway) as cmd:
        for key in keys:
            act.cancel(cmd, result, key)
    return _answer(uow, result, q.cases_of(uow.conn, keys))


@router.post("/api/processes/instances/{key}/cancel")
def cancel_instance(key: int, uow: Operator, settings: SettingsDep) -> JSONResponse:
    instance = _instance(uow, key)
    if instance.state != "ACTIVE":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Procesinstansen kører ikke")
    result = act.Result("cancel", {})
    with commands(settings.zeebe_gateway) as cmd:
        act.cancel(cmd, result, key)
    return _answer(uow, result, {instance.case_id})


class VariablesIn(BaseModel):
    variables: dict[str, Any]
    scope_key: EngineKey | None = Field(
        default=None, description="element instance; default the process"
    )
    local: bool = False


@router.post("/api/processes/instances/{key}/variables")
def set_variables(
    key: int, body: VariablesIn, uow: Operator, settings: SettingsDep
) -> JSONResponse:
    found = problems(body.variables)
    if found:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=found)
    instance = _instance(uow, key)
    # Names only: the values may be anything the process needs, but they stay in Zeebe.
    result = act.Result(
        "set-variables",
        {"names": sorted(body.variables), "scope_key": str(body.scope_key or key)},
    )
    with commands(settings.zeebe_gateway) as cmd:
        act.set_variables(cmd, result, key, body.scope_key or key, body.variables, body.local)
    return _answer(uow, result, {instance.case_id})


class ActivateIn(BaseModel):
    element_id: str
    ancestor_key: EngineKey | None = None


class ModifyIn(BaseModel):
    activate: list[ActivateIn] = []
    terminate: list[EngineKey] = Field(default=[], description="element instance keys")


@router.post("/api/processes/instances/{key}/modify")
def modify_instance(key: int, body: ModifyIn, uow: Operator, settings: SettingsDep) -> JSONResponse:
    instance = _instance(uow, key)
    if not body.activate and not body.terminate:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Angiv elementer at aktivere eller afbryde"
        )
    result = act.Result(
        "modify",
        {
            "activate": [a.element_id for a in body.activate],
            "terminate": [str(k) for k in body.terminate],
        },
    )
    activate = [Activate(a.element_id, a.ancestor_key) for a in body.activate]
    with commands(settings.zeebe_gateway) as cmd:
        act.modify(cmd, result, key, activate, body.terminate)
    return _answer(uow, result, {instance.case_id})


class MigrateIn(BaseModel):
    target_version: int
    mode: Literal["migrate", "restart"] = "migrate"


@router.post("/api/processes/instances/{key}/migrate")
def migrate_instance(
    key: int, body: MigrateIn, uow: Operator, settings: SettingsDep
) -> JSONResponse:
    instance = _instance(uow, key)
    if instance.state != "ACTIVE":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Procesinstansen kører ikke")
    with commands(settings.zeebe_gateway) as cmd:
        result = move_to_version(uow.conn, cmd, instance, body.target_version, body.mode)
    return _answer(uow, result, {instance.case_id})

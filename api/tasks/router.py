"""The task API: list, claim, unclaim, form with prefilled data, and completion."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, status
from pydantic import BaseModel

from api.deps import UnitOfWork, Uow, require_roles
from api.engine.user_tasks import (
    EngineUnavailable,
    EngineUncertain,
    TaskConflict,
    TaskGone,
    UserTasks,
)
from api.forms.validation import routing_keys, validate
from api.tasks import service
from api.tasks.service import Task

router = APIRouter(prefix="/api/tasks", tags=["opgaver"])

GONE = "Opgaven er ikke længere åben: en kollega eller en frist er kommet først"
TAKEN = "Opgaven er allerede taget af en anden"
ENGINE_DOWN = "Procesmotoren svarer ikke lige nu; dit udkast er gemt. Prøv igen om lidt."
ENGINE_UNCONFIRMED = (
    "Procesmotoren nåede ikke at bekræfte afslutningen; det indsendte er gemt. Prøv igen om lidt."
)


class TaskOut(BaseModel):
    id: str
    name: str
    case_id: uuid.UUID
    process_instance_key: str
    assignee: str | None
    candidate_groups: list[str]
    due_at: str | None
    form_id: str | None


def _out(task: Task) -> TaskOut:
    # Engine keys are 64-bit; as JSON strings they survive JavaScript.
    return TaskOut(
        id=str(task.key),
        name=task.name,
        case_id=task.case_id,
        process_instance_key=str(task.process_instance_key),
        assignee=task.assignee,
        candidate_groups=task.candidate_groups,
        due_at=task.due_at,
        form_id=task.form_id,
    )


def _engine(request: Request) -> UserTasks:
    engine: UserTasks = request.app.state.user_tasks
    return engine


def _task_in_scope(uow: UnitOfWork, key: int) -> Task:
    task = service.get_task(uow.conn, uow.principal, key)
    if task is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Opgaven findes ikke")
    uow.touch([task.case_id])
    return task


@router.get("", response_model=list[TaskOut])
def list_tasks(
    uow: Uow,
    assignee: Annotated[str | None, Query(description="'me' eller et brugernavn")] = None,
    candidate_group: str | None = None,
    case_id: uuid.UUID | None = None,
) -> list[TaskOut]:
    """Open tasks in the caller's scope, soonest deadline first."""
    who = uow.principal.username if assignee == "me" else assignee
    tasks = service.list_tasks(
        uow.conn, uow.principal, assignee=who, candidate_group=candidate_group, case_id=case_id
    )
    uow.touch(t.case_id for t in tasks)
    uow.commit()
    return [_out(t) for t in tasks]


@router.post("/{task_id}/claim", response_model=TaskOut)
def claim_task(task_id: int, uow: Uow, request: Request) -> TaskOut:
    _workers_only(uow)
    task = _task_in_scope(uow, task_id)
    _refuse_if_involved(uow, task)
    try:
        _engine(request).claim(task.key, uow.principal.username)
    except TaskConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=TAKEN) from exc
    except TaskGone as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=GONE) from exc
    except EngineUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=ENGINE_DOWN) from exc
    uow.commit()
    return _out(task)


@router.post("/{task_id}/unclaim", response_model=TaskOut)
def unclaim_task(task_id: int, uow: Uow, request: Request) -> TaskOut:
    _workers_only(uow)
    task = _task_in_scope(uow, task_id)
    if task.assignee not in (None, uow.principal.username) and not uow.principal.has("team_leader"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Kun den tildelte eller en leder")
    try:
        _engine(request).unassign(task.key)
    except (TaskConflict, TaskGone) as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=GONE) from exc
    except EngineUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=ENGINE_DOWN) from exc
    uow.commit()
    return _out(task)


@router.get("/{task_id}/form")
def task_form(task_id: int, uow: Uow) -> dict[str, Any]:
    """The exact form version of the task, with the saved draft (or nothing) as its data."""
    task = _task_in_scope(uow, task_id)
    schema = service.form_schema(uow.conn, task.form_key)
    document = service.saved_document(uow.conn, task.key)
    prefilled = (
        service.prefill(uow.conn, task, schema) if document is None and schema is not None else {}
    )
    uow.commit()
    return {
        "task": _out(task).model_dump(mode="json"),
        "form_key": str(task.form_key) if task.form_key else None,
        "schema": schema,
        "data": dict(document.data) if document else prefilled,
        "status": document.status if document else ("prefilled" if prefilled else None),
    }


@router.post("/{task_id}/complete", status_code=status.HTTP_204_NO_CONTENT)
def complete_task(
    task_id: int, uow: Uow, request: Request, data: Annotated[dict[str, Any], Body()]
) -> None:
    """Validate against the exact form, save the document, then complete with routing only."""
    _workers_only(uow)
    task = _task_in_scope(uow, task_id)
    prior = service.saved_document(uow.conn, task.key)
    # The same user sending the same submission again: after a completion the engine did not
    # confirm (EngineUncertain) the document stayed submitted, and sending it again is safe;
    # after a confirmed one it is a repeat, and answered the same way (idempotent).
    unconfirmed = bool(
        prior is not None
        and prior.status == "submitted"
        and prior.saved_by == uow.principal.user_id
        and dict(prior.data) == data
    )
    state = service.task_state(uow.conn, task.key)
    if state != service.OPEN:
        if unconfirmed and state in service.COMPLETED:
            # The earlier attempt went through after all.
            uow.commit(status.HTTP_204_NO_CONTENT)
            return
        raise HTTPException(status.HTTP_409_CONFLICT, detail=GONE)
    _refuse_if_involved(uow, task)
    schema = service.form_schema(uow.conn, task.form_key) or {"components": []}
    errors = validate(schema, data)
    if errors:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail={"message": "Formularen er ikke udfyldt korrekt", "fields": errors},
        )
    if prior is not None and prior.status == "submitted" and not unconfirmed:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=GONE)
    if not unconfirmed:
        # Saved and committed before the engine hears of it: the process may go on at once,
        # and the next step must already find the document.
        service.save_document(uow.conn, uow.principal, task, data, "submitted")
        uow.conn.commit()
    routing = {key: data[key] for key in routing_keys(schema) if key in data}
    try:
        _engine(request).complete(task.key, routing)
    except TaskGone as exc:
        if unconfirmed:
            # Gone because the earlier, unconfirmed attempt completed it.
            uow.commit(status.HTTP_204_NO_CONTENT)
            return
        _back_to_draft(uow, task.key)
        raise HTTPException(status.HTTP_409_CONFLICT, detail=GONE) from exc
    except TaskConflict as exc:
        if not unconfirmed:
            _back_to_draft(uow, task.key)
        raise HTTPException(status.HTTP_409_CONFLICT, detail=GONE) from exc
    except EngineUncertain as exc:
        # The engine may have completed the task: the document stays submitted, so the process's
        # next step finds it; a retry sends the same submission again.
        uow.conn.commit()
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=ENGINE_UNCONFIRMED) from exc
    except EngineUnavailable as exc:
        # Nothing typed is lost: the document stays as a draft for the next attempt.
        _back_to_draft(uow, task.key)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=ENGINE_DOWN) from exc
    uow.commit(status.HTTP_204_NO_CONTENT)


INVOLVED = (
    "Genvurderingen skal foretages af en medarbejder, der ikke tidligere har arbejdet på sagen "
    "(barnets lov § 137)"
)


def _workers_only(uow: UnitOfWork) -> None:
    """Tasks are worked by caseworkers and team leaders (the duty and leader groups); auditors
    and finance read tasks in their scope but do not claim or complete them. Checked before the
    task is looked up, so the answer says nothing about whether it exists."""
    require_roles(uow, "caseworker", "team_leader")


def _refuse_if_involved(uow: UnitOfWork, task: Task) -> None:
    if service.involved_elsewhere(uow.conn, task, uow.principal.user_id):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=INVOLVED)


def _back_to_draft(uow: UnitOfWork, key: int) -> None:
    service.mark_draft(uow.conn, key)
    uow.conn.commit()

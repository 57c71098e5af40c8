"""GET /api/cases/{id}."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, status
from pydantic import AfterValidator, BaseModel, Field

from api import clock
from api.cases import closing, hearings, placements, statements
from api.cases.decisions import register_appeal
from api.cases.service import case_view, get_case
from api.cases.workflow import queue_message
from api.deps import Uow, require_roles
from api.processes.service import case_of_instance, instance_detail
from api.transfers.router import refuse_after_handover

router = APIRouter(prefix="/api/cases", tags=["sager"])


@router.get("/{case_id}")
def read_case(case_id: uuid.UUID, uow: Uow) -> dict[str, Any]:
    """The case page's data. Outside the caller's scope the answer is 404, as for no case."""
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    view = case_view(uow.conn, row)
    uow.commit()
    return view


def _aware_moment(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("tidspunktet skal have en tidszone / must carry a time zone")
    return value


# A moment with its time zone: a received time without one is ambiguous, and refused.
Moment = Annotated[datetime, AfterValidator(_aware_moment)]


def _case_in_scope(uow: Any, case_id: uuid.UUID) -> Any:
    """The case, touched for the audit; 404 outside the caller's scope, as for no case."""
    row = get_case(uow.conn, uow.principal, case_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Sagen findes ikke")
    uow.touch([row.id])
    return row


class AppealIn(BaseModel):
    decision_instance_key: str
    received_at: Moment


@router.post("/{case_id}/appeals", status_code=status.HTTP_201_CREATED)
def register_case_appeal(case_id: uuid.UUID, data: AppealIn, uow: Uow) -> dict[str, str]:
    """Register a klage over a decision of the case; the decision process takes it from there."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    key = int(data.decision_instance_key) if data.decision_instance_key.isdigit() else -1
    detail = instance_detail(uow.conn, key) if key > 0 else None
    if (
        detail is None
        or detail["bpmn_process_id"] != "afgoerelse"
        or case_of_instance(uow.conn, key) != row.id
    ):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            detail="Der findes ingen afgørelse med det nummer på sagen",
        )
    appeal_id, reassess_by = register_appeal(
        uow.conn,
        case_id=row.id,
        decision_key=key,
        received_at=data.received_at,
        user_id=uow.principal.user_id,
    )
    queue_message(
        uow.conn,
        name="klage-modtaget",
        correlation_key=str(key),
        message_id=f"klage-{appeal_id}",
        variables={"appealId": str(appeal_id), "d17DueAt": reassess_by.isoformat()},
    )
    uow.commit(status.HTTP_201_CREATED)
    return {"appeal_id": str(appeal_id), "reassess_by": reassess_by.isoformat()}


class StatementReplyIn(BaseModel):
    received_at: Moment
    reply: str = Field(min_length=10, max_length=20_000)


@router.post("/{case_id}/statements/{request_id}/reply")
def register_statement_reply(
    case_id: uuid.UUID, request_id: uuid.UUID, data: StatementReplyIn, uow: Uow
) -> dict[str, str]:
    """Register an institution's statusudtalelse; the investigation stops waiting for it."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    outcome = statements.register_reply(
        uow.conn,
        case_id=row.id,
        request_id=request_id,
        received_at=data.received_at,
        reply=data.reply,
        user_id=uow.principal.user_id,
    )
    if outcome is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, detail="Der er ingen sådan anmodning på sagen"
        )
    if outcome == "already":
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="Statusudtalelsen er allerede registreret"
        )
    queue_message(
        uow.conn,
        name="statusudtalelse-modtaget",
        correlation_key=str(request_id),
        message_id=f"statusudtalelse-{request_id}",
        variables={},
    )
    uow.commit()
    return {"status": outcome}


class HearingResponseIn(BaseModel):
    party: int = Field(ge=1, description="Partens nummer i høringsbrevet (1, 2, ...)")
    received_at: Moment
    comments: str = Field(min_length=1, max_length=20_000)
    final: bool = True


@router.post("/{case_id}/hearings/{hearing_id}/responses", status_code=status.HTTP_201_CREATED)
def register_hearing_response(
    case_id: uuid.UUID, hearing_id: uuid.UUID, data: HearingResponseIn, uow: Uow
) -> dict[str, bool]:
    """Register a party's comments in a partshøring; when every party has said its last word,
    the process goes on before the period ends."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    try:
        all_answered = hearings.register_response(
            uow.conn,
            case_id=row.id,
            hearing_id=hearing_id,
            party_index=data.party - 1,
            received_at=data.received_at,
            comments=data.comments,
            final=data.final,
            user_id=uow.principal.user_id,
        )
    except hearings.HearingClosed:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail="Partshøringen er afsluttet; læg bemærkningerne på sagen som et dokument",
        ) from None
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail=str(exc)) from None
    if all_answered is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Der er ingen sådan høring på sagen")
    if all_answered:
        queue_message(
            uow.conn,
            name="partshoering-besvaret",
            correlation_key=str(hearing_id),
            message_id=f"partshoering-besvaret-{hearing_id}",
            variables={},
        )
    uow.commit(status.HTTP_201_CREATED)
    return {"hearing_closed": all_answered}


class DecisionIn(BaseModel):
    subject: Literal[
        "stoettende_indsats", "anbringelse", "anbringelse_uden_samtykke", "hjemgivelse"
    ]


@router.post("/{case_id}/decisions", status_code=status.HTTP_201_CREATED)
def start_decision(case_id: uuid.UUID, data: DecisionIn, uow: Uow) -> dict[str, str]:
    """Start a decision on the case outside an investigation, e.g. a hjemgivelse or a request
    from the family; it runs through the one decision process like every other decision."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    refuse_after_handover(uow.conn, row.id, clock.current().now().date())
    request_id = uuid.uuid4()
    variables = placements.decision_variables(uow.conn, row.id, clock.current().now().date())
    queue_message(
        uow.conn,
        name="afgoerelse-start",
        # One decision per request: a decision still in its appeal window must not hold it.
        correlation_key=f"{row.id}:request:{request_id}",
        message_id=f"afgoerelse-start:request:{request_id}",
        variables={**variables, "recommendation": data.subject},
    )
    uow.commit(status.HTTP_201_CREATED)
    return {"request_id": str(request_id)}


@router.post("/{case_id}/close", status_code=status.HTTP_201_CREATED)
def request_closing(case_id: uuid.UUID, uow: Uow) -> dict[str, str]:
    """Start closing the case; refused while an indsats or anbringelse is open."""
    require_roles(uow, "caseworker", "team_leader")
    row = _case_in_scope(uow, case_id)
    if row.status != "open":
        raise HTTPException(status.HTTP_409_CONFLICT, detail="Sagen er allerede afsluttet")
    still_open = closing.open_measures(uow.conn, row.id)
    if still_open:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail={
                "message": "Sagen har åbne indsatser eller anbringelser, som skal afsluttes først",
                "open": [
                    {"kind": m.kind, "legal_basis": m.legal_basis, "started_on": str(m.started_on)}
                    for m in still_open
                ],
            },
        )
    request_id = uuid.uuid4()
    variables = placements.decision_variables(uow.conn, row.id, clock.current().now().date())
    queue_message(
        uow.conn,
        name="sagsafslutning-start",
        correlation_key=str(row.id),
        message_id=f"sagsafslutning-{request_id}",
        variables=variables,
    )
    uow.commit(status.HTTP_201_CREATED)
    return {"request_id": str(request_id)}

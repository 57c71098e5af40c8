"""The modeler's JSON API: deploy (`POST /api/deployments`), versions, files, templates."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import OperationalError

from api.audit.tables import audit_event
from api.deps import SettingsDep, UnitOfWork, get_engine, oauth2, require_roles, unit_of_work
from api.modeler import checks, engine, records, versions
from api.modeler.tables import deployment, deployment_file
from api.modeler.templates import REGISTRY_JSON, TEMPLATES_JSON
from api.settings import Settings
from api.web.session import CSRF_FAILED, CSRF_HEADER, csrf_token, session_token

log = structlog.get_logger("modeler")
router = APIRouter(tags=["modellering"])

READERS = ("analyst", "operator")
NOT_FOUND = "Findes ikke"
DATABASE_DOWN_NOTHING_DEPLOYED = (
    "Databasen kan ikke nås, så udrulningen kunne ikke registreres; intet er udrullet. Prøv igen "
    "om lidt / the database is unavailable; nothing was deployed"
)
DEPLOYED_RECORD_PENDING = (
    "Udrulningen er gennemført i procesmotoren, men databasen kan ikke nås: registreringen står "
    "som afventende (hvem, hvornår, filerne) og fuldføres automatisk ud fra procesmotorens egen "
    "registrering. Udrul ikke igen / deployed, but the database is unavailable: the record is "
    "pending and is completed from the engine's own record"
)


def get_modeler_uow(
    request: Request,
    engine: Annotated[Engine, Depends(get_engine)],
    token: Annotated[str | None, Depends(oauth2)],
) -> Iterator[UnitOfWork]:
    """The API's unit of work from the bearer header, or from the page's session cookie (the
    modeler page calls this API); with the cookie, a POST must carry the page's CSRF header."""
    if token is None:
        token = session_token(request)
        if token and request.method not in ("GET", "HEAD"):
            sent = request.headers.get(CSRF_HEADER) or ""
            if not hmac.compare_digest(sent, csrf_token(token)):
                raise HTTPException(status.HTTP_403_FORBIDDEN, detail=CSRF_FAILED)
    unauthenticated = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Du er ikke logget ind / not signed in",
        headers={"WWW-Authenticate": "Bearer"},
    )
    yield from unit_of_work(request, engine, token, unauthenticated)


Uow = Annotated[UnitOfWork, Depends(get_modeler_uow)]


def require_deployer(uow: UnitOfWork, settings: Settings) -> None:
    """Only analysts of the operating organisation deploy (the Zeebe licence; see the README)."""
    require_roles(uow, "analyst")
    if not settings.operating_municipality:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="Ingen driftsorganisation er sat op (BS_OPERATING_MUNICIPALITY); "
            "ingen kan udrulle",
        )
    if uow.principal.municipality_id != settings.operating_municipality:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="Kun analytikere i driftsorganisationen kan udrulle processer",
        )


def _problems(uow: UnitOfWork, problems: list[checks.Problem]) -> JSONResponse:
    uow.commit(422)
    body = {"problems": [p.as_dict() for p in problems]}
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_ENTITY)


def _unavailable(uow: UnitOfWork, message: str) -> JSONResponse:
    uow.commit(503)
    return JSONResponse({"detail": message}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


@router.post("/api/deployments", status_code=201)
def create_deployment(
    uow: Uow,
    settings: SettingsDep,
    db: Annotated[Engine, Depends(get_engine)],
    files: Annotated[list[UploadFile] | None, File()] = None,
) -> JSONResponse:
    """Checks, then deploys the files in one engine request: all of them, or none.

    The record is written pending before the engine is asked and completed after (see
    api/modeler/records.py): with the database unreachable before, nothing is deployed (503);
    unreachable after the engine accepted, the answer is 503 with what was deployed and the
    record is completed later from the read model. A refusal by the engine is answered as such
    even if the database is gone meanwhile (the pending row then stays)."""
    require_deployer(uow, settings)
    uploads = [checks.Upload(f.filename or "", f.file.read()) for f in files or []]
    try:
        problems = checks.check(uploads, versions.deployed_form_ids(uow.conn))
    except checks.LintUnavailableError as exc:
        return _unavailable(uow, str(exc))
    if problems:
        return _problems(uow, problems)
    try:
        deployment_id = records.begin(uow.conn, uow.principal, uploads)
        uow.conn.commit()
    except OperationalError:
        log.warning("deploy.database_unavailable", stage="before")
        _rollback(uow)
        return JSONResponse(
            {"detail": DATABASE_DOWN_NOTHING_DEPLOYED},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    def audit(code: int) -> Callable[[Connection], None]:
        def write(conn: Connection) -> None:
            conn.execute(insert(audit_event).values(**uow.audit_row(code)))

        return write

    def in_request(work: Callable[[Connection], None]) -> None:
        try:
            work(uow.conn)
            uow.conn.commit()
        except OperationalError:
            _rollback(uow)
            raise

    try:
        deployed = engine.deploy(settings.zeebe_gateway, uploads)
    except (engine.EngineRejectedError, engine.EngineUnavailableError) as exc:
        # Nothing deployed: the pending row goes, in the transaction of the answer's audit row.
        if isinstance(exc, engine.EngineRejectedError):
            code = status.HTTP_422_UNPROCESSABLE_ENTITY
            answer: dict[str, Any] = {"problems": [p.as_dict() for p in exc.problems]}
        else:
            code = status.HTTP_503_SERVICE_UNAVAILABLE
            answer = {"detail": str(exc)}
        if records.abandon(in_request, db, deployment_id, audit(code)):
            uow.committed = True
        else:
            log.error("deploy.pending_left", deployment_id=str(deployment_id))
        return JSONResponse(answer, status_code=code)
    body = {**deployed.as_dict(), "id": str(deployment_id)}

    if records.complete(in_request, db, deployment_id, deployed, audit(201)):
        uow.committed = True
        log.info("deployed", deployment_key=deployed.key, files=[u.name for u in uploads])
        return JSONResponse(body, status_code=status.HTTP_201_CREATED)
    # Deployed, but not recorded: the pending row (who, when, files) is the trace.
    log.error("deploy.record_pending", deployment_key=deployed.key, deployment_id=body["id"])
    return JSONResponse(
        {**body, "record": "pending", "detail": DEPLOYED_RECORD_PENDING},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )


def _rollback(uow: UnitOfWork) -> None:
    """Ends the request's broken transaction; the request's own audit row cannot be written."""
    try:
        uow.conn.rollback()
    except OperationalError:
        pass
    uow.committed = True


@router.get("/api/deployments")
def list_deployments(
    uow: Uow, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[dict[str, Any]]:
    """The record: who deployed which files (with their sha256) when, newest first."""
    require_roles(uow, *READERS)
    records.reconcile(uow.conn)
    rows = uow.conn.execute(
        select(deployment).order_by(deployment.c.deployed_at.desc()).limit(limit)
    ).all()
    files = uow.conn.execute(
        select(deployment_file).where(deployment_file.c.deployment_id.in_([r.id for r in rows]))
    ).all()
    uow.commit()
    return [
        {
            "id": str(row.id),
            "deployment_key": None if row.deployment_key is None else str(row.deployment_key),
            "state": row.state,
            "deployed_at": row.deployed_at,
            "username": row.username,
            "municipality_id": row.municipality_id,
            "deployed": row.result.get("deployed", []),
            "forms": row.result.get("forms", []),
            "decisions": row.result.get("decisions", []),
            "files": [
                {"name": f.name, "sha256": f.sha256, "size": f.size}
                for f in files
                if f.deployment_id == row.id
            ],
        }
        for row in rows
    ]


@router.get("/api/modeler/processes")
def list_processes(uow: Uow) -> list[dict[str, Any]]:
    require_roles(uow, *READERS)
    result = versions.processes(uow.conn)
    uow.commit()
    return result


@router.get("/api/modeler/processes/{bpmn_process_id}/versions")
def list_versions(bpmn_process_id: str, uow: Uow) -> list[dict[str, Any]]:
    require_roles(uow, *READERS)
    result = versions.versions(uow.conn, bpmn_process_id)
    if not result:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    uow.commit()
    return result


@router.get("/api/modeler/processes/{bpmn_process_id}/versions/{version}")
def read_version(bpmn_process_id: str, version: int, uow: Uow) -> dict[str, Any]:
    require_roles(uow, *READERS)
    row = versions.version_xml(uow.conn, bpmn_process_id, version)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    uow.commit()
    return {
        "bpmn_process_id": bpmn_process_id,
        "version": row.version,
        "key": str(row.process_definition_key),
        "resource_name": row.resource_name,
        "xml": row.bpmn_xml,
    }


@router.get("/api/modeler/files")
def list_files(uow: Uow) -> list[str]:
    require_roles(uow, *READERS)
    uow.commit()
    return versions.repository_files()


@router.get("/api/modeler/files/{name}")
def read_file(name: str, uow: Uow) -> dict[str, Any]:
    """A file of bpmn/ or forms/, what is deployed under its id and the diff against it."""
    require_roles(uow, *READERS)
    path = versions.repository_file(name)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=NOT_FOUND)
    result: dict[str, Any] = jsonable_encoder(versions.open_file(uow.conn, name, path))
    uow.commit()
    return result


@router.get("/api/modeler/element-templates")
def element_templates(uow: Uow) -> JSONResponse:
    require_roles(uow, *READERS)
    uow.commit()
    return JSONResponse(json.loads(TEMPLATES_JSON.read_text(encoding="utf-8")))


@router.get("/api/modeler/registry")
def registry(uow: Uow) -> JSONResponse:
    """The job types and deadline rules the lint checks against, for the browser's live lint."""
    require_roles(uow, *READERS)
    uow.commit()
    return JSONResponse(json.loads(REGISTRY_JSON.read_text(encoding="utf-8")))

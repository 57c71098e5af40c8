"""The deployment record, kept through a database failure around the engine's deploy.

1. `begin` writes the deployment as pending (who, when, which files and their sha256) and commits
   it before the engine is asked: a deployment can no longer happen without a trace.
2. `complete` stores the engine's key and answer, retrying on fresh connections while the
   database is unreachable.
3. If that fails too, the row stays pending, and `reconcile` completes it later from what the
   engine exported into the read model: each BPMN file found as a process definition with the
   same resource name and checksum (the engine's MD5 of the file, which the pending row keeps),
   each form as a form with the same resource name and schema (kept too). The engine's
   deployment key is not exported, so a completed row names the versions but no key. DMN files
   are not exported at all: a deployment with one stays pending, visible as such.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from sqlalchemy import Connection, Engine, cast, delete, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import OperationalError

from api.auth.principal import Principal
from api.modeler.checks import Upload
from api.modeler.engine import Deployed
from api.modeler.tables import deployment, deployment_file
from api.projector import tables as rm

log = structlog.get_logger("modeler")

# Waits before each further attempt to store the engine's answer (about 3.5 s in all).
RETRY_DELAYS = (0.5, 1.0, 2.0)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def md5(content: bytes) -> str:
    """As the engine's deployment metadata gives a resource's checksum (base64 of the MD5)."""
    return base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()


def begin(conn: Connection, principal: Principal, uploads: Sequence[Upload]) -> uuid.UUID:
    """The pending row and its files (the caller commits)."""
    deployment_id = uuid.uuid4()
    conn.execute(
        insert(deployment).values(
            id=deployment_id,
            state="pending",
            deployment_key=None,
            user_id=principal.user_id,
            username=principal.username,
            municipality_id=principal.municipality_id,
            result={
                "checksums": sorted([u.name, md5(u.content)] for u in uploads),
                "form_schemas": {u.name: _schema(u) for u in uploads if u.suffix == ".form"},
            },
        )
    )
    conn.execute(
        insert(deployment_file),
        [
            {
                "deployment_id": deployment_id,
                "name": u.name,
                "sha256": sha256(u.content),
                "size": len(u.content),
            }
            for u in uploads
        ],
    )
    return deployment_id


def _schema(upload: Upload) -> Any:
    try:
        return json.loads(upload.content)
    except ValueError:  # the checks refuse such a form before this
        return None


def discard(conn: Connection, deployment_id: uuid.UUID) -> None:
    """The engine deployed nothing: no record (the caller commits)."""
    conn.execute(delete(deployment).where(deployment.c.id == deployment_id))


def _store(conn: Connection, deployment_id: uuid.UUID, key: int, result: dict[str, Any]) -> None:
    conn.execute(
        update(deployment)
        .where(deployment.c.id == deployment_id, deployment.c.state == "pending")
        .values(state="recorded", deployment_key=key, result=result)
    )


def persist(
    first: Callable[[Callable[[Connection], None]], None],
    engine: Engine,
    work: Callable[[Connection], None],
    what: str,
) -> bool:
    """Runs `work` through `first` (the request's own transaction), then, while the database
    is unreachable, on fresh connections after each of RETRY_DELAYS. False if it never got
    through."""
    try:
        first(work)
        return True
    except OperationalError:
        log.warning("deploy.database_retry", what=what, attempt=1)
    for attempt, delay in enumerate(RETRY_DELAYS, start=2):
        time.sleep(delay)
        try:
            with engine.begin() as conn:
                work(conn)
            return True
        except OperationalError:
            log.warning("deploy.database_retry", what=what, attempt=attempt)
    return False


def complete(
    first: Callable[[Callable[[Connection], None]], None],
    engine: Engine,
    deployment_id: uuid.UUID,
    deployed: Deployed,
    also: Callable[[Connection], None],
) -> bool:
    """Stores the engine's answer (`persist`); `also` runs in the same transaction (the
    request's audit row). False when the database stayed unreachable: the row is still
    pending."""

    def work(conn: Connection) -> None:
        _store(conn, deployment_id, deployed.key, deployed.as_dict())
        also(conn)

    return persist(first, engine, work, "record")


def abandon(
    first: Callable[[Callable[[Connection], None]], None],
    engine: Engine,
    deployment_id: uuid.UUID,
    also: Callable[[Connection], None],
) -> bool:
    """The engine deployed nothing: the pending row is removed (`persist`), with `also` (the
    request's audit row). False when the database stayed unreachable: the row stays pending,
    and is never completed (no file of it is in the read model)."""

    def work(conn: Connection) -> None:
        discard(conn, deployment_id)
        also(conn)

    return persist(first, engine, work, "discard")


def _found(conn: Connection, result: dict[str, Any]) -> dict[str, Any] | None:
    """What the engine made of the pending row's files, as the read model shows it; None while
    any file is not (yet) there."""
    schemas = result.get("form_schemas") or {}
    deployed: list[dict[str, Any]] = []
    forms: list[dict[str, Any]] = []
    for name, checksum in result.get("checksums") or []:
        if name.endswith(".bpmn"):
            raw = base64.b64decode(checksum)
            pd = rm.process_definition
            rows = conn.execute(
                select(pd.c.bpmn_process_id, pd.c.version, pd.c.process_definition_key)
                .where(pd.c.resource_name == name, pd.c.checksum.in_([checksum, raw.hex()]))
                .order_by(pd.c.version)
            ).all()
            if not rows:
                return None
            deployed += [
                {
                    "bpmn_process_id": r.bpmn_process_id,
                    "version": r.version,
                    "key": str(r.process_definition_key),
                    "resource_name": name,
                }
                for r in rows
            ]
        elif name.endswith(".form") and schemas.get(name) is not None:
            f = rm.form
            row = conn.execute(
                select(f.c.form_id, f.c.version, f.c.form_key)
                .where(f.c.resource_name == name, f.c.schema == cast(schemas[name], JSONB))
                .order_by(f.c.version.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            forms.append(
                {
                    "form_id": row.form_id,
                    "version": row.version,
                    "key": str(row.form_key),
                    "resource_name": name,
                }
            )
        else:  # DMN: decisions are not exported into the read model
            return None
    return {"deployment_key": None, "deployed": deployed, "decisions": [], "forms": forms}


def reconcile(conn: Connection) -> int:
    """Completes pending rows whose files the read model shows deployed; the number completed.
    Rows another request is completing are skipped (the caller commits)."""
    pending = conn.execute(
        select(deployment.c.id, deployment.c.result)
        .where(deployment.c.state == "pending")
        .order_by(deployment.c.deployed_at)
        .with_for_update(skip_locked=True)
    ).all()
    completed = 0
    for waiting in pending:
        found = _found(conn, waiting.result)
        if found is None:
            continue
        conn.execute(
            update(deployment)
            .where(deployment.c.id == waiting.id)
            .values(state="recorded", result={**found, "reconciled": True})
        )
        completed += 1
        log.info("deploy.record_reconciled", deployment_id=str(waiting.id))
    return completed

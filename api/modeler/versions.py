"""Deployed versions from the read model, the repository's own files, and the diff between them."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy import Connection, func, select, text

from api.modeler.checks import BPMN_NS, parse_xml
from api.modeler.tables import deployment
from api.projector import tables as rm

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {".bpmn": REPO / "bpmn", ".form": REPO / "forms", ".dmn": REPO / "bpmn"}


def processes(conn: Connection) -> list[dict[str, Any]]:
    d = rm.process_definition
    rows = conn.execute(
        select(
            d.c.bpmn_process_id,
            func.max(d.c.version).label("latest_version"),
            func.count().label("versions"),
            func.max(d.c.deployed_at).label("last_deployed_at"),
        )
        .group_by(d.c.bpmn_process_id)
        .order_by(d.c.bpmn_process_id)
    )
    return [dict(row._mapping) for row in rows]


def _deployers(conn: Connection) -> dict[str, dict[str, Any]]:
    """Process definition key -> who deployed it through the modeler (absent: make deploy)."""
    found: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        select(deployment.c.username, deployment.c.deployed_at, deployment.c.result)
    )
    for row in rows:
        for process in row.result.get("deployed", []):
            found[process["key"]] = {"username": row.username, "at": row.deployed_at}
    return found


def versions(conn: Connection, bpmn_process_id: str) -> list[dict[str, Any]]:
    d = rm.process_definition
    rows = conn.execute(
        select(d.c.process_definition_key, d.c.version, d.c.resource_name, d.c.deployed_at)
        .where(d.c.bpmn_process_id == bpmn_process_id)
        .order_by(d.c.version.desc())
    ).all()
    deployers = _deployers(conn) if rows else {}
    return [
        {
            "version": row.version,
            "key": str(row.process_definition_key),
            "resource_name": row.resource_name,
            "deployed_at": row.deployed_at,
            "deployed_by": deployers.get(str(row.process_definition_key), {}).get("username"),
        }
        for row in rows
    ]


def version_xml(conn: Connection, bpmn_process_id: str, version: int | None) -> Any:
    """The deployed resource of a version (the latest if version is None), or None."""
    d = rm.process_definition
    query = select(d.c.version, d.c.process_definition_key, d.c.resource_name, d.c.bpmn_xml).where(
        d.c.bpmn_process_id == bpmn_process_id
    )
    if version is None:
        query = query.order_by(d.c.version.desc())
    else:
        query = query.where(d.c.version == version)
    return conn.execute(query.limit(1)).first()


def latest_form(conn: Connection, form_id: str) -> Any:
    f = rm.form
    return conn.execute(
        select(f.c.version, f.c.form_key, f.c.schema)
        .where(f.c.form_id == form_id)
        .order_by(f.c.version.desc())
        .limit(1)
    ).first()


def deployed_form_ids(conn: Connection) -> set[str]:
    """Forms the engine has: from the read model, and from our own deployment records, which
    know a form the moment the engine accepted it (the read model follows a moment later, and
    a process deployed right after its form must not be refused for that)."""
    exported = set(conn.execute(select(rm.form.c.form_id).distinct()).scalars())
    recorded = conn.execute(
        text(
            "SELECT DISTINCT f->>'form_id' FROM deployment,"
            " jsonb_array_elements(COALESCE(result->'forms', '[]'::jsonb)) AS f"
            " WHERE state = 'recorded'"
        )
    ).scalars()
    return exported | {form_id for form_id in recorded if form_id}


def repository_files() -> list[str]:
    return sorted(
        path.name
        for suffix, folder in FOLDERS.items()
        if folder.is_dir()
        for path in folder.glob(f"*{suffix}")
    )


def repository_file(name: str) -> Path | None:
    """A file of bpmn/ or forms/ by its bare name; None for anything else (no paths)."""
    if name != Path(name).name or name not in repository_files():
        return None
    return FOLDERS[Path(name).suffix] / name


def process_ids(xml: bytes) -> list[str]:
    try:
        root = parse_xml(xml)
    except etree.XMLSyntaxError:
        return []
    return [p.get("id", "") for p in root.iter(f"{{{BPMN_NS}}}process")]


def _diff(deployed: str, current: str, deployed_label: str, current_label: str) -> str:
    return "".join(
        difflib.unified_diff(
            deployed.splitlines(keepends=True),
            current.splitlines(keepends=True),
            fromfile=deployed_label,
            tofile=current_label,
        )
    )


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def open_file(conn: Connection, name: str, path: Path) -> dict[str, Any]:
    """A repository file with what is deployed under its id and the diff against that."""
    content = path.read_text(encoding="utf-8")
    result: dict[str, Any] = {"name": name, "content": content, "deployed": None, "diff": None}
    if path.suffix == ".bpmn":
        ids = process_ids(content.encode("utf-8"))
        latest = version_xml(conn, ids[0], None) if ids else None
        if latest is not None:
            result["deployed"] = {
                "bpmn_process_id": ids[0],
                "version": latest.version,
                "key": str(latest.process_definition_key),
            }
            result["diff"] = _diff(
                latest.bpmn_xml, content, f"{ids[0]} v{latest.version} (udrullet)", f"bpmn/{name}"
            )
    elif path.suffix == ".form":
        form_id = json.loads(content).get("id")
        latest = latest_form(conn, form_id) if isinstance(form_id, str) else None
        if latest is not None:
            result["deployed"] = {
                "form_id": form_id,
                "version": latest.version,
                "key": str(latest.form_key),
            }
            # The read model keeps the schema as JSONB, which reorders keys: compare both sorted.
            deployed = _json(latest.schema)
            current = _json(json.loads(content))
            result["diff"] = _diff(
                deployed, current, f"{form_id} v{latest.version} (udrullet)", f"forms/{name}"
            )
    return result

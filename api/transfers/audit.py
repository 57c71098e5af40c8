"""Audit rows for what the system does to a case on its own (no user, no request)."""

from __future__ import annotations

import uuid

from sqlalchemy import Connection, insert

from api.audit.tables import audit_event


def record(conn: Connection, action: str, case_id: uuid.UUID, path: str) -> None:
    """One audit row: `action` on the case, by the system, with where it went or came from."""
    conn.execute(
        insert(audit_event).values(
            user_id=None,
            username="system",
            roles=[],
            municipality_id=None,
            action=action,
            method="SYSTEM",
            path=path,
            status_code=None,
            case_ids=[case_id],
        )
    )

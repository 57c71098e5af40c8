"""Closing a case (sagsafslutning): only without open indsatser or anbringelser, with the
reason the caseworker gives, and with the end events Danmarks Statistik will be sent."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import Connection, select, update

from api.cases.decisions import latest_document
from api.cases.statistics import note_event
from api.cases.tables import case, measure


def open_measures(conn: Connection, case_id: uuid.UUID) -> list[Any]:
    return list(
        conn.execute(
            select(measure.c.kind, measure.c.legal_basis, measure.c.started_on).where(
                measure.c.case_id == case_id, measure.c.ended_on.is_(None)
            )
        )
    )


class OpenMeasures(Exception):
    """The case still has an indsats or anbringelse that has not ended."""


def close(conn: Connection, case_id: uuid.UUID, today: date) -> str:
    """Close the case with the submitted reason; the DST end event is noted once."""
    if open_measures(conn, case_id):
        raise OpenMeasures
    reason = latest_document(conn, case_id, "sagsafslutning")["reason"]
    conn.execute(update(case).where(case.c.id == case_id).values(status="closed"))
    note_event(conn, case_id=case_id, subject="sag", event="end", occurred_on=today, code=reason)
    return str(reason)

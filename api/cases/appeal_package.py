"""The appeal package for Ankestyrelsen: the decision, the appeal, the genvurdering and the
whole case file, unredacted (Ankestyrelsen is the appeal body and sees the case as it is)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection, select

from api.cases import case_file
from api.cases.case_file import local_date
from api.cases.tables import appeal, case, letter
from api.documents.pdf import AppealPackage
from api.org.tables import municipality


def build(
    conn: Connection, case_id: uuid.UUID, decision_instance_key: int, now: datetime
) -> AppealPackage:
    head = conn.execute(
        select(case.c.case_number, municipality.c.name)
        .join(municipality, municipality.c.id == case.c.municipality_id)
        .where(case.c.id == case_id)
    ).one()
    received = conn.execute(
        select(appeal.c.received_at)
        .where(appeal.c.decision_instance_key == decision_instance_key)
        .order_by(appeal.c.received_at.desc())
    ).scalar()
    if received is None:
        raise LookupError("the decision has no registered appeal")
    delivered = conn.execute(
        select(letter.c.delivered_at).where(
            letter.c.case_id == case_id,
            letter.c.kind == "afgoerelse",
            letter.c.idempotency_key.like(f"afgoerelse-{decision_instance_key}-%"),
        )
    ).scalar()
    sources = case_file.sources(conn, case_id)
    decisions = [s for s in sources if s.kind == "afgoerelse"]
    reassessed = [s.at for s in sources if s.kind == "genvurdering" and s.at >= received]
    return AppealPackage(
        case_number=head.case_number,
        municipality=head.name,
        decision_title=decisions[-1].title if decisions else "Afgørelse",
        decision_date=local_date(delivered) if delivered else local_date(received),
        appeal_received=local_date(received),
        reassessment_date=local_date(reassessed[-1]) if reassessed else None,
        documents=[case_file.unredacted(s) for s in sources],
        generated_at=now,
    )

"""Sample Sag- og Dokumentstandard metadata for the SF2900 and SF1470 adapter tests."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from adapters.sagdok import SagDokCase, SagDokDocument
from api.testdata.cpr import synthetic_cpr

CHILD = synthetic_cpr("esdh-child", birth_date=date(2015, 4, 9))
IT_SYSTEM = "00000000-0000-4000-8000-0000000e5d40"


def sample_document(*, cpr: str | None = CHILD, **overrides: Any) -> SagDokDocument:
    """A journal note on a children's case (KLE 34.10.10, G01) of municipality 901."""
    case_fields = {
        key: overrides.pop(key)
        for key in ("kle_subject", "action_facet", "municipality_cvr")
        if key in overrides
    }
    case = SagDokCase(
        case_id=uuid.uuid4(),
        case_number="901-2026-00042",
        title="Børnesag 901-2026-00042",
        kle_subject="34.10.10",
        action_facet="G01",
        municipality_cvr="90100001",
        child_cpr=cpr,
        retention_code="B",
    )
    document = SagDokDocument(
        document_id=uuid.uuid4(),
        case=replace(case, **case_fields),
        title="Journalnotat om telefonsamtale",
        document_type="Notat",
        direction="Internt",
        letter_date=date(2026, 1, 5),
        registered_at=datetime(2026, 1, 5, 9, 30, tzinfo=UTC),
        filename="journalnotat.pdf",
        content=b"%PDF-1.7\n% sample\n",
    )
    return replace(document, **overrides)

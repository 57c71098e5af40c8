"""Calls to other systems made by a process are audited in the database, without personal
data, and the CPR lookup takes the production route: an OIOIDWS token from the (simulator)
STS, the call signed with the municipality's (TEST) certificate (infra/platform.py sets
BS_CPR_VARIANT=token)."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from adapters.sts.testcerts import ENTITY_IDS
from api.audit.tables import audit_event
from api.testdata.cpr import NOT_FOUND as CPR_NOT_FOUND
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_underretning import open_task, receive, report

DIGITS = re.compile(r"\d{6}-?\d{4}")


def adapter_rows(platform: Platform, case_id: str, action: str) -> list[Any]:
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(audit_event).where(
                    audit_event.c.action == action,
                    audit_event.c.case_ids.contains([uuid.UUID(case_id)]),
                )
            )
        )


def test_a_cpr_lookup_by_the_process_leaves_an_audit_row(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The underretning's CPR lookup (job cpr.lookup-person) writes one row naming the system,
    operation, job, case and outcome, and nothing of the person."""
    body = report()
    case_id = receive(caseworker, body)["case_id"]
    open_task(caseworker, case_id, "24-timers vurdering")  # the CPR lookup has answered
    rows = eventually(
        lambda: adapter_rows(platform, case_id, "adapter.sf1520.PersonLookup"),
        what="the audit row of the CPR lookup",
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.username, row.roles, row.method) == ("system", ["system"], "SOAP")
    assert (row.path, row.status_code) == ("job:cpr.lookup-person", 200)
    assert row.case_ids == [uuid.UUID(case_id)] and row.user_id is None
    text = json.dumps({key: str(value) for key, value in row._mapping.items()})
    assert body["child_cpr"] not in text and not DIGITS.search(text)


def test_a_lookup_cpr_does_not_answer_is_audited_as_not_found(
    platform: Platform, caseworker: ApiClient
) -> None:
    """CPR does not know the number (the diagram asks to identify the child): the row says 404,
    and the reserved number is not in it."""
    case_id = receive(caseworker, report(cpr=CPR_NOT_FOUND))["case_id"]
    open_task(caseworker, case_id, "Identificér barnet")
    (row,) = eventually(
        lambda: adapter_rows(platform, case_id, "adapter.sf1520.PersonLookup"),
        what="the audit row of the CPR lookup",
    )
    assert (row.path, row.status_code) == ("job:cpr.lookup-person", 404)
    text = json.dumps({key: str(value) for key, value in row._mapping.items()})
    assert CPR_NOT_FOUND not in text


def test_the_cpr_lookup_used_a_token_from_the_sts(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The simulator STS issued an assertion for SF1520's entity id to the TEST municipality
    certificate; SF1520 answered the signed call (the lookup above would have failed without)."""
    case_id = receive(caseworker, report())["case_id"]
    open_task(caseworker, case_id, "24-timers vurdering")
    sts = f"http://127.0.0.1:{platform.stack.ports.simulators}/sts/issued"
    issued = httpx.get(sts, timeout=10).json()
    notes = [note for note in issued if note["entity_id"] == ENTITY_IDS["sf1520"]]
    assert notes and all("TEST Kommune 901" in note["subject"] for note in notes)

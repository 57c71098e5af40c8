"""Afdækning (§ 19) and børnefaglig undersøgelse (§ 20), started from the underretning."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from api.calendar.months import months_deadline
from api.cases.tables import letter
from api.projector import tables as rm
from api.testdata.cpr import synthetic_child_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually

ASSESSMENT = {"acute_risk": "no", "assessment": "Bekymringen skal undersøges nærmere."}
TALK = {"held": "yes", "held_on": "2026-11-20", "summary": "Barnet fortalte om skolen og hjemmet."}
BFU = {
    "dim_skole": "Fravær 20 % i efteråret (skolens statusudtalelse).",
    "child_perspective": "Barnet vil gerne have mere ro derhjemme.",
    "analysis": "Forældrene er ressourcestærke, men belastede af sygdom.",
    "assessment": "Barnet har behov for støtte i hjemmet.",
}
NO_STATEMENTS = {"questions": "Trivsel, fravær og samarbejdet med forældrene.", "reply_days": 14}
# Two institutions; the CVR numbers are made up for the tests.
STATEMENTS = {
    **NO_STATEMENTS,
    "school_name": "Testskolen",
    "school_cvr": "10000001",
    "daycare_name": "Testfritidshjemmet",
    "daycare_cvr": "10000002",
}
EXEMPT_HEARING = {"material": "Undtaget efter § 19, stk. 2: afgørelsen haster.", "hearing_days": 0}
CONCLUSION = {"conclusion": "Barnet har behov for en fast kontaktperson."}


def investigate(client: ApiClient, case_id: str, recommendation: str) -> None:
    """The BFU's tasks in order, with no statusudtalelser and an exempt partshøring."""
    complete(client, task_named(client, case_id, "Indhent statusudtalelser"), NO_STATEMENTS)
    complete(client, task_named(client, case_id, "Børnesamtale"), TALK)
    complete(client, task_named(client, case_id, "Børnefaglig undersøgelse"), BFU)
    complete(client, task_named(client, case_id, "Partshøring"), EXEMPT_HEARING)
    complete(
        client,
        task_named(client, case_id, "Konklusion og anbefaling"),
        {**CONCLUSION, "recommendation": recommendation},
    )


def letters(platform: Platform, case_id: str, kind: str) -> list[Any]:
    with platform.db.connect() as conn:
        return list(
            conn.execute(
                select(letter)
                .where(letter.c.case_id == uuid.UUID(case_id), letter.c.kind == kind)
                .order_by(letter.c.delivered_at)
            )
        )


def open_tasks(client: ApiClient, case_id: str) -> set[str]:
    return {t["name"] for t in client.get("/api/tasks", case_id=case_id).json()}


def task_named(client: ApiClient, case_id: str, name: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        tasks = client.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == name), None)

    return eventually(find, what=f"task {name!r}")


def complete(client: ApiClient, task: dict[str, Any], data: dict[str, Any]) -> None:
    response = client.post(f"/api/tasks/{task['id']}/complete", data)
    assert response.status_code == 204, response.text


def start_underretning(
    client: ApiClient,
    outcome: str,
    received_at: datetime | None = None,
    child_cpr: str | None = None,
) -> tuple[str, datetime]:
    """Receive an underretning and decide its 24-hour assessment with `outcome`.

    Clock tests pass the engine's now as `received_at`; `child_cpr` is a synthetic child aged
    1 to 15 unless given."""
    received_at = received_at or datetime.now(UTC)
    created = client.post(
        "/api/underretninger",
        {
            "child_cpr": child_cpr or synthetic_child_cpr(uuid.uuid4().hex, received_at.date()),
            "received_at": received_at.isoformat(),
            "reporter_type": "private",
            "concern": "Barnet virker trist og indelukket.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    complete(
        client,
        task_named(client, case_id, "24-timers vurdering"),
        {**ASSESSMENT, "outcome": outcome},
    )
    return case_id, received_at


def instances(platform: Platform, case_id: str, bpmn_process_id: str) -> list[Any]:
    with platform.db.connect() as conn:
        keys = [
            k
            for (k,) in conn.execute(
                select(rm.variable.c.process_instance_key).where(
                    rm.variable.c.name == "caseId",
                    rm.variable.c.value == f'"{case_id}"',
                    rm.variable.c.scope_key == rm.variable.c.process_instance_key,
                )
            )
        ]
    found = [process_instance(platform.db, k) for k in keys]
    return [i for i in found if i is not None and i.bpmn_process_id == bpmn_process_id]


def test_bfu_runs_with_its_4_month_deadline(platform: Platform, caseworker: ApiClient) -> None:
    """Outcome BFU starts the investigation with D5 at 4 months from receipt; statusudtalelser
    and børnesamtale, then the BFU document, partshøring and the conclusion; the case page
    shows both processes and their deadlines."""
    case_id, received_at = start_underretning(caseworker, "bfu")
    talk = task_named(caseworker, case_id, "Børnesamtale")
    (bfu,) = eventually(lambda: instances(platform, case_id, "boernefaglig_undersoegelse"))
    timers = eventually(
        lambda: (
            {
                t.deadline_rule: t
                for t in rows(platform.db, rm.timer, process_instance_key=bfu.process_instance_key)
            }
            if len(rows(platform.db, rm.timer, process_instance_key=bfu.process_instance_key)) == 2
            else None
        )
    )
    assert timers["D5"].due_at == months_deadline(received_at, 4)
    # D5b reminders start 14 days after the D5 date (whole seconds in the engine's syntax).
    assert timers["D5b"].due_at == (months_deadline(received_at, 4) + timedelta(days=14)).replace(
        microsecond=0
    )
    assert talk["due_at"] is not None
    complete(caseworker, talk, TALK)
    complete(caseworker, task_named(caseworker, case_id, "Indhent statusudtalelser"), NO_STATEMENTS)
    document = task_named(caseworker, case_id, "Børnefaglig undersøgelse")
    assert caseworker.post(f"/api/tasks/{document['id']}/complete", {}).status_code == 422
    complete(caseworker, document, BFU)
    complete(caseworker, task_named(caseworker, case_id, "Partshøring"), EXEMPT_HEARING)
    conclusion = task_named(caseworker, case_id, "Konklusion og anbefaling")
    prefilled = caseworker.get(f"/api/tasks/{conclusion['id']}/form").json()
    assert prefilled["data"] == {"conclusion": BFU["assessment"]}
    refused = caseworker.post(f"/api/tasks/{conclusion['id']}/complete", CONCLUSION)
    assert refused.status_code == 422 and "recommendation" in refused.text
    complete(caseworker, conclusion, {**CONCLUSION, "recommendation": "stoettende_indsats"})
    eventually(lambda: process_instance(platform.db, bfu.process_instance_key).state == "COMPLETED")
    ends = {
        e.element_id
        for e in rows(
            platform.db, rm.element_instance, process_instance_key=bfu.process_instance_key
        )
    }
    assert "bfu_to_afgoerelse" in ends and "provisional_assessment" not in ends
    assert letters(platform, case_id, "partshoering") == [], "an exempt hearing sends nothing"

    def page_with_decision() -> dict[str, Any] | None:
        page = caseworker.get(f"/api/cases/{case_id}").json()
        started = {p["bpmn_process_id"] for p in page["processes"]}
        wanted = {"underretning", "boernefaglig_undersoegelse", "afgoerelse"}
        return page if wanted <= started else None

    page = eventually(page_with_decision, what="the decision process on the case page")
    states = {d["rule_id"]: d["state"] for d in page["deadlines"]}
    assert (states["D1"], states["D5"]) == ("met", "met")
    assert [h["state"] for h in page["hearings"]] == ["exempt"]


def test_bfu_waits_for_statusudtalelser_and_the_parties(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Statusudtalelser go to each institution's CVR by Digital Post; the BFU document waits
    until every reply is registered. The partshøring goes to the custody holders and ends
    early once every party has said its last word."""
    case_id, _ = start_underretning(caseworker, "bfu")
    complete(caseworker, task_named(caseworker, case_id, "Børnesamtale"), TALK)
    bad_cvr = {**STATEMENTS, "school_cvr": "1234"}
    task = task_named(caseworker, case_id, "Indhent statusudtalelser")
    refused = caseworker.post(f"/api/tasks/{task['id']}/complete", bad_cvr)
    assert refused.status_code == 422 and "school_cvr" in refused.text
    complete(caseworker, task, STATEMENTS)
    sent = eventually(
        lambda: (s := letters(platform, case_id, "statusudtalelse")) and len(s) == 2 and s
    )
    assert {s.recipient_kind for s in sent} == {"cvr"}

    def requests() -> list[dict[str, Any]]:
        page = caseworker.get(f"/api/cases/{case_id}").json()
        return sorted(page["statements"], key=lambda r: r["institution_kind"])

    daycare, school = requests()
    assert (daycare["status"], school["status"]) == ("requested", "requested")
    reply = {"received_at": datetime.now(UTC).isoformat(), "reply": "Barnet trives, men er træt."}
    answered = caseworker.post(f"/api/cases/{case_id}/statements/{school['id']}/reply", reply)
    assert answered.status_code == 200, answered.text
    again = caseworker.post(f"/api/cases/{case_id}/statements/{school['id']}/reply", reply)
    assert again.status_code == 409
    unknown = caseworker.post(f"/api/cases/{case_id}/statements/{uuid.uuid4()}/reply", reply)
    assert unknown.status_code == 404
    naive = {**reply, "received_at": datetime.now().replace(tzinfo=None).isoformat()}
    assert (
        caseworker.post(f"/api/cases/{case_id}/statements/{daycare['id']}/reply", naive).status_code
        == 422
    )
    platform.wait_projected()
    assert "Børnefaglig undersøgelse" not in open_tasks(caseworker, case_id), (
        "the BFU document waits for the daycare's statusudtalelse"
    )
    answered = caseworker.post(f"/api/cases/{case_id}/statements/{daycare['id']}/reply", reply)
    assert answered.status_code == 200, answered.text
    complete(caseworker, task_named(caseworker, case_id, "Børnefaglig undersøgelse"), BFU)
    assert [r["status"] for r in requests()] == ["answered", "answered"]

    material = "Udkast til undersøgelsen: barnet har behov for støtte i hjemmet."
    complete(
        caseworker,
        task_named(caseworker, case_id, "Partshøring"),
        {"material": material, "hearing_days": 10},
    )
    hearing = eventually(
        lambda: (h := caseworker.get(f"/api/cases/{case_id}").json()["hearings"]) and h[0]
    )
    assert hearing["state"] == "open" and hearing["parties"] >= 1
    assert len(eventually(lambda: letters(platform, case_id, "partshoering"))) == hearing["parties"]
    url = f"/api/cases/{case_id}/hearings/{hearing['id']}/responses"
    comment = {"received_at": datetime.now(UTC).isoformat(), "comments": "Vi er enige."}
    beyond = caseworker.post(url, {**comment, "party": hearing["parties"] + 1})
    assert beyond.status_code == 422
    for party in range(1, hearing["parties"] + 1):
        platform.wait_projected()
        assert "Konklusion og anbefaling" not in open_tasks(caseworker, case_id)
        answered = caseworker.post(url, {**comment, "party": party})
        assert answered.status_code == 201, answered.text
    assert answered.json() == {"hearing_closed": True}
    task_named(caseworker, case_id, "Konklusion og anbefaling")
    late = caseworker.post(url, {**comment, "party": 1})
    assert late.status_code == 409
    (hearing,) = caseworker.get(f"/api/cases/{case_id}").json()["hearings"]
    assert (hearing["state"], hearing["responses"]) == ("all_answered", hearing["parties"])


def test_afdaekning_can_lead_to_one_bfu(platform: Platform, caseworker: ApiClient) -> None:
    """Afdækning concluding 'undersøgelse' starts exactly one BFU on the same case."""
    case_id, _ = start_underretning(caseworker, "afdaekning")
    complete(
        caseworker,
        task_named(caseworker, case_id, "Afdækning"),
        {"findings": "Afdækningen viser behov for en grundig undersøgelse.", "conclusion": "bfu"},
    )
    task_named(caseworker, case_id, "Børnesamtale")
    platform.wait_projected()
    assert len(instances(platform, case_id, "boernefaglig_undersoegelse")) == 1
    (afdaekning,) = instances(platform, case_id, "afdaekning")
    assert afdaekning.state == "COMPLETED"


def test_afdaekning_closing_the_case_starts_nothing(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Afdækning concluding 'luk' ends there."""
    case_id, _ = start_underretning(caseworker, "afdaekning")
    complete(
        caseworker,
        task_named(caseworker, case_id, "Afdækning"),
        {"findings": "Ingen grund til yderligere bekymring.", "conclusion": "close"},
    )
    (afdaekning,) = eventually(
        lambda: [i for i in instances(platform, case_id, "afdaekning") if i.state == "COMPLETED"]
    )
    ends = {
        e.element_id
        for e in rows(
            platform.db, rm.element_instance, process_instance_key=afdaekning.process_instance_key
        )
    }
    assert "afdaekning_closed" in ends
    platform.wait_projected()
    assert instances(platform, case_id, "boernefaglig_undersoegelse") == []

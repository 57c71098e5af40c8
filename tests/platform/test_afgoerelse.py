"""The decision process: børnesamtale, partshøring, approval, letter, appeal window and appeals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from api.projector import tables as rm
from api.testdata.cpr import synthetic_cpr_of_age
from tests.harness.api import ApiClient
from tests.harness.digitalpost import sent_message
from tests.harness.platform import Platform
from tests.harness.readmodel import deadline_timer, process_instance, rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import (
    EXEMPT_HEARING,
    TALK,
    complete,
    instances,
    investigate,
    letters,
    open_tasks,
    start_underretning,
    task_named,
)

DECISION = {
    "decision": "grant",
    "legal_basis": "BL § 32, stk. 1, nr. 3",
    "main_facts": "Undersøgelsen viser behov for en fast kontaktperson.",
    "reasoning": "En kontaktperson kan støtte barnets skolegang og trivsel.",
    "decided_by": "kommune",
}


def to_decision(
    client: ApiClient,
    recommendation: str,
    hearing: dict[str, Any] | None = None,
    received_at: datetime | None = None,
    child_cpr: str | None = None,
) -> str:
    """Underretning → BFU recommending `recommendation` → the decision's first tasks (clock
    tests pass the engine's now as `received_at`)."""
    case_id, _ = start_underretning(client, "bfu", received_at, child_cpr)
    investigate(client, case_id, recommendation)
    complete(client, task_named(client, case_id, "Børnesamtale før afgørelse"), TALK)
    complete(client, task_named(client, case_id, "Partshøring"), hearing or EXEMPT_HEARING)
    return case_id


def test_decision_letter_appeal_genvurdering_and_ankestyrelsen(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The letter goes to the parties and opens a 4-week appeal window (D16); an appeal gets a
    genvurdering due in 4 weeks (D17); upheld, the package goes to Ankestyrelsen; the outcome
    is recorded."""
    case_id = to_decision(caseworker, "stoettende_indsats")
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)
    sent = eventually(lambda: letters(platform, case_id, "afgoerelse"), what="decision letter")
    assert {s.recipient_kind for s in sent} == {"cpr"}
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))
    key = decision.process_instance_key

    def timer(rule: str) -> Any:
        return next(
            (
                t
                for t in rows(platform.db, rm.timer, process_instance_key=key)
                if t.deadline_rule == rule
            ),
            None,
        )

    d16 = eventually(lambda: timer("D16"), what="appeal window")
    # The job has completed, so every party's letter is recorded by now.
    last_delivery = max(s.delivered_at for s in letters(platform, case_id, "afgoerelse"))
    # The engine keeps timer dates in milliseconds.
    expected = last_delivery + timedelta(weeks=4)
    assert d16.due_at == expected.replace(microsecond=expected.microsecond // 1000 * 1000)

    received = datetime.now(UTC)
    appealed = caseworker.post(
        f"/api/cases/{case_id}/appeals",
        {"decision_instance_key": str(key), "received_at": received.isoformat()},
    )
    assert appealed.status_code == 201, appealed.text
    reassess = task_named(caseworker, case_id, "Genvurdering af klage")
    d17 = eventually(lambda: timer("D17"))
    assert abs((d17.due_at - (received + timedelta(weeks=4))).total_seconds()) < 1
    assert eventually(lambda: timer("D16").state == "CANCELED")
    complete(caseworker, reassess, {"upheld": "yes", "reassessment": "Afgørelsen er rigtig."})
    (package,) = eventually(lambda: letters(platform, case_id, "klagepakke"))
    assert package.recipient_kind == "cvr"
    sent_package = sent_message(platform, package.message_id)
    assert "Dokumentliste:" in sent_package["body"]
    (pdf,) = sent_package["attachments"]
    assert pdf["media_type"] == "application/pdf" and pdf["content"].startswith(b"%PDF")
    # Every submitted document of the case is in the package, the genvurdering included.
    assert "Genvurdering" in sent_package["body"]
    complete(
        caseworker,
        task_named(caseworker, case_id, "Ankestyrelsens afgørelse"),
        {"appeal_outcome": "upheld", "follow_up": "Indsatsen fortsætter."},
    )
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    ends = {e.element_id for e in rows(platform.db, rm.element_instance, process_instance_key=key)}
    assert "appeal_decided" in ends and "decision_final" not in ends


def test_a_child_of_10_or_more_gets_its_own_letter(
    platform: Platform, caseworker: ApiClient
) -> None:
    """BL § 3: from 10 the child is a party and gets the decision with its own klagevejledning;
    not registered for Digital Post (CPR), the child's letter is a physical one with the CPR
    address, the custody holders' letters are Digital Post without one."""
    child = synthetic_cpr_of_age(uuid.uuid4().hex, 12, datetime.now(UTC).date())
    case_id = to_decision(caseworker, "stoettende_indsats", child_cpr=child)
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)
    sent = eventually(
        lambda: (
            len(letters(platform, case_id, "afgoerelse")) == 3
            and letters(platform, case_id, "afgoerelse")
        ),
        what="the letters to both custody holders and the child",
    )
    messages = {
        m["recipient"]["id"]: m for m in (sent_message(platform, s.message_id) for s in sent)
    }
    own = messages.pop(child)
    assert own["subject"] == "Afgørelse i din sag"
    assert "Du kan selv klage, fordi du er fyldt 10 år." in own["body"]
    assert own["channel"] == "Fysisk Post" and own["printed_address"]
    for parent in messages.values():
        assert parent["subject"] == "Afgørelse i sagen om dit barn"
        assert parent["channel"] == "Digital Post" and parent["printed_address"] is None
        assert parent["sender"]["name"] and parent["sender"]["cvr"] == "90100001"


def test_placement_decisions_need_the_leaders_approval(
    platform: Platform, caseworker: ApiClient, leader: ApiClient
) -> None:
    """The municipality's rule puts anbringelse before the team leader; a rejection sends the
    decision back to the caseworker, and only an approved decision is sent."""
    case_id = to_decision(caseworker, "anbringelse")
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)
    approval = task_named(leader, case_id, "Godkend afgørelse")
    assert approval["candidate_groups"] == ["901-modtagelse-ledere"]
    complete(leader, approval, {"approved": "no", "approval_comment": "Uddyb begrundelsen."})
    again = task_named(caseworker, case_id, "Afgørelse")
    assert letters(platform, case_id, "afgoerelse") == []
    complete(caseworker, again, DECISION)
    complete(leader, task_named(leader, case_id, "Godkend afgørelse"), {"approved": "yes"})
    eventually(lambda: letters(platform, case_id, "afgoerelse"), what="approved letter sent")


def test_an_appeal_must_name_a_decision_of_the_case(
    platform: Platform, caseworker: ApiClient
) -> None:
    """An appeal against an unknown decision is refused with a clear error."""
    case_id, _ = start_underretning(caseworker, "close")
    response = caseworker.post(
        f"/api/cases/{case_id}/appeals",
        {"decision_instance_key": "123", "received_at": datetime.now(UTC).isoformat()},
    )
    assert response.status_code == 422
    assert "ingen afgørelse" in response.json()["detail"]


def test_a_buu_decision_goes_straight_to_ankestyrelsen(
    platform: Platform, caseworker: ApiClient
) -> None:
    """An appeal of a Børn og Unge-udvalg decision skips the municipality's genvurdering."""
    case_id = to_decision(caseworker, "stoettende_indsats")
    complete(
        caseworker, task_named(caseworker, case_id, "Afgørelse"), {**DECISION, "decided_by": "buu"}
    )
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))
    key = decision.process_instance_key
    eventually(lambda: deadline_timer(platform.db, key, "D16"))
    appealed = caseworker.post(
        f"/api/cases/{case_id}/appeals",
        {"decision_instance_key": str(key), "received_at": datetime.now(UTC).isoformat()},
    )
    assert appealed.status_code == 201, appealed.text
    task_named(caseworker, case_id, "Ankestyrelsens afgørelse")
    eventually(lambda: letters(platform, case_id, "klagepakke"))
    names = {t["name"] for t in caseworker.get("/api/tasks", case_id=case_id).json()}
    assert "Genvurdering af klage" not in names


def test_the_decision_waits_for_the_parties_comments(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A partshøring before the decision goes to the custody holders; a comment that is not a
    party's last word keeps the hearing open, and the decision is drafted once every party has
    said its last word, before the period ends."""
    hearing_form = {"material": "Vi påtænker at bevilge en fast kontaktperson.", "hearing_days": 14}
    case_id = to_decision(caseworker, "stoettende_indsats", hearing_form)

    def open_hearing() -> dict[str, Any] | None:
        found = caseworker.get(f"/api/cases/{case_id}").json()["hearings"]
        return next((h for h in found if h["state"] == "open"), None)

    hearing = eventually(open_hearing, what="the decision's hearing")
    url = f"/api/cases/{case_id}/hearings/{hearing['id']}/responses"
    now = datetime.now(UTC).isoformat()
    first = caseworker.post(
        url, {"party": 1, "received_at": now, "comments": "Vi vender tilbage.", "final": False}
    )
    assert first.status_code == 201 and first.json() == {"hearing_closed": False}
    platform.wait_projected()
    assert "Afgørelse" not in open_tasks(caseworker, case_id)
    for party in range(1, hearing["parties"] + 1):
        done = caseworker.post(
            url, {"party": party, "received_at": now, "comments": "Ingen bemærkninger."}
        )
        assert done.status_code == 201, done.text
    assert done.json() == {"hearing_closed": True}
    task_named(caseworker, case_id, "Afgørelse")


def test_a_child_from_10_is_heard_with_a_letter_of_its_own(
    platform: Platform, caseworker: ApiClient
) -> None:
    """BL § 3: from 10 the child is a party; the partshøring goes to the child too, in words
    for a child, as the last party."""
    child = synthetic_cpr_of_age(uuid.uuid4().hex, 12, datetime.now(UTC).date())
    hearing_form = {"material": "Vi påtænker at bevilge en fast kontaktperson.", "hearing_days": 14}
    case_id = to_decision(caseworker, "stoettende_indsats", hearing_form, child_cpr=child)
    hearing = eventually(
        lambda: next(
            (
                h
                for h in caseworker.get(f"/api/cases/{case_id}").json()["hearings"]
                if h["state"] == "open"
            ),
            None,
        )
    )
    sent = eventually(
        lambda: (
            (found := letters(platform, case_id, "partshoering"))
            and len(found) == hearing["parties"]
            and found
        )
    )
    subjects = [sent_message(platform, s.message_id)["subject"] for s in sent]
    assert subjects.count("Din mening før kommunen beslutter") == 1
    parents = subjects.count("Partshøring: dine bemærkninger til sagen om dit barn")
    assert parents >= 1 and parents + 1 == hearing["parties"]

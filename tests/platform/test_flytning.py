"""Flytning (BL § 132): a CPR move event sends a summary and the case material to the new
municipality (D25), and the case is handed over."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from api.cases.moves import queue_move
from api.cases.placements import decision_variables
from api.projector import tables as rm
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_investigation import (
    complete,
    instances,
    letters,
    start_underretning,
    task_named,
)
from tests.platform.test_sagsafslutning import status_of

SUMMARY = {
    "summary": "Underretning om mistrivsel; undersøgelsen er i gang, børnesamtale holdt.",
    "open_decisions": "Ingen afgørelser endnu.",
}
HANDOVER = {"handover_date": "2026-11-24", "receiving_contact": "Team Syd, modtagelsen"}


def move(platform: Platform, case_id: str, to: str, event_id: str) -> None:
    """What the CPR event handler does when a child's family moves (issue: integrations)."""
    with platform.db.begin() as conn:
        variables = decision_variables(conn, uuid.UUID(case_id), datetime.now(UTC).date())
        queue_move(
            conn,
            case_id=uuid.UUID(case_id),
            variables=variables,
            new_municipality=to,
            moved_on=datetime.now(UTC).date(),
            event_id=event_id,
        )


def test_a_move_sends_the_case_to_the_new_municipality(
    platform: Platform, caseworker: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    event_id = uuid.uuid4().hex
    move(platform, case_id, "902", event_id)
    move(platform, case_id, "902", event_id)  # the same CPR event again: nothing new
    summary = task_named(caseworker, case_id, "Sagsresumé til den nye kommune")
    due = datetime.fromisoformat(summary["due_at"])
    assert abs(due - (datetime.now(UTC) + timedelta(days=7))) < timedelta(minutes=5)
    (moved,) = instances(platform, case_id, "flytning")
    timers = rows(platform.db, rm.timer, process_instance_key=moved.process_instance_key)
    assert [t.deadline_rule for t in timers] == ["D25"]
    complete(caseworker, summary, SUMMARY)
    # The package goes through SF2900 (tests/platform/test_case_transfer.py follows it there).
    sent = eventually(
        lambda: [
            p
            for p in caseworker.get(f"/api/cases/{case_id}/transfers").json()["sent"]
            if p["status"] == "sent"
        ]
    )
    assert [(p["to_municipality"], p["documents"] >= 2) for p in sent] == [("902", True)]
    assert letters(platform, case_id, "flytning") == []
    complete(
        caseworker, task_named(caseworker, case_id, "Overdragelse til den nye kommune"), HANDOVER
    )
    eventually(lambda: status_of(platform, case_id) == "transferred")
    events = caseworker.get(f"/api/cases/{case_id}").json()["statistics_events"]
    assert ("sag", "end", "flyttet") in {(e["subject"], e["event"], e["code"]) for e in events}
    assert len(instances(platform, case_id, "flytning")) == 1


def test_an_unknown_municipality_is_sent_to_by_hand(
    platform: Platform, caseworker: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    move(platform, case_id, "999", uuid.uuid4().hex)
    complete(caseworker, task_named(caseworker, case_id, "Sagsresumé til den nye kommune"), SUMMARY)
    manual = task_named(caseworker, case_id, "Send sagen manuelt til den nye kommune")
    assert letters(platform, case_id, "flytning") == []
    complete(
        caseworker,
        manual,
        {"sent_on": "2026-11-24", "how": "Sikker mail til kommunens børneteam efter aftale."},
    )
    complete(
        caseworker, task_named(caseworker, case_id, "Overdragelse til den nye kommune"), HANDOVER
    )
    eventually(lambda: status_of(platform, case_id) == "transferred")

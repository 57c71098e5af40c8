"""Ungestøtte (BL §§ 108-121): a placement starts it; the ungeplan from the 16th birthday
(D22), the decision prepared 6 months before the 18th birthday (D23) and taken through the one
decision process, and the end at the 23rd birthday (D24), all from the CPR birth date."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time
from typing import Any

from api.calendar.months import add_months
from api.calendar.working_days import COPENHAGEN
from api.cases.cpr import CprNumber
from api.cases.youth import birthday
from api.projector import tables as rm
from api.testdata.cpr import synthetic_cpr, synthetic_cpr_of_age
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_anbringelse import PLACEMENT, decide
from tests.platform.test_investigation import (
    EXEMPT_HEARING,
    TALK,
    complete,
    instances,
    investigate,
    start_underretning,
    task_named,
)

UNGEPLAN = {
    "wishes": "Vil gerne bo tæt på plejefamilien og blive tømrer.",
    "housing": "Egen lejlighed med støtte fra 18 år.",
    "education_work": "Erhvervsuddannelse som tømrer fra august.",
    "support_needed": ["contact_person", "udslusning"],
}
PREPARATION = {
    "young_person_view": "Den unge ønsker en fast kontaktperson efter det fyldte 18. år.",
    "proposed_support": ["contact_person"],
    "assessment": "Den unge har brug for støtte i overgangen til egen bolig og uddannelse.",
}


def youth_placement(
    client: ApiClient, leader: ApiClient, platform: Platform, cpr: str, received_at: datetime
) -> str:
    """A placement with consent of the child with `cpr`, as to_decision and decide run it."""
    case_id, _ = start_underretning(client, "bfu", received_at, child_cpr=cpr)
    investigate(client, case_id, "anbringelse")
    complete(client, task_named(client, case_id, "Børnesamtale før afgørelse"), TALK)
    complete(client, task_named(client, case_id, "Partshøring"), EXEMPT_HEARING)
    decide(platform, client, leader, case_id, PLACEMENT)
    return case_id


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=COPENHAGEN)


def timers(platform: Platform, key: int) -> dict[str, Any]:
    """Due date per deadline rule, whether the timer is waiting or has fired."""
    return {
        t.deadline_rule: t.due_at for t in rows(platform.db, rm.timer, process_instance_key=key)
    }


def root_variable(platform: Platform, key: int, name: str) -> Any:
    found = [
        v
        for v in rows(platform.db, rm.variable, process_instance_key=key, name=name)
        if v.scope_key == key
    ]
    return json.loads(found[0].value) if found else None


def test_placement_starts_ungestoette_from_the_birthdays(
    platform: Platform, caseworker: ApiClient, leader: ApiClient
) -> None:
    """A 16-year-old's placement starts ungestøtte: the ungeplan is due at once (D22 has
    passed), the preparation carries D23, and its end starts a second decision with the
    recommendation "ungestoette" before the waits for the 18th and 23rd birthdays (D23, D24)."""
    now = datetime.now(COPENHAGEN)
    cpr = synthetic_cpr_of_age(uuid.uuid4().hex, 16, now.date())
    born = CprNumber(cpr).birth_date
    case_id = youth_placement(caseworker, leader, platform, cpr, now)
    (youth,) = eventually(lambda: instances(platform, case_id, "ungestoette"))
    key = youth.process_instance_key

    plan = task_named(caseworker, case_id, "Ungeplan: overgangen til voksenlivet")
    assert eventually(lambda: timers(platform, key).get("D22")) == start_of(birthday(born, 16))
    refused = caseworker.post(f"/api/tasks/{plan['id']}/complete", {**UNGEPLAN, "housing": ""})
    assert refused.status_code == 422 and "housing" in refused.text
    complete(caseworker, plan, UNGEPLAN)

    prepare = task_named(caseworker, case_id, "Forbered afgørelse om ungestøtte")
    # D23 as the catalogue says: the 18th birthday minus 6 months.
    decision_due = start_of(add_months(birthday(born, 18), -6))
    assert eventually(lambda: timers(platform, key).get("D23")) == decision_due
    assert datetime.fromisoformat(prepare["due_at"]) == decision_due
    assert len(instances(platform, case_id, "afgoerelse")) == 1
    complete(caseworker, prepare, PREPARATION)

    def started_by_youth() -> Any:
        return next(
            (
                d
                for d in instances(platform, case_id, "afgoerelse")
                if root_variable(platform, d.process_instance_key, "startedByInstance") == str(key)
            ),
            None,
        )

    started = eventually(started_by_youth, what="the ungestøtte decision")
    assert len(instances(platform, case_id, "afgoerelse")) == 2
    recommendation = root_variable(platform, started.process_instance_key, "recommendation")
    assert recommendation == "ungestoette"
    task_named(caseworker, case_id, "Børnesamtale før afgørelse")
    # Then the 18th birthday ends the placement (D23); the 23rd ends everything (D24, clock test).
    adult = start_of(birthday(born, 18))
    assert eventually(lambda: timers(platform, key).get("D23") == adult)
    assert root_variable(platform, key, "recommendation") == "ungestoette"


def test_an_unborn_child_cannot_start_ungestoette(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Without a CPR number there is no birthday: the dates job fails with a clear reason
    (an incident an operator retries once the child is born)."""
    mother = synthetic_cpr(uuid.uuid4().hex, birth_date=date(1994, 5, 6), female=True)
    created = caseworker.post(
        "/api/underretninger",
        {
            "unborn": True,
            "mother_cpr": mother,
            "received_at": datetime.now(COPENHAGEN).isoformat(),
            "reporter_type": "private",
            "concern": "Den gravide mor har et stort misbrug.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    platform.engine.publish(
        "ungestoette-start",
        case_id,
        {
            "caseId": case_id,
            "municipalityId": "901",
            "dutyGroup": "901-modtagelse",
            "leaderGroup": "901-modtagelse-ledere",
            "ruleSet": "2024.1",
        },
    )
    (youth,) = eventually(lambda: instances(platform, case_id, "ungestoette"))
    incident = eventually(
        lambda: next(
            iter(rows(platform.db, rm.incident, process_instance_key=youth.process_instance_key)),
            None,
        ),
        what="incident on the dates job",
    )
    assert incident.element_id == "compute_youth_dates"
    assert "ufødt barn" in incident.error_message and "unborn child" in incident.error_message

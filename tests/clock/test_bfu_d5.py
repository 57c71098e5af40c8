"""D5 (BL § 20 stk. 3): a BFU not done after 4 months asks for a foreløbig vurdering."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from api.cases.tables import advis
from api.testdata.cpr import synthetic_cpr
from tests.clock.test_timers import wait_until_idle
from tests.harness.api import ApiClient
from tests.harness.engine import EngineClock
from tests.harness.platform import Platform
from tests.harness.waiting import eventually

pytestmark = pytest.mark.clock


def test_missed_4_months_raise_advis_and_foreloebig_vurdering(
    clock_platform: Platform, clock: EngineClock
) -> None:
    """The investigation stays open; the leader gets one advis and one task asking why; the
    caseworker is asked for a foreløbig vurdering; the case page shows D5 as breached."""
    platform = clock_platform
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker")
    created = client.post(
        "/api/underretninger",
        {
            "child_cpr": synthetic_cpr(uuid.uuid4().hex),
            "received_at": clock.now().isoformat(),
            "reporter_type": "anonymous",
            "concern": "Barnet passer sine små søskende om natten.",
        },
    )
    case_id = created.json()["case_id"]

    def task(name: str) -> dict | None:
        tasks = client.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == name), None)

    assessment = eventually(lambda: task("24-timers vurdering"))
    done = client.post(
        f"/api/tasks/{assessment['id']}/complete",
        {
            "acute_risk": "no",
            "assessment": "Skal undersøges grundigt.",
            "outcome": "bfu",
        },
    )
    assert done.status_code == 204, done.text
    eventually(lambda: task("Børnesamtale"))
    wait_until_idle(platform)
    clock.advance(timedelta(days=124))

    eventually(lambda: task("Foreløbig vurdering"), what="foreløbig vurdering requested")
    leader = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "leader")
    reason = eventually(
        lambda: [
            t
            for t in leader.get("/api/tasks", case_id=case_id).json()
            if t["name"] == "Årsag til overskredet 4-måneders frist"
        ]
    )
    assert reason[0]["candidate_groups"] == ["901-modtagelse-ledere"]
    leader.close()
    assert task("Børnesamtale") is not None, "the investigation itself goes on"
    with platform.db.connect() as conn:
        raised = (
            conn.execute(select(advis.c.rule_id).where(advis.c.case_id == uuid.UUID(case_id)))
            .scalars()
            .all()
        )
    assert "D5" in raised
    deadlines = {
        d["rule_id"]: d["state"] for d in client.get(f"/api/cases/{case_id}").json()["deadlines"]
    }
    assert deadlines["D5"] == "breached" and deadlines["D1"] == "met"
    client.close()


def test_reminders_every_14_days_after_the_breach_until_the_bfu_is_done(
    clock_platform: Platform, clock: EngineClock
) -> None:
    """D5b: 14 and 28 days after the 4-month deadline the leader is reminded; once the BFU is
    done the reminders stop."""
    platform = clock_platform
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker")
    created = client.post(
        "/api/underretninger",
        {
            "child_cpr": synthetic_cpr(uuid.uuid4().hex),
            "received_at": clock.now().isoformat(),
            "reporter_type": "anonymous",
            "concern": "Barnet er ofte alene hjemme om aftenen.",
        },
    )
    case_id = created.json()["case_id"]

    def task(name: str) -> dict | None:
        tasks = client.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == name), None)

    def reminders() -> list[str]:
        with platform.db.connect() as conn:
            return list(
                conn.execute(
                    select(advis.c.kind).where(
                        advis.c.case_id == uuid.UUID(case_id), advis.c.rule_id == "D5b"
                    )
                ).scalars()
            )

    assessment = eventually(lambda: task("24-timers vurdering"))
    client.post(
        f"/api/tasks/{assessment['id']}/complete",
        {"acute_risk": "no", "assessment": "Skal undersøges grundigt.", "outcome": "bfu"},
    )
    talk = eventually(lambda: task("Børnesamtale"))
    wait_until_idle(platform)
    clock.advance(timedelta(days=124))
    eventually(lambda: task("Foreløbig vurdering"))
    wait_until_idle(platform)
    assert reminders() == []
    clock.advance(timedelta(days=15))
    eventually(lambda: len(reminders()) == 1, what="first reminder")
    wait_until_idle(platform)
    clock.advance(timedelta(days=14))
    eventually(lambda: len(reminders()) == 2, what="second reminder")

    assert (
        client.post(
            f"/api/tasks/{talk['id']}/complete",
            {"held": "yes", "held_on": "2026-11-20", "summary": "Barnet ønsker hjælp til lektier."},
        ).status_code
        == 204
    )
    document = eventually(lambda: task("Børnefaglig undersøgelse"))
    assert (
        client.post(
            f"/api/tasks/{document['id']}/complete",
            {
                "child_perspective": "Barnet vil gerne have voksne omkring sig.",
                "analysis": "Forældrene arbejder om aftenen; netværket er lille.",
                "conclusion": "Støtte i hjemmet og en kontaktperson.",
                "recommendation": "none",
            },
        ).status_code
        == 204
    )
    eventually(lambda: task("Børnefaglig undersøgelse") is None)
    wait_until_idle(platform)
    clock.advance(timedelta(days=15))
    wait_until_idle(platform)
    assert len(reminders()) == 2, "no reminder after the investigation ended"
    client.close()

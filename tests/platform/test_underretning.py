"""The underretning process end to end, through the JSON API, on the real engine."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from api.cases.tables import case, form_document, letter, underretning
from api.projector import tables as rm
from api.testdata.cpr import NOT_FOUND as CPR_NOT_FOUND
from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import process_instance, rows
from tests.harness.waiting import eventually

DUTY_901 = "901-modtagelse"


def report(cpr: str | None = None, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "child_cpr": cpr or synthetic_cpr(uuid.uuid4().hex),
        "received_at": datetime.now(UTC).isoformat(),
        "reporter_type": "private",
        "concern": "Naboen hører ofte råb og gråd om natten.",
    }
    body.update(overrides)
    return body


def receive(client: ApiClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/underretninger", body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def open_task(client: ApiClient, case_id: str, name: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        tasks = client.get("/api/tasks", case_id=case_id).json()
        return next((t for t in tasks if t["name"] == name), None)

    return eventually(find, what=f"task {name!r} on case {case_id}")


def instance_key(platform: Platform, underretning_id: str) -> int:
    def find() -> int | None:
        with platform.db.connect() as conn:
            return conn.execute(
                select(rm.variable.c.process_instance_key).where(
                    rm.variable.c.name == "underretningId",
                    rm.variable.c.value == f'"{underretning_id}"',
                )
            ).scalar()

    return int(eventually(find, what="instance started"))


def ended_at(platform: Platform, key: int) -> set[str]:
    eventually(lambda: process_instance(platform.db, key).state == "COMPLETED")
    return {
        e.element_id
        for e in rows(platform.db, rm.element_instance, process_instance_key=key)
        if e.element_type == "END_EVENT"
    }


ASSESSMENT = {"acute_risk": "no", "assessment": "Skolen beskriver et trygt barn i trivsel."}


@pytest.mark.parametrize(
    ("outcome", "end_event"),
    [
        ("close", "closed_with_reason"),
        ("afdaekning", "to_afdaekning"),
        ("bfu", "to_boernefaglig_undersoegelse"),
        ("acute", "to_acute_action"),
    ],
)
def test_receive_assess_and_route_every_outcome(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, outcome: str, end_event: str
) -> None:
    """Receive; the 24-hour task waits in the duty queue with its deadline; claim, complete,
    and the instance ends at the outcome's end event."""
    received = receive(caseworker, report())
    case_id = received["case_id"]
    task = open_task(caseworker, case_id, "24-timers vurdering")
    assert task["candidate_groups"] == [DUTY_901]
    assert task["form_id"] == "underretning_vurdering"
    queue = caseworker.get("/api/tasks", candidate_group=DUTY_901).json()
    assert task["id"] in {t["id"] for t in queue}

    case_page = caseworker.get(f"/api/cases/{case_id}").json()
    assert case_page["child"]["cpr_status"] == "found" and case_page["child"]["name"]
    (d1,) = [d for d in case_page["deadlines"] if d["rule_id"] == "D1"]
    assert (d1["label"], d1["basis"], d1["state"]) == (
        "24-timers vurdering af underretning",
        "BL § 136",
        "open",
    )

    assert caseworker.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    taken = leader.post(f"/api/tasks/{task['id']}/claim")
    assert taken.status_code == 409 and "taget" in taken.json()["detail"]

    done = caseworker.post(f"/api/tasks/{task['id']}/complete", {**ASSESSMENT, "outcome": outcome})
    assert done.status_code == 204, done.text
    key = int(task["process_instance_key"])
    assert end_event in ended_at(platform, key)


def test_invalid_and_duplicate_submissions(platform: Platform, caseworker: ApiClient) -> None:
    """A submission that fails validation gets field errors and changes nothing; a second
    submission after completion is a repeat (204) if it is the same, else 409, and there is one
    document."""
    received = receive(caseworker, report())
    task = open_task(caseworker, received["case_id"], "24-timers vurdering")
    bad = caseworker.post(f"/api/tasks/{task['id']}/complete", {"outcome": "adoption"})
    assert bad.status_code == 422
    assert set(bad.json()["detail"]["fields"]) == {"outcome", "assessment", "acute_risk"}
    with platform.db.connect() as conn:
        assert not conn.execute(
            select(form_document).where(form_document.c.user_task_key == int(task["id"]))
        ).first()
    good = {**ASSESSMENT, "outcome": "close"}
    assert caseworker.post(f"/api/tasks/{task['id']}/complete", good).status_code == 204
    eventually(
        lambda: (
            rows(platform.db, rm.user_task, user_task_key=int(task["id"]))[0].state == "COMPLETED"
        )
    )
    # The same submission again (a double click, a retry) is a repeat: answered alike.
    assert caseworker.post(f"/api/tasks/{task['id']}/complete", good).status_code == 204
    # Anything else after completion is refused.
    changed = caseworker.post(
        f"/api/tasks/{task['id']}/complete", {**good, "assessment": "Noget andet."}
    )
    assert changed.status_code == 409
    with platform.db.connect() as conn:
        docs = conn.execute(
            select(form_document).where(form_document.c.user_task_key == int(task["id"]))
        ).fetchall()
    assert [d.status for d in docs] == ["submitted"]


def test_invalid_intake_writes_nothing(platform: Platform, caseworker: ApiClient) -> None:
    """Bad input gets field errors and no row anywhere."""
    with platform.db.connect() as conn:
        before = conn.execute(select(func.count()).select_from(underretning)).scalar()
    for body in (
        report(cpr="3102991234"),  # no 31 February
        report(received_at="2026-11-23T10:00:00"),  # no time zone
        report(reporter_type="professional"),  # a professional must name the workplace
        {**report(), "child_cpr": None},
        {**report(), "unborn": True},  # an unborn child needs the mother's CPR number
    ):
        response = caseworker.post("/api/underretninger", body)
        assert response.status_code == 422, body
    with platform.db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(underretning)).scalar() == before


def test_professional_reporter_gets_kvittering_with_d2_deadline(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A professional's report is receipted through Digital Post; D2 is 6 hverdage out."""
    received_at = datetime(2026, 12, 21, 9, 30, tzinfo=UTC)  # Monday before Christmas
    received = receive(
        caseworker,
        report(
            received_at=received_at.isoformat(),
            reporter_type="professional",
            reporter_organisation="Skolen ved Søen",
            reporter_email="leder@skolen.example",
        ),
    )
    key = instance_key(platform, received["underretning_id"])

    def sent() -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(letter).where(letter.c.case_id == uuid.UUID(received["case_id"]))
            ).first()

    assert eventually(sent).kind == "kvittering"
    timers = {t.deadline_rule: t for t in rows(platform.db, rm.timer, process_instance_key=key)}
    # Day 0 is Mon 21 Dec. Hverdage: 22, 23, 28, 29, 30 Dec and 4 Jan (24, 25 and 31 Dec and
    # 1 Jan are closed). The deadline is midnight after Mon 4 Jan, Copenhagen time (UTC+1).
    assert timers["D2"].due_at == datetime(2027, 1, 4, 23, 0, tzinfo=UTC)
    assert timers["D1"].due_at == received_at + timedelta(hours=24)


def test_cpr_not_found_leads_to_identify_the_child(
    platform: Platform, caseworker: ApiClient
) -> None:
    """An unknown CPR number raises a BPMN error; identifying the child resumes the flow."""
    received = receive(caseworker, report(cpr=CPR_NOT_FOUND))
    case_id = received["case_id"]
    identify = open_task(caseworker, case_id, "Identificér barnet")
    assert caseworker.get(f"/api/cases/{case_id}").json()["child"]["cpr_status"] == "not_found"
    real = synthetic_cpr(uuid.uuid4().hex)
    done = caseworker.post(f"/api/tasks/{identify['id']}/complete", {"child_cpr": real})
    assert done.status_code == 204, done.text
    open_task(caseworker, case_id, "24-timers vurdering")
    child = caseworker.get(f"/api/cases/{case_id}").json()["child"]
    assert child["cpr_status"] == "found" and child["cpr"] == real


def test_unborn_child_is_received_on_the_mothers_cpr(
    platform: Platform, caseworker: ApiClient
) -> None:
    """An underretning before birth opens a case on the unborn child, linked to the mother."""
    mother = synthetic_cpr(uuid.uuid4().hex, female=True)
    received = receive(
        caseworker,
        {
            **report(),
            "child_cpr": None,
            "unborn": True,
            "mother_cpr": mother,
            "expected_birth_date": "2027-03-01",
        },
    )
    open_task(caseworker, received["case_id"], "24-timers vurdering")
    child = caseworker.get(f"/api/cases/{received['case_id']}").json()["child"]
    assert child["unborn"] is True and child["expected_birth_date"] == "2027-03-01"
    with platform.db.connect() as conn:
        assert (
            conn.execute(
                select(case.c.kle_subject).where(case.c.id == uuid.UUID(received["case_id"]))
            ).scalar()
            == "34.10.10"
        )


def test_readme_walk_runs(platform: Platform) -> None:
    """The README's walk script goes from intake to the next step on a running stack."""
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.walk",
            "--base-url",
            f"http://127.0.0.1:{platform.stack.ports.api}",
            "--simulators-url",
            f"http://127.0.0.1:{platform.stack.ports.simulators}",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5. processen gik videre til 'Til afdækning'" in result.stdout
    assert "frist D1" in result.stdout
    assert "FK-ØKO: udbetalingen for" in result.stdout, result.stdout
    for step in (
        "6. CPR (SF1520)",
        "7. Digital Post",
        "8. ESDH",
        "9. CPR-hændelse",
        "10. SF2900",
        "11. Demo Syd Kommune",
        "12. sagen er overtaget",
    ):
        assert step in result.stdout, result.stdout
    assert "Danmarks Statistik: levering 901-" in result.stdout


def test_repeat_concern_flags_the_case(platform: Platform, caseworker: ApiClient) -> None:
    """A second report about the same child within 7 days flags the case; one alone does not."""
    child = synthetic_cpr(uuid.uuid4().hex)
    first = receive(caseworker, report(cpr=child))
    assert caseworker.get(f"/api/cases/{first['case_id']}").json()["flags"] == []
    second = receive(caseworker, report(cpr=child))
    assert second["case_id"] == first["case_id"], "one case per child and KLE subject"
    assert caseworker.get(f"/api/cases/{first['case_id']}").json()["flags"] == [
        "gentagen_bekymring"
    ]
    receive(caseworker, report(cpr=child))
    assert caseworker.get(f"/api/cases/{first['case_id']}").json()["flags"] == [
        "gentagen_bekymring"
    ]


def test_rule_catalogue_lists_every_rule_with_its_basis(caseworker: ApiClient) -> None:
    """GET /api/rules: D1..D27 with label, legal basis, hard/soft and computation, versioned."""
    rules = {r["id"]: r for r in caseworker.get("/api/rules").json()}
    assert {f"D{n}" for n in range(1, 28)} <= set(rules)
    assert rules["D1"]["basis"] == "BL § 136" and rules["D1"]["hard"] is True
    assert rules["D3"]["hard"] is False
    assert all(
        r["rule_set"] == "2024.1" and r["valid_from"] == "2024-01-01" for r in rules.values()
    )


def test_abuse_report_requires_a_conversation_with_the_child(
    platform: Platform, caseworker: ApiClient
) -> None:
    """After the 24-hour assessment of an abuse report, the outcome waits for the børnesamtale
    (held, or omitted with a reason); other reports go straight on."""
    received = receive(caseworker, report(concerns_abuse=True))
    case_id = received["case_id"]
    task = open_task(caseworker, case_id, "24-timers vurdering")
    done = caseworker.post(f"/api/tasks/{task['id']}/complete", {**ASSESSMENT, "outcome": "bfu"})
    assert done.status_code == 204, done.text
    talk = open_task(caseworker, case_id, "Samtale med barnet")
    key = int(talk["process_instance_key"])
    assert process_instance(platform.db, key).state == "ACTIVE"
    missing_reason = caseworker.post(f"/api/tasks/{talk['id']}/complete", {"held": "omitted"})
    assert missing_reason.status_code == 422
    assert "summary" in missing_reason.json()["detail"]["fields"]
    held = caseworker.post(
        f"/api/tasks/{talk['id']}/complete",
        {
            "held": "yes",
            "held_on": "2026-11-23",
            "summary": "Barnet fortalte om forholdene hjemme.",
        },
    )
    assert held.status_code == 204, held.text
    assert "to_boernefaglig_undersoegelse" in ended_at(platform, key)


def test_professional_reporter_is_told_whether_something_was_started(
    platform: Platform, caseworker: ApiClient
) -> None:
    """After the decision a professional reporter gets an orientation (D3, soft, 14 days): that
    an investigation was started, and nothing more."""
    received = receive(
        caseworker,
        report(
            reporter_type="professional",
            reporter_organisation="Børnehaven Mælkebøtten",
            reporter_email="leder@boernehaven.example",
        ),
    )
    case_id = received["case_id"]
    task = open_task(caseworker, case_id, "24-timers vurdering")
    done = caseworker.post(f"/api/tasks/{task['id']}/complete", {**ASSESSMENT, "outcome": "bfu"})
    assert done.status_code == 204, done.text

    def orientation() -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(letter).where(
                    letter.c.case_id == uuid.UUID(case_id), letter.c.kind == "orientering"
                )
            ).first()

    assert eventually(orientation).recipient_kind == "email"
    key = int(task["process_instance_key"])
    d3 = eventually(
        lambda: [
            t
            for t in rows(platform.db, rm.timer, process_instance_key=key)
            if t.deadline_rule == "D3" and t.state == "CANCELED"
        ]
    )
    with platform.db.connect() as conn:
        decided_at = conn.execute(
            select(form_document.c.saved_at).where(form_document.c.user_task_key == int(task["id"]))
        ).scalar()
    assert d3[0].due_at == decided_at.replace(
        microsecond=decided_at.microsecond // 1000 * 1000
    ) + timedelta(days=14)
    deadlines = {
        d["rule_id"]: d for d in caseworker.get(f"/api/cases/{case_id}").json()["deadlines"]
    }
    assert deadlines["D3"]["state"] == "met" and deadlines["D3"]["hard"] is False

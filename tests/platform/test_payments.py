"""Grants and payments on the real engine: a § 32 decision makes a grant, three periods are
posted at the FK-ØKO simulator and matched, a price change revises the forecast; a payment
over the threshold waits for a leader; FK-ØKO down or late never pays twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from adapters.fkoeko import FkOekoClient, FkOekoSettings, Posted
from adapters.fkoeko.client import CREDENTIAL_HEADER, TEST_CREDENTIAL
from api.calendar.months import add_months
from api.calendar.working_days import COPENHAGEN
from api.finance.projection import month_of, next_month
from api.projector import tables as rm
from api.testdata.cpr import synthetic_cpr
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_integration_faults import resolve
from tests.platform.test_investigation import complete, instances, task_named

CONTACT = {
    "indsats_type": "kontaktperson",
    "provider_type": "privat",
    "provider_name": "Kontaktpersonordningen ApS (syntetisk)",
    "provider_cvr": "29100001",
    "price": 12500,
    "price_unit": "maaned",
}


@pytest.fixture(scope="module")
def finance(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "finance")
    yield client
    client.close()


def fkoeko(platform: Platform) -> FkOekoClient:
    base = f"http://127.0.0.1:{platform.stack.ports.simulators}/fkoeko"
    return FkOekoClient(FkOekoSettings(endpoint=base))


def faults(platform: Platform, **wanted: float) -> None:
    answer = httpx.post(
        f"http://127.0.0.1:{platform.stack.ports.simulators}/fkoeko/faults",
        json=wanted,
        headers={CREDENTIAL_HEADER: TEST_CREDENTIAL},
        timeout=5,
    )
    assert answer.status_code == 200, answer.text


def granted(
    client: ApiClient, fields: dict[str, Any], received_at: datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """A granted § 32 decision carrying the grant fields, and the grant it made (clock tests
    pass the engine's now as `received_at`)."""
    case_id = to_decision(client, "stoettende_indsats", received_at=received_at)
    today = (received_at or datetime.now(UTC)).astimezone(COPENHAGEN).date()
    ends = add_months(today, 12).isoformat()
    complete(
        client,
        task_named(client, case_id, "Afgørelse"),
        {**DECISION, **fields, "grant_expected_end": ends},
    )

    (grant,) = eventually(lambda: grants_of(client, case_id), what="the grant")
    return case_id, grant


def grants_of(client: ApiClient, case_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/cases/{case_id}/grants").json())


def grant_now(client: ApiClient, case_id: str) -> dict[str, Any]:
    (grant,) = grants_of(client, case_id)
    return grant


def run(finance: ApiClient, period: date) -> None:
    started = finance.post("/api/payments/runs", {"period": f"{period:%Y-%m}"})
    assert started.status_code == 202, started.text


def payment(client: ApiClient, case_id: str, period: date, status: str) -> dict[str, Any]:
    def find() -> dict[str, Any]:
        paid = grant_now(client, case_id)["payments"]
        found = [p for p in paid if p["period"] == f"{period:%Y-%m}" and p["status"] == status]
        assert found, paid
        return dict(found[0])

    return eventually(find, timeout=90, what=f"payment {period:%Y-%m} {status}")


def booked(platform: Platform, grant_id: str) -> list[Posted]:
    return fkoeko(platform).posted(grant_id)


def test_a_grant_is_paid_for_three_periods_and_a_price_change_revises_the_forecast(
    platform: Platform, caseworker: ApiClient, finance: ApiClient
) -> None:
    case_id, grant = granted(caseworker, CONTACT)
    assert grant["kontostreng"] == {"funktion": "5.28.21", "dranst": "1", "art": "4.9"}
    assert grant["component"] == "ydelse" and grant["creditor_kind"] == "CVR"
    projected = {p["month"]: Decimal(p["amount"]) for p in grant["projection"]}
    first = month_of(date.fromisoformat(grant["revisions"][0]["starts_on"]))
    periods = [first, next_month(first), next_month(next_month(first))]
    for period in periods:
        run(finance, period)
        paid = payment(caseworker, case_id, period, "matched")
        assert Decimal(paid["amount"]) == projected[f"{period:%Y-%m}"]
        assert paid["posted_amount"] == paid["amount"] and paid["reference"]
    postings = booked(platform, grant["id"])
    assert sorted(p.posting_date for p in postings) == periods
    assert sum(p.amount for p in postings) == sum(projected[f"{p:%Y-%m}"] for p in periods)
    assert projected[f"{periods[1]:%Y-%m}"] == Decimal("12500.00")

    # A second run for a paid period pays nothing again.
    run(finance, periods[2])
    fourth = next_month(periods[2])
    run(finance, fourth)
    payment(caseworker, case_id, fourth, "matched")
    assert len(booked(platform, grant["id"])) == 4

    # A price change cannot reach back into a paid month ...
    refused = caseworker.post(
        f"/api/grants/{grant['id']}/revisions",
        {"effective_from": periods[2].isoformat(), "price": "14000", "reason": "Ny takst"},
    )
    assert refused.status_code == 422 and "allerede udbetalt" in refused.text
    # ... and revises the forecast from the next one, keeping the history.
    changed_from = next_month(fourth)
    revised = caseworker.post(
        f"/api/grants/{grant['id']}/revisions",
        {"effective_from": changed_from.isoformat(), "price": "14000", "reason": "Ny takst"},
    )
    assert revised.status_code == 201, revised.text
    now = grant_now(caseworker, case_id)
    assert [r["price"] for r in now["revisions"]] == ["12500.00", "14000.00"]
    after = {p["month"]: Decimal(p["amount"]) for p in now["projection"]}
    before = {p["month"]: Decimal(p["amount"]) for p in now["projection_before_revision"]}
    assert before == projected
    assert after[f"{changed_from:%Y-%m}"] == Decimal("14000.00")
    assert all(after[m] == projected[m] for m in projected if m < f"{changed_from:%Y-%m}")
    assert Decimal(now["forecast_total"]) > sum(projected.values())
    # The next run pays the new price.
    run(finance, changed_from)
    paid = payment(caseworker, case_id, changed_from, "matched")
    assert paid["amount"] == "14000.00"


def test_a_payment_over_the_threshold_waits_for_the_leader(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, finance: ApiClient
) -> None:
    case_id, grant = granted(caseworker, {**CONTACT, "price": 61000})
    period = next_month(month_of(date.fromisoformat(grant["revisions"][0]["starts_on"])))
    run(finance, period)
    payment(caseworker, case_id, period, "awaiting_approval")
    assert booked(platform, grant["id"]) == []
    approval = task_named(leader, case_id, "Godkend udbetaling")
    assert approval["candidate_groups"] == ["901-modtagelse-ledere"]
    complete(leader, approval, {"approve": "yes"})
    paid = payment(caseworker, case_id, period, "matched")
    assert paid["amount"] == "61000.00"
    (posted,) = booked(platform, grant["id"])
    assert posted.amount == Decimal("61000.00")

    # Refused: nothing is posted for that period.
    later = next_month(period)
    run(finance, later)
    payment(caseworker, case_id, later, "awaiting_approval")
    complete(leader, task_named(leader, case_id, "Godkend udbetaling"), {"approve": "no"})
    payment(caseworker, case_id, later, "rejected")
    assert len(booked(platform, grant["id"])) == 1


def test_a_payment_waiting_for_approval_holds_back_no_later_run(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, finance: ApiClient
) -> None:
    """A run stays active while one of its payments waits for a leader; the next run of the
    municipality starts and pays all the same."""
    waiting_case, waiting = granted(caseworker, {**CONTACT, "price": 62000})
    period = next_month(month_of(date.fromisoformat(waiting["revisions"][0]["starts_on"])))
    run(finance, period)
    payment(caseworker, waiting_case, period, "awaiting_approval")
    other_case, _ = granted(caseworker, {**CONTACT, "price": 8100})
    run(finance, period)
    assert payment(caseworker, other_case, period, "matched")["amount"] == "8100.00"
    assert payment(caseworker, waiting_case, period, "awaiting_approval")
    complete(leader, task_named(leader, waiting_case, "Godkend udbetaling"), {"approve": "no"})
    payment(caseworker, waiting_case, period, "rejected")


def test_fkoeko_down_becomes_an_incident_and_is_paid_once_after_repair(
    platform: Platform, caseworker: ApiClient, finance: ApiClient
) -> None:
    case_id, grant = granted(caseworker, {**CONTACT, "price": 9000})
    period = next_month(month_of(date.fromisoformat(grant["revisions"][0]["starts_on"])))
    faults(platform, unavailable=100)
    try:
        run(finance, period)

        def incident() -> Any:
            for run_instance in instances(platform, case_id, "udbetaling_postering"):
                for found in rows(
                    platform.db, rm.incident, process_instance_key=run_instance.process_instance_key
                ):
                    if found.state == "ACTIVE":
                        return found
            return None

        failed = eventually(incident, timeout=120, what="an incident after the retries")
        assert failed.element_id == "post_payment"
        assert failed.error_message.startswith("Bogfør udbetalingen (FK-ØKO): Unavailable")
        assert booked(platform, grant["id"]) == []
        assert grant_now(caseworker, case_id)["payments"][0]["status"] == "planned"
    finally:
        faults(platform, unavailable=0)
    resolve(platform, failed.job_key, failed.incident_key)
    payment(caseworker, case_id, period, "matched")
    assert len(booked(platform, grant["id"])) == 1


def test_a_late_answer_and_the_retried_job_post_once(
    platform: Platform, caseworker: ApiClient, finance: ApiClient
) -> None:
    """FK-ØKO books the posting but answers after the worker gave up (10 s); the job fails,
    is retried, sends the same posting and gets the first receipt."""
    case_id, grant = granted(caseworker, {**CONTACT, "price": 9500})
    period = next_month(month_of(date.fromisoformat(grant["revisions"][0]["starts_on"])))
    faults(platform, late=1, late_seconds=13)
    run(finance, period)
    paid = payment(caseworker, case_id, period, "matched")
    (posted,) = booked(platform, grant["id"])
    assert posted.reference == paid["reference"]
    (instance,) = instances(platform, case_id, "udbetaling_postering")
    jobs = rows(platform.db, rm.job, process_instance_key=instance.process_instance_key)
    post_jobs = [j for j in jobs if j.job_type == "payments.post"]
    assert post_jobs and post_jobs[0].retries < 3, "the first attempt failed and was retried"


def test_a_foster_family_is_paid_its_fee_and_untaxed_expenses(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, finance: ApiClient
) -> None:
    """An anbringelse in a foster family: the fee as B-income and the untaxed expenses, two
    grants paid on CPR to NemKonto under funktion 5.28.22, art 5.2."""
    foster = synthetic_cpr("test-payments-foster", birth_date=date(1979, 4, 5))
    case_id = to_decision(caseworker, "anbringelse")
    fields = {
        "indsats_type": "plejefamilie",
        "provider_type": "plejefamilie",
        "provider_name": "Plejefamilien (syntetisk)",
        "provider_cpr": foster,
        "price": 27000,
        "price_unit": "maaned",
        "foster_income": "B",
        "expenses_price": 6100,
        "grant_expected_end": add_months(date.today(), 24).isoformat(),
    }
    complete(
        caseworker,
        task_named(caseworker, case_id, "Afgørelse"),
        {**DECISION, "legal_basis": "BL § 46, stk. 1", **fields},
    )
    complete(leader, task_named(leader, case_id, "Godkend afgørelse"), {"approved": "yes"})
    found = eventually(lambda: grants_of(caseworker, case_id), what="grants")
    by_component = {g["component"]: g for g in found}
    assert set(by_component) == {"vederlag", "omkostninger"}
    assert by_component["vederlag"]["income_type"] == "B"
    assert by_component["omkostninger"]["income_type"] == "SKATTEFRI"
    for grant in found:
        assert grant["creditor_kind"] == "CPR"
        assert grant["kontostreng"] == {"funktion": "5.28.22", "dranst": "1", "art": "5.2"}
    starts = date.fromisoformat(found[0]["revisions"][0]["starts_on"])
    period = next_month(month_of(starts))
    run(finance, period)

    def both_matched() -> bool:
        paid = [p for g in grants_of(caseworker, case_id) for p in g["payments"]]
        return len(paid) == 2 and all(p["status"] == "matched" for p in paid)

    eventually(both_matched, timeout=90, what="fee and expenses paid")
    (fee,) = booked(platform, by_component["vederlag"]["id"])
    (expenses,) = booked(platform, by_component["omkostninger"]["id"])
    assert (fee.amount, fee.income_type) == (Decimal("27000.00"), "B")
    assert (expenses.amount, expenses.income_type) == (Decimal("6100.00"), "SKATTEFRI")


def test_a_decision_with_an_unconfigured_kontostreng_is_an_incident_that_says_so(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A foster family bought from a private provider has no kontostreng: the decision is
    sent, but the grant step stops with the reason, for the operator to see."""
    case_id = to_decision(caseworker, "stoettende_indsats")
    complete(
        caseworker,
        task_named(caseworker, case_id, "Afgørelse"),
        {
            **DECISION,
            **CONTACT,
            "indsats_type": "aflastning",
            "provider_type": "plejefamilie",
            "provider_cpr": synthetic_cpr("test-payments-relief", birth_date=date(1975, 3, 3)),
            "provider_cvr": "",
            "foster_income": "A",
            "grant_expected_end": add_months(date.today(), 6).isoformat(),
        },
    )
    (decision,) = eventually(lambda: instances(platform, case_id, "afgoerelse"))

    def incident() -> Any:
        return next(
            (
                i
                for i in rows(
                    platform.db, rm.incident, process_instance_key=decision.process_instance_key
                )
                if i.state == "ACTIVE"
            ),
            None,
        )

    failed = eventually(incident, timeout=120, what="the grant step's incident")
    assert "ingen kontostreng" in failed.error_message
    assert "'aflastning'" in failed.error_message
    assert caseworker.get(f"/api/cases/{case_id}/grants").json() == []


def test_each_municipality_posts_to_its_own_finance_system(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Nord (901) books in OPUS, Syd (902) in Prisme: one FK-ØKO route, the target per
    municipality. Syd's run is started by its own message (Syd has no finance user in the
    demo)."""
    south = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker2")
    try:
        south_case, south_grant = granted(south, {**CONTACT, "price": 7000})
        period = next_month(month_of(date.fromisoformat(south_grant["revisions"][0]["starts_on"])))
        platform.engine.publish(
            "udbetaling-koer",
            f"902-{south_grant['id']}",
            {"period": f"{period:%Y-%m}", "municipalityId": "902"},
            message_id=f"test-udbetaling-902-{south_grant['id']}",
        )
        payment(south, south_case, period, "matched")
    finally:
        south.close()
    (posted,) = booked(platform, south_grant["id"])
    assert posted.target == "PRISME"
    north_case, north_grant = granted(caseworker, {**CONTACT, "price": 7100})
    platform.engine.publish(
        "udbetaling-koer",
        f"901-{north_grant['id']}",
        {"period": f"{period:%Y-%m}", "municipalityId": "901"},
        message_id=f"test-udbetaling-901-{north_grant['id']}",
    )
    payment(caseworker, north_case, period, "matched")
    (posted,) = booked(platform, north_grant["id"])
    assert posted.target == "OPUS"


def test_a_booking_that_differs_is_recorded_as_a_mismatch(
    platform: Platform, caseworker: ApiClient, finance: ApiClient
) -> None:
    case_id, grant = granted(caseworker, {**CONTACT, "price": 9900})
    period = next_month(month_of(date.fromisoformat(grant["revisions"][0]["starts_on"])))
    faults(platform, short=1)
    run(finance, period)
    paid = payment(caseworker, case_id, period, "mismatch")
    assert (paid["amount"], paid["posted_amount"]) == ("9900.00", "9899.00")
    # The read model may show the posting's instance (with its case) a moment after the worker
    # recorded the mismatch in the case store.
    (instance,) = eventually(
        lambda: instances(platform, case_id, "udbetaling_postering"), what="the posting instance"
    )
    eventually(
        lambda: any(
            e.element_id == "payment_mismatch"
            for e in rows(
                platform.db, rm.element_instance, process_instance_key=instance.process_instance_key
            )
        ),
        what="the mismatch end event",
    )


def test_bad_requests_are_refused_with_a_reason(caseworker: ApiClient, finance: ApiClient) -> None:
    assert finance.post("/api/payments/runs", {"period": "2026-13"}).status_code == 422
    assert caseworker.post("/api/payments/runs", {"period": "2026-11"}).status_code == 403
    unknown = caseworker.post(
        "/api/grants/00000000-0000-4000-8000-000000000000/revisions",
        {"effective_from": "2027-01-01", "price": "1", "reason": "Ny takst"},
    )
    assert unknown.status_code == 404
    case_id, grant = granted(caseworker, {**CONTACT, "price": 5000})
    path = f"/api/grants/{grant['id']}/revisions"
    negative = caseworker.post(
        path, {"effective_from": "2099-01-01", "price": "-5", "reason": "Ny takst"}
    )
    assert negative.status_code == 422
    before_start = caseworker.post(
        path, {"effective_from": "2000-01-01", "price": "6000", "reason": "Ny takst"}
    )
    assert before_start.status_code == 422 and "bevillingens start" in before_start.text
    no_reason = caseworker.post(path, {"effective_from": "2099-01-01", "reason": " "})
    assert no_reason.status_code == 422 and "begrundes" in no_reason.text
    assert len(grant_now(caseworker, case_id)["revisions"]) == 1
    assert finance.post(path, {"effective_from": "2099-01-01", "reason": "x"}).status_code == 403


def test_grant_data_that_cannot_make_a_grant_is_refused_on_submission(
    caseworker: ApiClient,
) -> None:
    """The caseworker corrects it before the decision is sent; nothing typed is lost."""
    case_id = to_decision(caseworker, "stoettende_indsats")
    task = task_named(caseworker, case_id, "Afgørelse")
    ends = add_months(date.today(), 6).isoformat()
    data = {**DECISION, **CONTACT, "grant_expected_end": ends}
    refused = caseworker.post(f"/api/tasks/{task['id']}/complete", {**data, "provider_cvr": ""})
    assert refused.status_code == 422
    assert "CVR-nummer" in refused.json()["detail"]["fields"]["provider_cvr"]
    complete(caseworker, task, data)
    (grant,) = eventually(lambda: grants_of(caseworker, case_id), what="the grant")
    assert grant["revisions"][0]["expected_end"] == ends

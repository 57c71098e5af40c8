"""FK-ØKO postings: the client and the simulator against our own contract (fkoeko.xsd)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from adapters.errors import ContractViolation, Rejected, Unavailable
from adapters.fkoeko import Creditor, FkOekoClient, FkOekoSettings, Kontostreng, Posting
from adapters.fkoeko.client import posting_xml
from adapters.fkoeko.simulator import create_app
from api.testdata.cpr import synthetic_cpr
from tests.adapters.serving import free_port, serve

POSTING = Posting(
    posting_id="bevilling-7-2026-11",
    target="OPUS",
    municipality="901",
    child_cpr=synthetic_cpr("fkoeko-child", birth_date=date(2015, 3, 4)),
    service="Kontaktperson (§ 32, stk. 1, nr. 3)",
    account=Kontostreng(funktion="5.28.21", dranst="1", art="4.0"),
    amount=Decimal("12500.00"),
    posting_date=date(2026, 11, 30),
    period_from=date(2026, 11, 1),
    period_to=date(2026, 11, 30),
    creditor=Creditor("CVR", "29100001"),
    text="Kontaktperson november",
    voucher="B-2026-0001",
    grant_id="bevilling-7",
    approver="Lene Leder",
)


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[str]:
    with serve(create_app(tmp_path)) as base:
        yield base + "/fkoeko"


def test_a_posting_is_booked_and_read_back(endpoint: str) -> None:
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    receipt = client.post(POSTING)
    assert receipt.posted and receipt.reference and receipt.posting_id == POSTING.posting_id
    (posted,) = client.posted("bevilling-7")
    assert (posted.amount, posted.reference) == (Decimal("12500.00"), receipt.reference)
    assert posted.target == "OPUS"
    assert client.posted("another-grant") == []


def test_the_same_posting_again_is_booked_once(endpoint: str) -> None:
    """A retried job (or a late answer followed by a retry) never posts twice."""
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    first = client.post(POSTING)
    again = client.post(POSTING)
    assert again.reference == first.reference
    assert len(client.posted("bevilling-7")) == 1


def test_another_posting_under_a_used_id_is_refused(endpoint: str) -> None:
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    client.post(POSTING)
    with pytest.raises(Rejected):
        client.post(dataclasses.replace(POSTING, amount=Decimal("1.00")))


def test_a_business_rejection_is_rejected(endpoint: str) -> None:
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    with pytest.raises(Rejected, match="spærret"):
        client.post(dataclasses.replace(POSTING, posting_id="x-1", text="AFVIS"))


def test_a_posting_outside_the_contract_is_not_sent() -> None:
    with pytest.raises(ContractViolation):
        posting_xml(dataclasses.replace(POSTING, account=Kontostreng("5.28", "1", "4.0")))


def test_the_simulator_refuses_what_breaks_the_xsd_and_unknown_senders(endpoint: str) -> None:
    broken = httpx.post(
        endpoint,
        content=b"<Postering xmlns='https://boernesag.dk/schemas/fkoeko/1.0'/>",
        headers={"X-FKOEKO-Credential": "boernesag-test-fkoeko"},
        timeout=5,
    )
    assert broken.status_code == 400
    with pytest.raises(Rejected):
        FkOekoClient(FkOekoSettings(endpoint=endpoint, credential="forkert")).post(POSTING)


def test_the_contract_is_served(endpoint: str) -> None:
    answer = httpx.get(endpoint, params={"xsd": ""}, timeout=5)
    assert answer.status_code == 200 and b"Postering" in answer.content


def test_an_unreachable_system_is_unavailable() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/fkoeko"
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint, timeout_seconds=1))
    with pytest.raises(Unavailable):
        client.post(POSTING)


def test_postings_survive_a_simulator_restart(tmp_path: Path) -> None:
    for _ in range(2):
        with serve(create_app(tmp_path)) as base:
            client = FkOekoClient(FkOekoSettings(endpoint=base + "/fkoeko"))
            client.post(POSTING)
            assert len(client.posted("bevilling-7")) == 1


FOSTER_FEE = dataclasses.replace(
    POSTING,
    posting_id="bevilling-8-2026-11",
    grant_id="bevilling-8",
    account=Kontostreng(funktion="5.28.22", dranst="1", art="5.2"),
    creditor=Creditor("CPR", synthetic_cpr("fkoeko-foster", birth_date=date(1980, 6, 7))),
    income_type="B",
)


def test_a_foster_familys_fee_carries_its_income_type(endpoint: str) -> None:
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    client.post(FOSTER_FEE)
    (posted,) = client.posted("bevilling-8")
    assert posted.income_type == "B"
    untaxed = dataclasses.replace(
        FOSTER_FEE,
        posting_id="bevilling-9-2026-11",
        grant_id="bevilling-9",
        income_type="SKATTEFRI",
    )
    client.post(untaxed)
    assert client.posted("bevilling-9")[0].income_type == "SKATTEFRI"


def test_a_person_needs_an_income_type_and_a_provider_none() -> None:
    with pytest.raises(ContractViolation, match="indkomstart"):
        posting_xml(dataclasses.replace(FOSTER_FEE, income_type=None))
    with pytest.raises(ContractViolation, match="indkomstart"):
        posting_xml(dataclasses.replace(POSTING, income_type="A"))


def _faults(endpoint: str, **wanted: float) -> None:
    answer = httpx.post(
        endpoint + "/faults",
        json=wanted,
        headers={"X-FKOEKO-Credential": "boernesag-test-fkoeko"},
        timeout=5,
    )
    assert answer.status_code == 200


def test_an_unavailable_system_books_nothing(endpoint: str) -> None:
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    _faults(endpoint, unavailable=1)
    with pytest.raises(Unavailable, match="503"):
        client.post(POSTING)
    assert client.posted("bevilling-7") == []
    client.post(POSTING)
    assert len(client.posted("bevilling-7")) == 1


def test_a_late_answer_then_a_retry_books_once(endpoint: str) -> None:
    """The system books, but answers after the client gave up; the retry gets the receipt."""
    impatient = FkOekoClient(FkOekoSettings(endpoint=endpoint, timeout_seconds=0.5))
    _faults(endpoint, late=1, late_seconds=2)
    with pytest.raises(Unavailable):
        impatient.post(POSTING)
    receipt = impatient.post(POSTING)
    (posted,) = impatient.posted("bevilling-7")
    assert posted.reference == receipt.reference


def test_a_short_booking_shows_in_the_read_back(endpoint: str) -> None:
    client = FkOekoClient(FkOekoSettings(endpoint=endpoint))
    _faults(endpoint, short=1)
    client.post(POSTING)
    (posted,) = client.posted("bevilling-7")
    assert posted.amount == POSTING.amount - 1
    client.post(POSTING)  # the same posting again is still the same booking
    assert len(client.posted("bevilling-7")) == 1

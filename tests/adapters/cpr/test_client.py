"""CprClient through the real zeep stack against the in-process SF1520 simulator."""

from __future__ import annotations

import socket
from datetime import date

import pytest
from lxml import etree

from adapters.cpr import CprClient, CustodyKind, Gender, InvocationContext, PersonStatus
from adapters.cpr.numbers import is_synthetic
from adapters.cpr.simulator import (
    CPR_CONTRACT_VIOLATION,
    CPR_CUSTODY_APART,
    CPR_DEAD,
    CPR_MISSING,
    CPR_NO_CUSTODY,
    CPR_NOT_FOUND,
    CPR_PROTECTED_ADDRESS,
    CPR_SLOW,
    CPR_TECHNICAL_FAULT,
)
from adapters.errors import ContractViolation, NotFound, Rejected, Unavailable
from adapters.simulation import accepted_token
from api.testdata.cpr import synthetic_cpr
from tests.adapters.cpr.conftest import ClientFactory

CHILD = synthetic_cpr("child-with-parents", birth_date=date(2016, 5, 12), female=True)
WRONG_CONTEXT = InvocationContext(
    service_agreement_uuid="11111111-1111-4111-8111-111111111111",
    user_system_uuid="11111111-1111-4111-8111-111111111112",
    user_uuid="11111111-1111-4111-8111-111111111113",
    service_uuid="11111111-1111-4111-8111-111111111114",
)


def test_child_is_mapped_with_parents_who_can_be_looked_up(client: CprClient) -> None:
    """A child's lookup gives name, address, custody and parents whose own lookups work."""
    child = client.lookup(CHILD)
    assert child.cpr == CHILD
    assert child.birth_date == date(2016, 5, 12)
    assert child.gender is Gender.FEMALE
    assert child.status is PersonStatus.ACTIVE and not child.is_dead and not child.is_missing
    assert child.first_names and child.last_name and child.addressing_name
    assert child.address is not None and child.address.municipality_code is not None
    assert child.address.street_name and child.address.postcode
    assert child.address_protected is False
    assert child.mother_cpr and child.father_cpr
    assert {c.kind for c in child.custody} == {CustodyKind.MOTHER, CustodyKind.FATHER}
    assert set(child.custody_holder_cprs) == {child.mother_cpr, child.father_cpr}
    mother = client.lookup(child.mother_cpr)
    father = client.lookup(child.father_cpr)
    assert mother.gender is Gender.FEMALE and father.gender is Gender.MALE
    assert father.last_name == child.last_name
    assert is_synthetic(mother.cpr) and is_synthetic(father.cpr)


def test_lookup_accepts_the_dashed_form(client: CprClient) -> None:
    """`ddmmyy-xxxx` is looked up as the same number."""
    assert client.lookup(f"{CHILD[:6]}-{CHILD[6:]}") == client.lookup(CHILD)


def test_unknown_number_raises_not_found(client: CprClient) -> None:
    """The contract's not-found fault becomes NotFound."""
    with pytest.raises(NotFound):
        client.lookup(CPR_NOT_FOUND)


def test_protected_address_is_flagged(client: CprClient) -> None:
    """Adressebeskyttelse in the answer sets address_protected."""
    assert client.lookup(CPR_PROTECTED_ADDRESS).address_protected is True


def test_a_child_without_custody_holders_has_known_parents(client: CprClient) -> None:
    child = client.lookup(CPR_NO_CUSTODY)
    assert child.custody == () and child.mother_cpr and child.father_cpr


def test_two_custody_holders_at_different_addresses(client: CprClient) -> None:
    """Letters and partshøring go to each holder: their own lookups give their own addresses."""
    child = client.lookup(CPR_CUSTODY_APART)
    holders = [c.holder_cpr for c in child.custody]
    assert len(holders) == 2
    addresses = {client.lookup(h).address for h in holders if h}
    assert len(addresses) == 2


def test_dead_person_has_status_90(client: CprClient) -> None:
    """Status 90 is reported as dead, with its status date."""
    person = client.lookup(CPR_DEAD)
    assert person.status is PersonStatus.DEAD and person.is_dead
    assert person.status_date is not None
    assert person.address is None


def test_missing_person_has_status_70(client: CprClient) -> None:
    """Status 70 is reported as missing."""
    assert client.lookup(CPR_MISSING).is_missing


def test_http_500_raises_unavailable(client: CprClient) -> None:
    """A technical HTTP 500 without a SOAP body becomes Unavailable."""
    with pytest.raises(Unavailable):
        client.lookup(CPR_TECHNICAL_FAULT)


def test_nothing_listening_raises_unavailable(make_client: ClientFactory) -> None:
    """A refused connection becomes Unavailable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = make_client(endpoint=f"http://127.0.0.1:{port}/sf1520", timeout_seconds=2.0)
    with pytest.raises(Unavailable):
        client.lookup(CHILD)


def test_answer_breaking_the_xsd_raises_contract_violation(client: CprClient) -> None:
    """An answer that fails XSD validation becomes ContractViolation, CPR number masked."""
    with pytest.raises(ContractViolation) as raised:
        client.lookup(CPR_CONTRACT_VIOLATION)
    assert CPR_CONTRACT_VIOLATION not in str(raised.value)


def test_slow_answer_raises_unavailable(make_client: ClientFactory) -> None:
    """An answer slower than the client's timeout becomes Unavailable."""
    client = make_client(timeout_seconds=0.2)
    with pytest.raises(Unavailable):
        client.lookup(CPR_SLOW)


def test_wrong_invocation_context_is_rejected(make_client: ClientFactory) -> None:
    """An InvocationContext other than the test context gets the contract fault: Rejected."""
    with pytest.raises(Rejected, match="ACCESS_DENIED"):
        make_client(invocation_context=WRONG_CONTEXT).lookup(CHILD)


def test_request_without_invocation_context_is_rejected(make_client: ClientFactory) -> None:
    """A request with neither InvocationContext nor an accepted token is Rejected."""
    other = accepted_token("sf1510")  # issued for another service (entity id)
    client = make_client(variant="token", invocation_context=None, token_provider=other)
    with pytest.raises(Rejected, match="ACCESS_DENIED"):
        client.lookup(CHILD)


def test_token_variant_sends_the_provided_token(make_client: ClientFactory) -> None:
    """The token variant puts the provider's token in wsse:Security, which the simulator accepts."""
    client = make_client(
        variant="token", invocation_context=None, token_provider=accepted_token("sf1520")
    )
    assert client.lookup(CHILD, on_behalf_of_user="sagsbehandler-1").cpr == CHILD


def test_token_variant_without_provider_is_unavailable(make_client: ClientFactory) -> None:
    """Without an STS token provider the token variant raises Unavailable and sends nothing."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(
        variant="token", invocation_context=None, on_call=lambda *call: calls.append(call)
    )
    with pytest.raises(Unavailable, match="no STS token provider configured"):
        client.lookup(CHILD)
    assert [outcome for _, _, outcome in calls] == ["unavailable"]


def test_token_provider_failure_is_unavailable(make_client: ClientFactory) -> None:
    """A token provider that raises something of its own becomes Unavailable."""

    def broken() -> etree._Element:
        raise RuntimeError("STS down")

    client = make_client(variant="token", invocation_context=None, token_provider=broken)
    with pytest.raises(Unavailable, match="RuntimeError"):
        client.lookup(CHILD)


def test_malformed_number_is_rejected_without_a_call(make_client: ClientFactory) -> None:
    """A number that is not ten digits with a real date is Rejected before anything is sent."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(on_call=lambda *call: calls.append(call))
    for bad in ("12345", "3213991234", "abcdefghij"):
        with pytest.raises(Rejected):
            client.lookup(bad)
    assert calls == []


def test_errors_carry_no_raw_exception(make_client: ClientFactory) -> None:
    """Adapter errors have neither cause nor context, so no zeep or requests error leaks out."""
    with pytest.raises(Unavailable) as raised:
        make_client(timeout_seconds=0.2).lookup(CPR_SLOW)
    assert raised.value.__cause__ is None and raised.value.__context__ is None

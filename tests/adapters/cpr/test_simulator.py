"""The SF1520 simulator's own contract: WSDL, request validation, faults, deterministic people."""

from __future__ import annotations

import logging
from datetime import date

import httpx
import pytest
import zeep
from lxml import etree
from structlog.testing import capture_logs

from adapters.cpr import schema
from adapters.cpr.numbers import is_synthetic
from adapters.cpr.people import derive_person, response_element
from adapters.cpr.simulator import RESERVED, TEST_CONTEXT
from adapters.soap import SOAP_ENV
from api.testdata.cpr import synthetic_cpr
from tests.adapters.cpr.conftest import Simulator

WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
CHILD = synthetic_cpr("simulator-child", birth_date=date(2015, 9, 9))


def _envelope(pnr: str, *, context: dict[str, str] | None = None, extra: str = "") -> bytes:
    invocation = ""
    if context is not None:
        fields = "".join(f"<ic:{key}>{value}</ic:{key}>" for key, value in context.items())
        invocation = f"<ic:InvocationContext>{fields}</ic:InvocationContext>"
    return (
        f'<soap:Envelope xmlns:soap="{SOAP_ENV}"><soap:Body>'
        f'<p:PersonLookupRequest xmlns:p="{schema.NS}" xmlns:ic="{schema.NS_INVOCATION}" '
        f'xmlns:pnr="{schema.NS_PNR}">{invocation}{extra}<pnr:PNR>{pnr}</pnr:PNR>'
        f"</p:PersonLookupRequest></soap:Body></soap:Envelope>"
    ).encode()


def _fault_codes(response: httpx.Response) -> list[str]:
    document = etree.fromstring(response.content)
    detail = document.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault/detail")
    assert detail is not None
    assert all(schema.fault_schema().validate(item) for item in detail)
    ns = {"spf": schema.NS_FAULT}
    return [code.text or "" for code in detail.iterfind(".//spf:ErrorCode", ns)]


def test_wsdl_points_back_at_the_simulator(simulator: Simulator) -> None:
    """GET ?wsdl serves the context WSDL with soap:address set to the simulator's own URL."""
    response = httpx.get(f"{simulator.endpoint}?wsdl")
    assert response.status_code == 200
    document = etree.fromstring(response.content)
    addresses = [node.get("location") for node in document.iter(f"{{{WSDL_SOAP}}}address")]
    assert addresses == [simulator.endpoint]


def test_zeep_can_load_the_whole_contract_from_the_simulator(simulator: Simulator) -> None:
    """The WSDL's imports point at the simulator too, so a client can load it by URL alone."""
    client = zeep.Client(f"{simulator.endpoint}?wsdl")  # type: ignore[no-untyped-call]
    assert client.service._binding_options["address"] == simulator.endpoint


def test_contract_files_outside_the_contract_are_refused(simulator: Simulator) -> None:
    """The contract file route serves vendored XSD/WSDL only, never other files."""
    ok = httpx.get(f"{simulator.endpoint}/contract/sp/PNR_1.xsd")
    assert ok.status_code == 200
    for path in ("../simulator.py", "sp/service.properties", "..%2Fsimulator.py"):
        assert httpx.get(f"{simulator.endpoint}/contract/{path}").status_code == 404


def test_xsd_invalid_request_gets_a_contract_fault(simulator: Simulator) -> None:
    """A request breaking the XSD (an element the contract lacks) gets INVALID_REQUEST."""
    body = _envelope(CHILD, context=TEST_CONTEXT, extra="<p:Unexpected/>")
    response = httpx.post(simulator.endpoint, content=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 500
    assert _fault_codes(response) == [schema.FAULT_INVALID_REQUEST]
    assert CHILD not in response.text


def test_invalid_uuid_in_context_is_an_xsd_fault(simulator: Simulator) -> None:
    """An InvocationContext UUID outside the XSD pattern is refused as an invalid request."""
    context = {**TEST_CONTEXT, "UserUUID": "NOT-A-UUID"}
    response = httpx.post(simulator.endpoint, content=_envelope(CHILD, context=context))
    assert _fault_codes(response) == [schema.FAULT_INVALID_REQUEST]


def test_non_xml_request_gets_a_contract_fault(simulator: Simulator) -> None:
    """A body that is not XML gets INVALID_REQUEST."""
    response = httpx.post(simulator.endpoint, content=b"PNR=1234")
    assert _fault_codes(response) == [schema.FAULT_INVALID_REQUEST]


def test_request_without_context_gets_access_denied(simulator: Simulator) -> None:
    """A valid request without InvocationContext or token gets ACCESS_DENIED."""
    response = httpx.post(simulator.endpoint, content=_envelope(CHILD))
    assert _fault_codes(response) == [schema.FAULT_ACCESS_DENIED]


def test_malformed_number_is_not_found(simulator: Simulator) -> None:
    """A PNR that is not a real date under the century rule is answered as not found."""
    response = httpx.post(simulator.endpoint, content=_envelope("3102151234", context=TEST_CONTEXT))
    assert _fault_codes(response) == [schema.FAULT_NOT_FOUND]


def test_answers_are_deterministic_and_xsd_valid(simulator: Simulator) -> None:
    """The same number gives the same bytes twice, and the answer validates against the XSD."""
    body = _envelope(CHILD, context=TEST_CONTEXT)
    first = httpx.post(simulator.endpoint, content=body)
    second = httpx.post(simulator.endpoint, content=body)
    assert first.status_code == 200 and first.content == second.content
    payload = etree.fromstring(first.content).find(f"{{{SOAP_ENV}}}Body/{schema.RESPONSE}")
    assert payload is not None and schema.message_schema().validate(payload)


@pytest.mark.parametrize("seed", range(40))
def test_every_derived_person_validates(seed: int) -> None:
    """Derived people of all ages, and their parents, serialise to XSD-valid answers."""
    born = date(1940 + seed * 2, 1 + seed % 12, 2 + seed % 27)
    number = synthetic_cpr(seed, birth_date=born)
    today = date(2025, 6, 1)
    person = derive_person(number, today=today, avoid=RESERVED)
    related = [p for p in (person.mother_cpr, person.father_cpr) if p]
    for cpr in [number, *related]:
        element = response_element(derive_person(cpr, today=today, avoid=RESERVED))
        assert schema.message_schema().validate(element), schema.message_schema().error_log
    assert all(is_synthetic(p) and p not in RESERVED for p in related)


def test_parents_are_derived_for_children_only() -> None:
    """A child under 18 gets a mother and a father; an adult gets none."""
    today = date(2025, 6, 1)
    child = derive_person(synthetic_cpr("c", birth_date=date(2012, 3, 3)), today=today)
    adult = derive_person(synthetic_cpr("a", birth_date=date(1980, 3, 3)), today=today)
    assert child.mother_cpr and child.father_cpr
    assert adult.mother_cpr is None and adult.father_cpr is None


def test_gender_follows_the_last_digit() -> None:
    """Odd last digit is male, even is female, as in CPR."""
    today = date(2025, 6, 1)
    woman = derive_person(synthetic_cpr(1, female=True), today=today)
    man = derive_person(synthetic_cpr(1, female=False), today=today)
    assert woman.gender is not None and woman.gender.value == "K"
    assert man.gender is not None and man.gender.value == "M"


def test_simulator_logs_nothing_personal(
    simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Serving a lookup and a fault leaves no CPR number in stdlib or structlog output."""
    with caplog.at_level(logging.DEBUG), capture_logs() as logs:
        httpx.post(simulator.endpoint, content=_envelope(CHILD, context=TEST_CONTEXT))
        httpx.post(simulator.endpoint, content=_envelope(CHILD, extra="<p:Unexpected/>"))
    assert CHILD not in caplog.text
    assert CHILD not in repr(logs)

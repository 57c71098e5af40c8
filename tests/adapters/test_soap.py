"""Shared zeep helpers: CPR masking and the translation of raw errors into adapters.errors."""

from __future__ import annotations

import pytest
import zeep.exceptions
from lxml import etree

from adapters.errors import AdapterError, ContractViolation, NotFound, Rejected, Unavailable
from adapters.soap import CPR_MASK, SoapFault, call_soap, mask_cpr, outcome_of


def _never(fault: SoapFault) -> AdapterError:
    raise AssertionError("no fault expected")


def _raise(error: Exception) -> None:
    raise error


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("PNR 0101651234.", f"PNR {CPR_MASK}."),
        ("010165-1234", CPR_MASK),
        (
            "<PNR>0202149900</PNR><PNR>1111111111</PNR>",
            f"<PNR>{CPR_MASK}</PNR><PNR>{CPR_MASK}</PNR>",
        ),
        ("12345678901 and 123456789", "12345678901 and 123456789"),
    ],
)
def test_mask_cpr_replaces_ten_digit_numbers_only(text: str, masked: str) -> None:
    """Ten digits, with or without the dash, are masked; longer or shorter runs are not."""
    assert mask_cpr(text) == masked


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (500, Unavailable),
        (503, Unavailable),
        (404, Unavailable),
        (403, Rejected),
        (200, ContractViolation),
    ],
)
def test_transport_errors_are_mapped_by_status(status: int, expected: type[AdapterError]) -> None:
    """HTTP 5xx is Unavailable, 401/403 Rejected, and non-XML with 200 a ContractViolation."""
    error = zeep.exceptions.TransportError("boom 0101651234", status_code=status)  # type: ignore[no-untyped-call]
    with pytest.raises(expected) as raised:
        call_soap(lambda: _raise(error), _never)
    assert "0101651234" not in str(raised.value)


def test_connection_errors_are_unavailable() -> None:
    """OSError (requests' ConnectionError and Timeout) becomes Unavailable without context."""
    with pytest.raises(Unavailable) as raised:
        call_soap(lambda: _raise(ConnectionRefusedError("refused")), _never)
    assert raised.value.__context__ is None


def test_unparsable_answers_are_contract_violations() -> None:
    """zeep's parse errors and lxml errors become ContractViolation."""
    with pytest.raises(ContractViolation):
        unexpected = zeep.exceptions.XMLParseError("unexpected element")  # type: ignore[no-untyped-call]
        call_soap(lambda: _raise(unexpected), _never)
    with pytest.raises(ContractViolation):
        call_soap(lambda: _raise(etree.XMLSyntaxError("bad", 1, 1, 1)), _never)


def test_faults_go_to_the_adapter_handler() -> None:
    """A SOAP fault is handed to the adapter's own fault mapping."""
    detail = etree.Element("detail")
    fault = zeep.exceptions.Fault("nope", code="soap:Client", detail=detail)  # type: ignore[no-untyped-call]
    seen: list[SoapFault] = []

    def handle(soap_fault: SoapFault) -> AdapterError:
        seen.append(soap_fault)
        return NotFound("gone")

    with pytest.raises(NotFound):
        call_soap(lambda: _raise(fault), handle)
    assert seen[0].is_client_fault and seen[0].detail is detail


def test_outcome_names_follow_the_error_vocabulary() -> None:
    """Each adapter error maps to its audit outcome; success is ok."""
    assert outcome_of(None) == "ok"
    assert outcome_of(NotFound()) == "not_found"
    assert outcome_of(Rejected()) == "rejected"
    assert outcome_of(Unavailable()) == "unavailable"
    assert outcome_of(ContractViolation()) == "contract_violation"
    assert outcome_of(KeyError()) == "error"

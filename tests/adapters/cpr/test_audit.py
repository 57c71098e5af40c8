"""The auditing zeep plugin as CprClient uses it: callback per call, CPR numbers masked in logs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

from adapters.cpr.simulator import CPR_NOT_FOUND, CPR_TECHNICAL_FAULT
from adapters.errors import NotFound, Unavailable
from adapters.soap import CPR_MASK
from api.testdata.cpr import synthetic_cpr
from tests.adapters.cpr.conftest import ClientFactory

TEN_DIGITS = re.compile(r"(?<![\d-])\d{6}-?\d{4}(?![\d-])")


@pytest.fixture
def default_structlog() -> Iterator[None]:
    """Other suites configure structlog globally; these tests start from its defaults."""
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


@pytest.mark.usefixtures("default_structlog")
def test_every_call_is_reported_to_the_callback(make_client: ClientFactory) -> None:
    """on_call gets operation, duration and outcome for a success and for each kind of failure."""
    calls: list[tuple[str, float, str]] = []
    client = make_client(on_call=lambda *call: calls.append(call))
    client.lookup(synthetic_cpr("audit"))
    with pytest.raises(NotFound):
        client.lookup(CPR_NOT_FOUND)
    with pytest.raises(Unavailable):
        client.lookup(CPR_TECHNICAL_FAULT)
    assert [(operation, outcome) for operation, _, outcome in calls] == [
        ("PersonLookup", "ok"),
        ("PersonLookup", "not_found"),
        ("PersonLookup", "unavailable"),
    ]
    assert all(duration >= 0 for _, duration, _ in calls)


@pytest.mark.usefixtures("default_structlog")
def test_logged_envelopes_and_errors_have_cpr_numbers_masked(make_client: ClientFactory) -> None:
    """With envelope logging on, no CPR number reaches the log: each is replaced by the mask."""
    client = make_client(log_envelopes=True)
    number = synthetic_cpr("masked")
    with capture_logs() as logs:
        person = client.lookup(number)
        with pytest.raises(NotFound):
            client.lookup(CPR_NOT_FOUND)
    events = [entry["event"] for entry in logs]
    assert events.count("soap.request") == 2 and events.count("soap.response") == 2
    assert events.count("soap.call") == 2
    text = repr(logs)
    assert TEN_DIGITS.search(text) is None
    for cpr in (number, CPR_NOT_FOUND, person.mother_cpr, person.father_cpr):
        assert cpr is not None and cpr not in text
    assert CPR_MASK in text


@pytest.mark.usefixtures("default_structlog")
def test_envelopes_are_not_logged_by_default(make_client: ClientFactory) -> None:
    """Without log_envelopes only the call summary is logged."""
    client = make_client()
    with capture_logs() as logs:
        client.lookup(synthetic_cpr("quiet"))
    assert [entry["event"] for entry in logs] == ["soap.call"]
    assert logs[0]["outcome"] == "ok" and logs[0]["system"] == "cpr"

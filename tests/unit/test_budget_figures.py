"""Pure parts of the budget and the management figures: which months count as committed, the
Danish amounts on the page, the charts' CSV, and the DST expenditure file against its XSD."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import pytest
from lxml import etree

from adapters.dst.expenditure import (
    ChildExpenses,
    ExpenditureDelivery,
    Expense,
    expenditure_xml,
    schema,
)
from adapters.errors import ContractViolation
from api.figures import csv_export
from api.figures.service import month_range
from api.finance.budget import Figures, first_committed_month
from api.testdata.cpr import synthetic_cpr
from api.web.budget_page import kr, parse_kr


def test_committed_months_start_with_the_current_month_of_this_year_only() -> None:
    today = date(2026, 12, 5)
    assert first_committed_month(2026, today) == date(2026, 12, 1)
    assert first_committed_month(2027, today) == date(2027, 1, 1)
    assert first_committed_month(2025, today) is None


def test_forecast_and_variance() -> None:
    f = Figures(budget=Decimal("100.00"), spent=Decimal("30.50"), committed=Decimal("80.00"))
    assert f.forecast == Decimal("110.50")
    assert f.variance == Decimal("-10.50")
    assert Figures().variance is None
    assert f.as_json()["variance"] == "-10.50"


def test_twelve_months_up_to_the_day() -> None:
    months = month_range(date(2026, 3, 31))
    assert months[0] == date(2025, 4, 1) and months[-1] == date(2026, 3, 1)
    assert len(months) == 12


def test_danish_amounts() -> None:
    assert kr("1234567.8") == "1.234.567,80"
    assert kr(None) == ""
    assert parse_kr("1.250.000,50") == Decimal("1250000.50")
    assert parse_kr("1250000.50") == Decimal("1250000.50")
    assert parse_kr("1.250.000") == Decimal("1250000")
    assert parse_kr(" 900 kr.") == Decimal("900")
    for bad in ("", "mange", "1,2,3", "NaN", "Infinity"):
        with pytest.raises((InvalidOperation, ValueError)):
            parse_kr(bad)


def test_a_chart_csv_has_danish_headings_decimal_commas_and_the_baseline_after() -> None:
    now = {"spend_per_month": [{"month": "2026-11", "amount": "1234.50"}]}
    base = {"spend_per_month": [{"month": "2026-02", "amount": "1000.00"}]}
    text = csv_export.to_csv("forbrug-pr-maaned", now, base)
    assert text.startswith("\ufeff")
    lines = text.lstrip("\ufeff").split("\r\n")
    assert lines[:3] == [
        "Opgørelse;Måned;Forbrug (kr.)",
        "Nu;2026-11;1234,50",
        "Baseline;2026-02;1000,00",
    ]
    assert csv_export.to_csv("forbrug-pr-maaned", now).count("\r\n") == 2


def _delivery(amount: str = "1500.25", funktion: str = "5.28.21") -> ExpenditureDelivery:
    return ExpenditureDelivery(
        delivery_id="UDG-901-2026-20261205T120000",
        municipality="901",
        year=2026,
        created=datetime(2026, 12, 5, 12, tzinfo=UTC),
        children=(
            ChildExpenses(
                synthetic_cpr("udgift-1"),
                (
                    Expense("INDSATS", "32.1.3", funktion, "4.9", Decimal(amount)),
                    Expense("ANBRINGELSE", "46", "5.28.22", "5.2", Decimal("300.00")),
                ),
            ),
        ),
    )


def test_the_expenditure_file_follows_its_xsd() -> None:
    body = expenditure_xml(_delivery())
    root = etree.fromstring(body)
    assert schema().validate(root)
    ns = {"u": "https://boernesag.dk/schemas/dst/udgifter/1.0"}
    assert root.findtext("u:Total", namespaces=ns) == "1800.25"
    assert root.findtext("u:AntalBoern", namespaces=ns) == "1"
    assert [e.text for e in root.findall(".//u:Funktion", ns)] == ["5.28.21", "5.28.22"]


@pytest.mark.parametrize("funktion", ["5.28", "4.28.21", "5.28.2x"])
def test_an_expenditure_file_outside_its_xsd_is_refused(funktion: str) -> None:
    with pytest.raises(ContractViolation) as refused:
        expenditure_xml(_delivery(funktion=funktion))
    assert "XSD" in str(refused.value)


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(ContractViolation):
        expenditure_xml(_delivery(amount="-1.00"))


def test_spend_is_shown_for_the_whole_months_before_this_one() -> None:
    from api.figures.service import complete_months

    months = complete_months(date(2026, 12, 5))
    assert months[0] == date(2025, 12, 1) and months[-1] == date(2026, 11, 1)

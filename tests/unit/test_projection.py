"""Property tests on a grant's monthly projection: period boundaries, leap years, partial
months, and revisions."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from api.finance.projection import (
    Segment,
    Terms,
    month_end,
    months,
    project,
    projection,
    segments,
)

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
prices = st.decimals(min_value=Decimal("0"), max_value=Decimal("250000"), places=2)
units = st.sampled_from(["maaned", "uge", "doegn"])


def span(first: date, last: date) -> tuple[date, date]:
    return (first, last) if first <= last else (last, first)


@given(price=prices, first=days, count=st.integers(1, 40))
def test_whole_months_cost_the_monthly_price_each(price: Decimal, first: date, count: int) -> None:
    start = first.replace(day=1)
    end = month_end(months(start, start + timedelta(days=31 * (count - 1)))[-1])
    found = project([Segment(price, "maaned", start, end)])
    assert list(found) == months(start, end)
    assert set(found.values()) == {price}


@given(price=prices, a=days, b=days)
def test_a_daily_price_pays_each_day_once(price: Decimal, a: date, b: date) -> None:
    first, last = span(a, b)
    found = project([Segment(price, "doegn", first, last)])
    assert sum(found.values()) == price * ((last - first).days + 1)
    for month, amount in found.items():
        covered = (min(last, month_end(month)) - max(first, month)).days + 1
        assert amount == price * covered


@given(price=prices, unit=units, a=days, b=days)
def test_nothing_is_projected_outside_the_span(price: Decimal, unit: str, a: date, b: date) -> None:
    first, last = span(a, b)
    found = project([Segment(price, unit, first, last)])  # type: ignore[arg-type]
    assert list(found) == months(first, last)
    assert all(amount >= 0 for amount in found.values())


@given(price=prices, unit=units, a=days, b=days, cut=st.integers(0, 5000))
def test_splitting_a_span_at_any_day_changes_no_month(
    price: Decimal, unit: str, a: date, b: date, cut: int
) -> None:
    """The boundary between two revisions with equal terms is invisible in the amounts."""
    first, last = span(a, b)
    at = first + timedelta(days=cut % ((last - first).days + 1))
    whole = project([Segment(price, unit, first, last)])  # type: ignore[arg-type]
    parts = project(
        [
            Segment(price, unit, first, at - timedelta(days=1)),  # type: ignore[arg-type]
            Segment(price, unit, at, last),  # type: ignore[arg-type]
        ]
    )
    assert parts == whole


@given(price=prices, year=st.integers(2020, 2032))
def test_february_is_a_whole_month_in_leap_years_too(price: Decimal, year: int) -> None:
    february = date(year, 2, 1)
    last = month_end(february)
    assert last.day == (29 if calendar.isleap(year) else 28)
    assert project([Segment(price, "maaned", february, last)]) == {february: price}
    daily = project([Segment(price, "doegn", february, last)])
    assert daily == {february: price * last.day}
    # One day short of the whole month is a partial month, pro rata by the month's own days.
    partial = project([Segment(Decimal("2900.00"), "maaned", february, last - timedelta(days=1))])
    expected = Decimal("2900.00") * (last.day - 1) / last.day
    assert partial[february] == expected.quantize(Decimal("0.01"))


@given(price=prices, first=days)
def test_a_partial_month_is_pro_rata_by_calendar_days(price: Decimal, first: date) -> None:
    last = month_end(first)
    (amount,) = project([Segment(price, "maaned", first, last)]).values()
    exact = price * ((last - first).days + 1) / last.day
    assert abs(amount - exact) <= Decimal("0.005")
    assert amount <= price


@given(price=prices, a=days, b=days)
def test_a_weekly_price_is_a_seventh_a_day(price: Decimal, a: date, b: date) -> None:
    first, last = span(a, b)
    weekly = project([Segment(price * 7, "uge", first, last)])
    daily = project([Segment(price, "doegn", first, last)])
    assert weekly == daily


@given(
    old=prices,
    new=prices,
    start=days,
    months_on=st.integers(1, 30),
    length=st.integers(31, 1500),
)
def test_a_revision_changes_the_months_from_its_effective_day_only(
    old: Decimal, new: Decimal, start: date, months_on: int, length: int
) -> None:
    end = start + timedelta(days=length)
    effective = min(months(start, end)[min(months_on, len(months(start, end)) - 1)], end)
    first = Terms(1, old, "maaned", start, end, start)
    second = Terms(2, new, "maaned", start, end, effective)
    before, after = projection([first]), projection([first, second])
    assert set(after) == set(before)
    for month in before:
        if month_end(month) < effective:
            assert after[month] == before[month], "history before the change is kept"
        if month >= effective and month_end(month) <= end:
            assert after[month] == new


@given(price=prices, start=days, length=st.integers(0, 800), ended=st.integers(0, 800))
def test_an_ended_measure_stops_the_projection(
    price: Decimal, start: date, length: int, ended: int
) -> None:
    terms = Terms(1, price, "doegn", start, start + timedelta(days=length), start)
    stop = start + timedelta(days=ended)
    spans = segments([terms], ended_on=stop)
    assert all(s.last_day <= stop for s in spans)
    total = sum(projection([terms], ended_on=stop).values(), Decimal(0))
    assert total == price * (min(length, ended) + 1)

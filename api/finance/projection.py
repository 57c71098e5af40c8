"""The projected spend of a grant per calendar month: pure arithmetic, no database.

A grant's terms hold for a span of days: a price per month (pro rata by the calendar days of
each month), per week (a seventh per day) or per døgn. Revisions change the terms from a day on;
the days before keep the older terms. Each month's amount is summed exactly (fractions) and
rounded to øre once, half up, so splitting a span at any day never changes a month's amount.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Literal

Unit = Literal["maaned", "uge", "doegn"]
UNITS: tuple[Unit, ...] = ("maaned", "uge", "doegn")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Segment:
    """Terms that hold from `first_day` to `last_day`, both included."""

    price: Decimal
    unit: Unit
    first_day: date
    last_day: date


@dataclass(frozen=True)
class Terms:
    """One revision of a grant: its terms from `effective_from` on."""

    revision: int
    price: Decimal
    unit: Unit
    starts_on: date
    expected_end: date
    effective_from: date


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: date) -> date:
    return month_end(month) + timedelta(days=1)


def months(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s month to `last`'s, both included."""
    found, month = [], month_of(first)
    while month <= last:
        found.append(month)
        month = next_month(month)
    return found


def _per_day(price: Decimal, unit: Unit, month: date) -> Fraction:
    if unit == "maaned":
        return Fraction(price) / calendar.monthrange(month.year, month.month)[1]
    if unit == "uge":
        return Fraction(price) / 7
    return Fraction(price)


def _exact(segments: Iterable[Segment]) -> dict[date, Fraction]:
    totals: dict[date, Fraction] = {}
    for segment in segments:
        if segment.last_day < segment.first_day:
            continue
        for month in months(segment.first_day, segment.last_day):
            first = max(segment.first_day, month)
            last = min(segment.last_day, month_end(month))
            days = (last - first).days + 1
            share = _per_day(segment.price, segment.unit, month) * days
            totals[month] = totals.get(month, Fraction(0)) + share
    return totals


def to_oere(amount: Fraction) -> Decimal:
    exact = Decimal(amount.numerator) / Decimal(amount.denominator)
    return exact.quantize(CENT, rounding=ROUND_HALF_UP)


def project(segments: Iterable[Segment]) -> dict[date, Decimal]:
    """Month (its first day) -> amount in kroner and øre, for every month a segment touches."""
    return {month: to_oere(total) for month, total in sorted(_exact(segments).items())}


def segments(revisions: Sequence[Terms], ended_on: date | None = None) -> list[Segment]:
    """The spans each revision governs: from its effective day (or its start, if later) to the
    day before the next revision takes effect, within its own start and expected end, and not
    past `ended_on` (the day the measure ended)."""
    ordered = sorted(revisions, key=lambda t: t.revision)
    spans = []
    for index, terms in enumerate(ordered):
        later = [t.effective_from for t in ordered[index + 1 :]]
        until = min(later) - timedelta(days=1) if later else date.max
        last = min(terms.expected_end, until)
        if ended_on is not None:
            last = min(last, ended_on)
        first = max(terms.starts_on, terms.effective_from)
        if first <= last:
            spans.append(Segment(terms.price, terms.unit, first, last))
    return spans


def projection(revisions: Sequence[Terms], ended_on: date | None = None) -> dict[date, Decimal]:
    return project(segments(revisions, ended_on))

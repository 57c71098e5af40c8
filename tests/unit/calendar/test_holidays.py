"""Danish helligdage, the closed days of public administration and municipal adjustments."""

from __future__ import annotations

from datetime import date

import pytest

from api.calendar import WorkingCalendar
from api.calendar.holidays import easter_sunday, helligdage

EASTER_SUNDAYS = [
    date(2019, 4, 21),
    date(2020, 4, 12),
    date(2021, 4, 4),
    date(2022, 4, 17),
    date(2023, 4, 9),
    date(2024, 3, 31),
    date(2025, 4, 20),
    date(2026, 4, 5),
    date(2027, 3, 28),
    date(2028, 4, 16),
    date(2029, 4, 1),
    date(2030, 4, 21),
]


@pytest.mark.parametrize("expected", EASTER_SUNDAYS, ids=lambda d: str(d.year))
def test_easter_sunday_matches_the_known_date(expected: date) -> None:
    """The computus gives the published Easter Sunday for 2019-2030."""
    assert easter_sunday(expected.year) == expected


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        pytest.param(
            2026,
            {
                date(2026, 4, 2): "Skærtorsdag",
                date(2026, 4, 3): "Langfredag",
                date(2026, 4, 5): "Påskedag",
                date(2026, 4, 6): "2. påskedag",
                date(2026, 5, 14): "Kristi himmelfartsdag",
                date(2026, 5, 24): "Pinsedag",
                date(2026, 5, 25): "2. pinsedag",
            },
            id="2026",
        ),
        pytest.param(
            2024,
            {
                date(2024, 3, 28): "Skærtorsdag",
                date(2024, 3, 29): "Langfredag",
                date(2024, 3, 31): "Påskedag",
                date(2024, 4, 1): "2. påskedag",
                date(2024, 5, 9): "Kristi himmelfartsdag",
                date(2024, 5, 19): "Pinsedag",
                date(2024, 5, 20): "2. pinsedag",
            },
            id="2024",
        ),
        pytest.param(
            2023,
            {
                date(2023, 4, 6): "Skærtorsdag",
                date(2023, 4, 7): "Langfredag",
                date(2023, 4, 9): "Påskedag",
                date(2023, 4, 10): "2. påskedag",
                date(2023, 5, 5): "Store bededag",
                date(2023, 5, 18): "Kristi himmelfartsdag",
                date(2023, 5, 28): "Pinsedag",
                date(2023, 5, 29): "2. pinsedag",
            },
            id="2023-with-store-bededag",
        ),
    ],
)
def test_movable_feasts_follow_easter(year: int, expected: dict[date, str]) -> None:
    """The movable helligdage fall on their fixed offsets from Easter Sunday."""
    fixed = {date(year, 1, 1), date(year, 12, 25), date(year, 12, 26)}
    movable = {d: name for d, name in helligdage(year).items() if d not in fixed}
    assert movable == expected


def test_a_full_year_of_closed_days() -> None:
    """2025 has ten helligdage plus Grundlovsdag, Juleaftensdag and Nytårsaftensdag, in order."""
    assert list(WorkingCalendar().closed_days(2025).items()) == [
        (date(2025, 1, 1), "Nytårsdag"),
        (date(2025, 4, 17), "Skærtorsdag"),
        (date(2025, 4, 18), "Langfredag"),
        (date(2025, 4, 20), "Påskedag"),
        (date(2025, 4, 21), "2. påskedag"),
        (date(2025, 5, 29), "Kristi himmelfartsdag"),
        (date(2025, 6, 5), "Grundlovsdag"),
        (date(2025, 6, 8), "Pinsedag"),
        (date(2025, 6, 9), "2. pinsedag"),
        (date(2025, 12, 24), "Juleaftensdag"),
        (date(2025, 12, 25), "Juledag"),
        (date(2025, 12, 26), "2. juledag"),
        (date(2025, 12, 31), "Nytårsaftensdag"),
    ]


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2023, 5, 5), False, id="2023-05-05-store-bededag"),
        pytest.param(date(2022, 5, 13), False, id="2022-05-13-store-bededag"),
        pytest.param(date(2024, 4, 26), True, id="2024-04-26-abolished"),
        pytest.param(date(2025, 5, 16), True, id="2025-05-16-abolished"),
    ],
)
def test_store_bededag_is_closed_only_up_to_2023(day: date, working: bool) -> None:
    """Store bededag closes the office until 2023; from 2024 the day is an ordinary Friday."""
    assert WorkingCalendar().is_working_day(day) is working
    assert (helligdage(day.year).get(day) == "Store bededag") is not working


@pytest.mark.parametrize(
    ("day", "working"),
    [
        pytest.param(date(2025, 3, 3), True, id="monday"),
        pytest.param(date(2025, 3, 7), True, id="friday"),
        pytest.param(date(2025, 3, 8), False, id="saturday"),
        pytest.param(date(2025, 3, 9), False, id="sunday"),
        pytest.param(date(2026, 1, 1), False, id="nytaarsdag"),
        pytest.param(date(2026, 4, 3), False, id="langfredag"),
        pytest.param(date(2026, 5, 14), False, id="kristi-himmelfartsdag"),
        pytest.param(date(2026, 6, 5), False, id="grundlovsdag"),
        pytest.param(date(2025, 12, 24), False, id="juleaftensdag"),
        pytest.param(date(2025, 12, 31), False, id="nytaarsaftensdag"),
        pytest.param(date(2025, 12, 23), True, id="lillejuleaften"),
        pytest.param(date(2026, 5, 1), True, id="1-maj"),
    ],
)
def test_default_calendar_working_days(day: date, working: bool) -> None:
    """Weekdays are working days unless a helligdag or a closed day of public administration."""
    assert WorkingCalendar().is_working_day(day) is working


@pytest.mark.parametrize(
    ("calendar", "day"),
    [
        pytest.param(
            WorkingCalendar(grundlovsdag_closed=False), date(2026, 6, 5), id="grundlovsdag"
        ),
        pytest.param(
            WorkingCalendar(juleaftensdag_closed=False), date(2025, 12, 24), id="juleaftensdag"
        ),
        pytest.param(
            WorkingCalendar(nytaarsaftensdag_closed=False),
            date(2025, 12, 31),
            id="nytaarsaftensdag",
        ),
        pytest.param(
            WorkingCalendar(extra_open=frozenset({date(2025, 12, 24)})),
            date(2025, 12, 24),
            id="extra-open-juleaftensdag",
        ),
        pytest.param(
            WorkingCalendar(extra_open=frozenset({date(2026, 4, 2)})),
            date(2026, 4, 2),
            id="extra-open-skaertorsdag",
        ),
    ],
)
def test_a_municipality_can_open_a_closed_day(calendar: WorkingCalendar, day: date) -> None:
    """A day switched off or declared open is a working day and leaves the closed-day list."""
    assert calendar.is_working_day(day)
    assert day not in calendar.closed_days(day.year)


def test_a_municipal_closing_day_is_closed_and_named() -> None:
    """A municipality's own closing day is not a working day and is listed as a lukkedag."""
    calendar = WorkingCalendar(extra_closed=frozenset({date(2026, 5, 15), date(2027, 5, 7)}))
    assert not calendar.is_working_day(date(2026, 5, 15))
    assert calendar.closed_days(2026)[date(2026, 5, 15)] == "Kommunal lukkedag"
    assert date(2027, 5, 7) not in calendar.closed_days(2026)


def test_a_municipal_closing_day_on_a_helligdag_keeps_the_helligdag_name() -> None:
    """Listing a helligdag as a municipal closing day does not rename it."""
    calendar = WorkingCalendar(extra_closed=frozenset({date(2026, 4, 3)}))
    assert calendar.closed_days(2026)[date(2026, 4, 3)] == "Langfredag"


def test_grundlovsdag_on_2_pinsedag_carries_both_names() -> None:
    """5 June 2028 is both 2. pinsedag and Grundlovsdag, and stays closed without Grundlovsdag."""
    assert WorkingCalendar().closed_days(2028)[date(2028, 6, 5)] == "2. pinsedag / Grundlovsdag"
    without = WorkingCalendar(grundlovsdag_closed=False)
    assert without.closed_days(2028)[date(2028, 6, 5)] == "2. pinsedag"
    assert not without.is_working_day(date(2028, 6, 5))


def test_named_days_on_a_weekend_are_listed_but_plain_weekends_are_not() -> None:
    """Påskedag (a Sunday) is listed; an ordinary Saturday is not."""
    days = WorkingCalendar().closed_days(2026)
    assert days[date(2026, 4, 5)] == "Påskedag"
    assert date(2026, 4, 4) not in days


@pytest.mark.parametrize(
    ("extra_closed", "extra_open", "message"),
    [
        pytest.param(
            {date(2026, 3, 2)},
            {date(2026, 3, 2)},
            "both closed and open: 2026-03-02",
            id="closed-and-open",
        ),
        pytest.param(
            set(),
            {date(2026, 3, 7)},
            "weekend days cannot be declared open: 2026-03-07",
            id="open-saturday",
        ),
    ],
)
def test_contradictory_calendar_is_refused(
    extra_closed: set[date], extra_open: set[date], message: str
) -> None:
    """A day both closed and open, or a weekend declared open, is a configuration error."""
    with pytest.raises(ValueError, match=message):
        WorkingCalendar(extra_closed=frozenset(extra_closed), extra_open=frozenset(extra_open))


def test_calendar_is_immutable_and_hashable() -> None:
    """A calendar is a frozen value object, equal by content."""
    calendar = WorkingCalendar(extra_closed=frozenset({date(2026, 5, 15)}))
    with pytest.raises(AttributeError):
        calendar.grundlovsdag_closed = False  # type: ignore[misc]
    assert calendar == WorkingCalendar(extra_closed=frozenset({date(2026, 5, 15)}))
    assert hash(calendar) == hash(WorkingCalendar(extra_closed=frozenset({date(2026, 5, 15)})))

"""CPR numbers: well-formedness, the century rule, modulus 11 and our synthetic-number scheme.

A CPR number is `ddmmyy` + a four-digit sequence number. The first sequence digit fixes the
century of the birth year; the last digit is odd for men and even for women.

Synthetic numbers (see `adapters/cpr/README.md`): a number is synthetic when ALL of these hold:

1. it is well-formed (ten digits, a real date under the century rule);
2. the day of month is 2..28;
3. the sequence number starts with "99" (so the birth year is 1937..2036);
4. it FAILS the modulus-11 check.

Every number the CPR office issued before 1 October 2007 passes modulus 11, so rule 4 alone rules
out everybody born before that. Since 2007 the office issues numbers that fail modulus 11 only for
birth dates whose modulus-11 numbers have run out, in practice the 1st of January of a number of
years (the date given to many immigrants), which rule 2 excludes. The office publishes no reserved
test range, so this is a practical guarantee, not an official one; rule 3 narrows it further.
"""

from __future__ import annotations

import re
from datetime import date

_CPR_SHAPE = re.compile(r"\d{10}")
_MOD11_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
SYNTHETIC_SEQUENCE_PREFIX = "99"
SYNTHETIC_DAYS = range(2, 29)
# With sequence digit 9 the century rule gives 2000..2036 for yy 00..36 and 1937..1999 otherwise.
SYNTHETIC_YEARS = range(1937, 2037)


def normalise(cpr: str) -> str:
    """Drop the optional dash of `ddmmyy-xxxx` and surrounding blanks."""
    text = cpr.strip()
    if len(text) == 11 and text[6] == "-":
        return text[:6] + text[7:]
    return text


def century(yy: int, sequence_digit: int) -> int:
    """The century of the birth year, from the first sequence digit (CPR's rule since 1968)."""
    if sequence_digit <= 3:
        return 1900
    if sequence_digit in (4, 9):
        return 2000 if yy <= 36 else 1900
    return 2000 if yy <= 57 else 1800


def birth_date_of(cpr: str) -> date | None:
    """The birth date a well-shaped number encodes, or None if it is not a date."""
    if not _CPR_SHAPE.fullmatch(cpr):
        return None
    day, month, yy = int(cpr[0:2]), int(cpr[2:4]), int(cpr[4:6])
    try:
        return date(century(yy, int(cpr[6])) + yy, month, day)
    except ValueError:
        return None


def is_well_formed(cpr: str) -> bool:
    """Ten digits whose first six are a real date under the century rule."""
    return birth_date_of(cpr) is not None


def is_female(cpr: str) -> bool:
    return int(cpr[9]) % 2 == 0


def passes_modulus11(cpr: str) -> bool:
    return sum(int(d) * w for d, w in zip(cpr, _MOD11_WEIGHTS, strict=True)) % 11 == 0


def is_synthetic(cpr: str) -> bool:
    """True for numbers of our synthetic scheme (see the module docstring)."""
    born = birth_date_of(cpr)
    return (
        born is not None
        and born.day in SYNTHETIC_DAYS
        and cpr[6:8] == SYNTHETIC_SEQUENCE_PREFIX
        and not passes_modulus11(cpr)
    )


def synthetic_candidates(birth_date: date, *, female: bool) -> list[str]:
    """Every synthetic number for this birth date and sex, in a fixed order."""
    if birth_date.day not in SYNTHETIC_DAYS or birth_date.year not in SYNTHETIC_YEARS:
        raise ValueError(
            "synthetic CPR numbers need a birth date on day 2..28 in the years 1937..2036"
        )
    stem = birth_date.strftime("%d%m%y") + SYNTHETIC_SEQUENCE_PREFIX
    last_digits = (0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9)
    numbers = [f"{stem}{third}{last}" for third in range(10) for last in last_digits]
    return [number for number in numbers if not passes_modulus11(number)]


def make_synthetic(birth_date: date, *, female: bool, index: int) -> str:
    """The `index`-th synthetic number (modulo how many there are) for this date and sex."""
    candidates = synthetic_candidates(birth_date, female=female)
    return candidates[index % len(candidates)]

"""Synthetic CPR numbers: the one place fixtures and demo data get a CPR number.

A number is synthetic BY CONSTRUCTION when all of these hold (`is_synthetic` checks them):

1. it is well-formed: ten digits, the first six a real date under CPR's century rule;
2. the day of month is 2..28;
3. the sequence number (digits 7-10) starts with "99", which puts the birth year in 1937..2036;
4. it FAILS the modulus-11 check.

Why this is safe: every number issued before 1 October 2007 passes modulus 11 (rule 4). Numbers
issued since may fail it, but the CPR office only hands those out for birth dates whose modulus-11
numbers have run out, in practice the 1st of January of some years, which rule 2 excludes; rule 3
narrows the space further. The CPR office reserves no official test range, so this is a practical
guarantee, not a legal one: never send these numbers to a production CPR service.

`synthetic_cpr(seed)` maps any seed to such a number deterministically. Different seeds can give
the same number when the birth date and sex are fixed (there are about 45 per date and sex).
The simulator's reserved edge-case numbers (`adapters.cpr.simulator`) follow the same scheme and
are never returned by `synthetic_cpr`.
"""

from __future__ import annotations

import hashlib
from datetime import date

from adapters.cpr import simulator
from adapters.cpr.numbers import is_synthetic, synthetic_candidates
from api.calendar.months import add_months

__all__ = [
    "CONTRACT_VIOLATION",
    "CUSTODY_APART",
    "DEAD",
    "MISSING",
    "NOT_FOUND",
    "NO_CUSTODY",
    "PROTECTED_ADDRESS",
    "RESERVED",
    "SLOW",
    "TECHNICAL_FAULT",
    "is_synthetic",
    "synthetic_cpr",
    "synthetic_cpr_of_age",
]

NOT_FOUND = simulator.CPR_NOT_FOUND
"""The simulator answers with the contract's not-found fault."""
PROTECTED_ADDRESS = simulator.CPR_PROTECTED_ADDRESS
"""A child with adressebeskyttelse."""
DEAD = simulator.CPR_DEAD
"""Status 90 (død)."""
MISSING = simulator.CPR_MISSING
"""Status 70 (forsvundet)."""
TECHNICAL_FAULT = simulator.CPR_TECHNICAL_FAULT
"""HTTP 500 without a SOAP body."""
CONTRACT_VIOLATION = simulator.CPR_CONTRACT_VIOLATION
"""An answer that breaks the XSD."""
SLOW = simulator.CPR_SLOW
"""An answer that comes after the client's short test timeout."""
NO_CUSTODY = simulator.CPR_NO_CUSTODY
"""A child whose parents hold no custody."""
CUSTODY_APART = simulator.CPR_CUSTODY_APART
"""A child whose two custody holders live at different addresses."""
RESERVED = simulator.RESERVED

# Default birth years: children and young people, the system's main subjects.
_DEFAULT_YEARS = range(2008, 2024)


def synthetic_cpr(
    seed: int | str, *, birth_date: date | None = None, female: bool | None = None
) -> str:
    """A synthetic CPR number, the same for the same arguments.

    `birth_date` must fall on day 2..28 in 1937..2036 (ValueError otherwise); by default it is
    drawn from the seed within 2008..2023. `female` defaults to a draw from the seed.
    """
    digest = hashlib.sha256(f"synthetic-cpr:{seed}".encode()).digest()
    if birth_date is None:
        birth_date = date(
            _DEFAULT_YEARS[digest[0] % len(_DEFAULT_YEARS)],
            1 + digest[1] % 12,
            2 + digest[2] % 27,
        )
    if female is None:
        female = digest[3] % 2 == 0
    candidates = [
        number
        for number in synthetic_candidates(birth_date, female=female)
        if number not in RESERVED
    ]
    return candidates[int.from_bytes(digest[4:8], "big") % len(candidates)]


def synthetic_child_cpr(seed: int | str, today: date) -> str:
    """A synthetic CPR number of a child aged 1 to 15 on `today`, so the simulator gives it a
    mother and a father with custody (an 18-year-old has none)."""
    digest = hashlib.sha256(f"synthetic-child:{seed}".encode()).digest()
    born = date(today.year - 1 - digest[0] % 15, 1 + digest[1] % 12, 2 + digest[2] % 27)
    return synthetic_cpr(seed, birth_date=born)


def synthetic_cpr_of_age(seed: int | str, age: int, today: date) -> str:
    """A synthetic CPR number of a person exactly `age` years old on `today`, e.g. a young
    person past the 16th birthday for ungestøtte. The birthday falls 2 to 10 calendar months
    before `today`'s month, so the last one is at least a month ago and the next at least a
    month away: the age holds for a test that runs across midnight or moves a clock a little."""
    digest = hashlib.sha256(f"synthetic-age:{seed}".encode()).digest()
    month = add_months(date(today.year - age, today.month, 1), -(2 + digest[0] % 9))
    born = month.replace(day=2 + digest[1] % 27)
    return synthetic_cpr(seed, birth_date=born)

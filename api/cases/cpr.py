"""The CPR number as a value object: validated on construction, masked when printed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PATTERN = re.compile(r"^(\d{6})-?(\d{4})$")


def _century(year2: int, seventh: int) -> int:
    """The century from the 7th digit (CPR-kontoret's table)."""
    if seventh in (0, 1, 2, 3):
        return 1900
    if seventh in (4, 9):
        return 2000 if year2 <= 36 else 1900
    if seventh in (5, 6, 7, 8):
        return 2000 if year2 <= 57 else 1800
    raise ValueError("invalid 7th digit")


@dataclass(frozen=True)
class CprNumber:
    value: str

    def __post_init__(self) -> None:
        match = _PATTERN.match(self.value.strip()) if isinstance(self.value, str) else None
        if not match:
            raise ValueError("CPR-nummer skal være 10 cifre (ddmmåå-xxxx)")
        digits = match.group(1) + match.group(2)
        object.__setattr__(self, "value", digits)
        self.birth_date  # noqa: B018 - validates the date part

    @property
    def birth_date(self) -> date:
        day, month, year2 = int(self.value[0:2]), int(self.value[2:4]), int(self.value[4:6])
        year = _century(year2, int(self.value[6])) + year2
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise ValueError("CPR-nummerets fødselsdato findes ikke") from exc

    @property
    def is_female(self) -> bool:
        return int(self.value[-1]) % 2 == 0

    def age_on(self, day: date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        return f"{self.value[:6]}-xxxx"

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"CprNumber({self.masked()!r})"

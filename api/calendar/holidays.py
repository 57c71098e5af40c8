"""Danish public holidays and the days Danish public administration is closed.

Sources:
- Helligdage: the folkekirke's holidays under helligdagsloven and lov om søgnehelligdage, as
  amended: Nytårsdag, Skærtorsdag, Langfredag, Påskedag, 2. påskedag, Kristi himmelfartsdag,
  Pinsedag, 2. pinsedag, Juledag and 2. juledag.
- Store bededag (4th Friday after Easter) is a helligdag up to and including 2023 only: lov nr. 284
  af 24. marts 2023 (L 13, 2022-23, 2. samling, on the abolition of store bededag as a helligdag)
  makes it an ordinary working day from 1 January 2024.
- Grundlovsdag (5 June), Juleaftensdag (24 December) and Nytårsaftensdag (31 December) are not
  helligdage, but public-sector agreements and practice make them closed days in Danish public
  administration. Each can be switched off per municipality in `WorkingCalendar`.
- Saturdays and Sundays are never working days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

LAST_YEAR_WITH_STORE_BEDEDAG = 2023
MUNICIPAL_CLOSING_DAY = "Kommunal lukkedag"


def easter_sunday(year: int) -> date:
    """Easter Sunday of a Gregorian year (the anonymous Gregorian computus, Meeus/Jones/Butcher)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    lunar_correction = (century + 8) // 25
    solar_correction = (century - lunar_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - solar_correction + 15) % 30
    leap_years, year_rest = divmod(year_of_century, 4)
    weekday_offset = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    march_correction = (golden + 11 * epact + 22 * weekday_offset) // 451
    month, day = divmod(epact + weekday_offset - 7 * march_correction + 114, 31)
    return date(year, month, day + 1)


def helligdage(year: int) -> dict[date, str]:
    """The statutory public holidays of a year, by date, with their Danish names."""
    return dict(_helligdage(year))


@lru_cache(maxsize=64)
def _helligdage(year: int) -> MappingProxyType[date, str]:
    easter = easter_sunday(year)
    days = {
        date(year, 1, 1): "Nytårsdag",
        easter - timedelta(days=3): "Skærtorsdag",
        easter - timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + timedelta(days=1): "2. påskedag",
        easter + timedelta(days=39): "Kristi himmelfartsdag",
        easter + timedelta(days=49): "Pinsedag",
        easter + timedelta(days=50): "2. pinsedag",
        date(year, 12, 25): "Juledag",
        date(year, 12, 26): "2. juledag",
    }
    if year <= LAST_YEAR_WITH_STORE_BEDEDAG:
        days[easter + timedelta(days=26)] = "Store bededag"
    return MappingProxyType(dict(sorted(days.items())))


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days count as working days (hverdage/arbejdsdage) for one municipality.

    `extra_closed` adds the municipality's own closing days; `extra_open` reopens a day that the
    national rules close. A weekend day cannot be reopened, and no day may be in both sets.
    """

    grundlovsdag_closed: bool = True
    juleaftensdag_closed: bool = True
    nytaarsaftensdag_closed: bool = True
    extra_closed: frozenset[date] = frozenset()
    extra_open: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        both = self.extra_closed & self.extra_open
        if both:
            raise ValueError(f"days both closed and open: {_iso_list(both)}")
        weekend = {d for d in self.extra_open if _is_weekend(d)}
        if weekend:
            raise ValueError(f"weekend days cannot be declared open: {_iso_list(weekend)}")

    def is_working_day(self, d: date) -> bool:
        """True if `d` is a working day: a weekday that is neither a closed day nor a helligdag."""
        if _is_weekend(d):
            return False
        if d in self.extra_open:
            return True
        return d not in self.extra_closed and d not in self._national_closed_days(d.year)

    def closed_days(self, year: int) -> dict[date, str]:
        """The named closed days of `year`, in date order; plain Saturdays and Sundays are left out.

        A named day that falls on a weekend is listed all the same. Where two names fall on one
        date (2. pinsedag and Grundlovsdag in 2028), both are given.
        """
        days = dict(self._national_closed_days(year))
        for d in self.extra_closed:
            if d.year == year:
                days.setdefault(d, MUNICIPAL_CLOSING_DAY)
        for d in self.extra_open:
            days.pop(d, None)
        return dict(sorted(days.items()))

    def _national_closed_days(self, year: int) -> MappingProxyType[date, str]:
        return _national_closed_days(
            year,
            grundlovsdag=self.grundlovsdag_closed,
            juleaftensdag=self.juleaftensdag_closed,
            nytaarsaftensdag=self.nytaarsaftensdag_closed,
        )


@lru_cache(maxsize=256)
def _national_closed_days(
    year: int, *, grundlovsdag: bool, juleaftensdag: bool, nytaarsaftensdag: bool
) -> MappingProxyType[date, str]:
    days = dict(_helligdage(year))
    extra = {
        date(year, 6, 5): ("Grundlovsdag", grundlovsdag),
        date(year, 12, 24): ("Juleaftensdag", juleaftensdag),
        date(year, 12, 31): ("Nytårsaftensdag", nytaarsaftensdag),
    }
    for d, (name, closed) in extra.items():
        if closed:
            days[d] = f"{days[d]} / {name}" if d in days else name
    return MappingProxyType(dict(sorted(days.items())))


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def _iso_list(days: frozenset[date] | set[date]) -> str:
    return ", ".join(d.isoformat() for d in sorted(days))

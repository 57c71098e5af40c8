"""DST's code lists, versioned by validity: loaded from a file into `dst_code`, resolved per
event date.

`python -m api.dst.codes [file]` loads a file (default: the shipped `kodelister.toml`); a load
upserts by list, key and valid_from, so loading the same file twice changes nothing, and a new
version (an announced change) is added beside the old one.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from api.dst.tables import dst_code

SHIPPED = Path(__file__).with_name("kodelister.toml")
LISTS = (
    "paragraf",
    "underretter",
    "underretningsaarsag",
    "ophoersaarsag",
    "aendringsaarsag",
    "anbringelsessted",
)


class BadCodeList(ValueError):
    """A code-list file that cannot be loaded; the message says which entry and why."""


@dataclass(frozen=True)
class Code:
    list: str
    key: str
    code: str
    text: str
    valid_from: date
    valid_to: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def _date(entry: dict[str, Any], name: str, number: int) -> date | None:
    value = entry.get(name)
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    raise BadCodeList(f"kode nr. {number}: {name} skal være en dato")


def parse(text: str) -> list[Code]:
    """The codes of a file; DST changes its lists only on 1 January and 1 July."""
    try:
        entries = tomllib.loads(text).get("code", [])
    except tomllib.TOMLDecodeError as exc:
        raise BadCodeList(f"filen er ikke TOML: {exc}") from None
    codes = []
    for number, entry in enumerate(entries, start=1):
        missing = [name for name in ("list", "key", "code", "text") if not entry.get(name)]
        if missing:
            raise BadCodeList(f"kode nr. {number} mangler {', '.join(missing)}")
        if entry["list"] not in LISTS:
            raise BadCodeList(f"kode nr. {number}: ukendt liste {entry['list']!r}")
        valid_from = _date(entry, "valid_from", number)
        valid_to = _date(entry, "valid_to", number)
        if valid_from is None or (valid_from.month, valid_from.day) not in ((1, 1), (7, 1)):
            raise BadCodeList(f"kode nr. {number}: valid_from skal være 1. januar eller 1. juli")
        if valid_to is not None and (
            valid_to < valid_from or (valid_to.month, valid_to.day) not in ((6, 30), (12, 31))
        ):
            raise BadCodeList(
                f"kode nr. {number}: valid_to skal være 30. juni eller 31. december "
                "efter valid_from"
            )
        codes.append(
            Code(
                entry["list"],
                str(entry["key"]),
                str(entry["code"]),
                entry["text"],
                valid_from,
                valid_to,
            )
        )
    return codes


def load(conn: Connection, codes: list[Code]) -> int:
    """Upsert the codes; returns how many rows were new or changed."""
    changed = 0
    for item in codes:
        statement = insert(dst_code).values(
            list=item.list,
            key=item.key,
            valid_from=item.valid_from,
            valid_to=item.valid_to,
            code=item.code,
            text=item.text,
        )
        result = conn.execute(
            statement.on_conflict_do_update(
                index_elements=["list", "key", "valid_from"],
                set_={
                    "valid_to": statement.excluded.valid_to,
                    "code": statement.excluded.code,
                    "text": statement.excluded.text,
                },
                where=(dst_code.c.valid_to.is_distinct_from(statement.excluded.valid_to))
                | (dst_code.c.code != statement.excluded.code)
                | (dst_code.c.text != statement.excluded.text),
            )
        )
        changed += result.rowcount
    return changed


def load_shipped(conn: Connection) -> int:
    return load(conn, parse(SHIPPED.read_text(encoding="utf-8")))


class CodeLists:
    """The codes in effect, as loaded in `dst_code`."""

    def __init__(self, codes: list[Code]) -> None:
        self.codes = codes

    @classmethod
    def from_db(cls, conn: Connection) -> CodeLists:
        rows = conn.execute(select(dst_code)).all()
        return cls([Code(r.list, r.key, r.code, r.text, r.valid_from, r.valid_to) for r in rows])

    def resolve(self, list_name: str, key: str, day: date) -> str | None:
        """The code valid on `day`; when versions overlap, the newest."""
        found = [c for c in self.codes if c.list == list_name and c.key == key and c.valid_on(day)]
        return max(found, key=lambda c: c.valid_from).code if found else None

    def version(self, day: date) -> str:
        """The code-list version in effect on `day`: the half-year of the latest change, e.g.
        2027-2 from 1 July 2027."""
        starts = [c.valid_from for c in self.codes if c.valid_from <= day]
        if not starts:
            return "0000-1"
        latest = max(starts)
        return f"{latest.year}-{1 if latest.month < 7 else 2}"


def main(argv: list[str] | None = None) -> int:
    from api.db import make_engine
    from api.settings import get_settings

    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else SHIPPED
    codes = parse(path.read_text(encoding="utf-8"))
    engine = make_engine(get_settings(), pool_size=1)
    with engine.begin() as conn:
        changed = load(conn, codes)
    print(f"{len(codes)} koder læst, {changed} nye eller ændrede")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""DST code lists by validity date, and events coded from case-store rows."""

from __future__ import annotations

import uuid
from datetime import date
from types import SimpleNamespace
from typing import Any, cast

import pytest
from sqlalchemy import Connection

from adapters.dst import ReportEvent
from api.cases.statistics import note_event
from api.dst.codes import SHIPPED, BadCodeList, CodeLists, parse
from api.dst.delivery import Held, paragraph_keys, report_event

LISTS = CodeLists(parse(SHIPPED.read_text(encoding="utf-8")))


def row(**changes: Any) -> SimpleNamespace:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "subject": "anbringelse",
        "subject_id": uuid.uuid4(),
        "event": "end",
        "occurred_on": date(2027, 7, 1),
        "code": "",
        "municipality_id": "901",
        "child_cpr": "0101141234",
        "mother_cpr": None,
        "reporter_type": None,
        "concerns_abuse": None,
        "legal_basis": "BL § 46",
        "event_legal_basis": None,
    }
    values.update(changes)
    return SimpleNamespace(**values)


def test_the_code_valid_on_the_event_date_is_used_across_1_july() -> None:
    assert LISTS.resolve("ophoersaarsag", "afgoerelse", date(2027, 6, 30)) == "01"
    assert LISTS.resolve("ophoersaarsag", "afgoerelse", date(2027, 7, 1)) == "101"
    assert LISTS.version(date(2027, 6, 30)) == "2024-1"
    assert LISTS.version(date(2027, 7, 1)) == "2027-2"
    assert LISTS.resolve("ophoersaarsag", "afgoerelse", date(2023, 12, 31)) is None


def test_an_end_event_on_1_july_gets_the_new_code_and_the_day_before_the_old() -> None:
    after = report_event(row(), LISTS)
    before = report_event(row(occurred_on=date(2027, 6, 30)), LISTS)
    assert isinstance(after, ReportEvent) and isinstance(before, ReportEvent)
    assert (after.reason, after.code_list_version, after.paragraph) == ("101", "2027-2", "BL46")
    assert (before.reason, before.code_list_version) == ("01", "2024-1")


def test_an_announced_version_takes_over_from_its_date() -> None:
    announced = parse(
        '[[code]]\nlist = "ophoersaarsag"\nkey = "afgoerelse"\ncode = "201"\n'
        'text = "Ophørt efter afgørelse"\nvalid_from = 2031-01-01\n'
    )
    lists = CodeLists(LISTS.codes + announced)
    assert lists.resolve("ophoersaarsag", "afgoerelse", date(2030, 12, 31)) == "101"
    assert lists.resolve("ophoersaarsag", "afgoerelse", date(2031, 1, 1)) == "201"
    assert lists.version(date(2031, 1, 1)) == "2031-1"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[code]]\nlist = "paragraf"\nkey = "1"\ntext = "x"\nvalid_from = 2024-01-01\n', "code"),
        (
            '[[code]]\nlist = "x"\nkey = "1"\ncode = "1"\ntext = "x"\nvalid_from = 2024-01-01\n',
            "liste",
        ),
        (
            '[[code]]\nlist = "paragraf"\nkey = "1"\ncode = "1"\ntext = "x"\n'
            "valid_from = 2024-03-01\n",
            "1. juli",
        ),
        (
            '[[code]]\nlist = "paragraf"\nkey = "1"\ncode = "1"\ntext = "x"\n'
            "valid_from = 2024-07-01\nvalid_to = 2024-06-30\n",
            "valid_to",
        ),
        ("[[code]\n", "TOML"),
    ],
)
def test_a_bad_code_list_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(BadCodeList, match=message):
        parse(text)


def test_legal_basis_keys_most_specific_first() -> None:
    assert paragraph_keys("BL § 32, stk. 1, nr. 3") == ["32.1.3", "32.1", "32"]
    assert paragraph_keys("§ 46") == ["46"]
    assert paragraph_keys("Barnets lov") == []
    event = report_event(
        row(subject="indsats", event="start", legal_basis="BL § 32, stk. 1, nr. 3"), LISTS
    )
    assert isinstance(event, ReportEvent) and event.paragraph == "BL32-1-3" and event.reason is None
    general = report_event(
        row(subject="indsats", event="start", legal_basis="BL § 32, stk. 2"), LISTS
    )
    assert isinstance(general, ReportEvent) and general.paragraph == "BL32-1"


def test_an_underretning_is_coded_from_the_case_store() -> None:
    made = report_event(
        row(
            subject="underretning",
            event="start",
            reporter_type="professional",
            concerns_abuse=True,
            child_cpr=None,
            mother_cpr="0101901234",
            legal_basis=None,
        ),
        LISTS,
    )
    assert isinstance(made, ReportEvent)
    assert (made.subject, made.reporter, made.reasons) == ("UNDERRETNING", "20", ("11",))
    assert made.unborn and made.child_cpr == "0101901234"


def test_a_change_reports_the_new_legal_basis_with_its_reason_as_aendring() -> None:
    """The committee's decision after the chair's (§ 143 → § 47): the change carries the
    paragraph it noted and the ændringsårsag; the start keeps the paragraph it began under,
    and the end reports the measure's latest."""
    change = report_event(
        row(
            event="change",
            code="udvalgets_afgoerelse",
            event_legal_basis="BL § 47",
            legal_basis="BL § 47",
            occurred_on=date(2027, 3, 2),
        ),
        LISTS,
    )
    assert isinstance(change, ReportEvent)
    assert (change.kind, change.subject, change.paragraph, change.reason) == (
        "AENDRING",
        "ANBRINGELSE",
        "BL47",
        "21",
    )
    start = report_event(
        row(event="start", code="BL § 143", event_legal_basis="BL § 143", legal_basis="BL § 47"),
        LISTS,
    )
    assert isinstance(start, ReportEvent) and (start.kind, start.paragraph) == ("START", "BL143")
    end = report_event(row(event_legal_basis=None, legal_basis="BL § 47"), LISTS)
    assert isinstance(end, ReportEvent) and (end.kind, end.paragraph) == ("SLUT", "BL47")
    # A change without a reason key still reports what changed.
    bare = report_event(row(event="change", event_legal_basis="BL § 47"), LISTS)
    assert isinstance(bare, ReportEvent) and (bare.paragraph, bare.reason) == ("BL47", None)


def test_a_change_needs_its_key_and_a_start_or_end_has_none() -> None:
    conn = cast(Connection, None)  # refused before the database is touched
    common: dict[str, Any] = {
        "case_id": uuid.uuid4(),
        "subject": "anbringelse",
        "occurred_on": date(2027, 3, 2),
    }
    with pytest.raises(ValueError, match="change key"):
        note_event(conn, event="change", **common)
    with pytest.raises(ValueError, match="change key"):
        note_event(conn, event="end", change_key="hjemmel:x", **common)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"legal_basis": "BL § 11"}, "hjemlen"),
        ({"municipality_id": "mun-1"}, "kommunekode"),
        ({"child_cpr": None}, "CPR"),
        ({"occurred_on": date(2023, 6, 1)}, "hjemlen"),
        ({"code": "ukendt"}, "ophørsårsagen"),
        ({"event": "change", "code": "ukendt", "event_legal_basis": "BL § 47"}, "ændringsårsagen"),
        ({"event": "change", "event_legal_basis": "BL § 11"}, "hjemlen"),
    ],
)
def test_an_event_that_cannot_be_coded_is_held_back_with_the_reason(
    changes: dict[str, Any], why: str
) -> None:
    made = report_event(row(**changes), LISTS)
    assert isinstance(made, Held) and why in made.reason

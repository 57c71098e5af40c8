"""The administration's pure parts: amounts in Danish notation and the menu entry."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from pathlib import Path

from api.admin.service import APPROVAL_SUBJECTS, CHANGE_LABELS, ROLE_LABELS, parse_amount
from api.auth.principal import Principal
from api.org.tables import ROLES
from api.web.render import home_for, nav_for


def principal(*roles: str) -> Principal:
    return Principal(uuid.uuid4(), "u", "U", "901", uuid.uuid4(), frozenset(roles))


def test_amounts_in_danish_and_api_notation() -> None:
    assert parse_amount("50.000") == Decimal("50000")
    assert parse_amount("75.000,50") == Decimal("75000.50")
    assert parse_amount("1.234.567") == Decimal("1234567")
    assert parse_amount("50000,5") == Decimal("50000.5")
    assert parse_amount("50 000 kr.") == Decimal("50000")
    assert parse_amount("50000.25") == Decimal("50000.25")
    assert parse_amount("0") == Decimal("0")
    for bad in ("", "abc", "-5", "1,2,3", "50.00.0", "1.5000", "50000,123", "1e9", "NaN"):
        assert parse_amount(bad) is None, bad


def test_the_admin_page_is_in_the_menu_for_the_admin_role_only() -> None:
    assert [i.href for i in nav_for(principal("admin"))] == ["/administration"]
    assert home_for(principal("admin")) == "/administration"
    for role in ROLES:
        if role != "admin":
            assert "/administration" not in [i.href for i in nav_for(principal(role))]


def test_every_role_has_a_danish_label() -> None:
    assert set(ROLE_LABELS) == set(ROLES)
    assert "anbringelse" in APPROVAL_SUBJECTS


def test_every_change_the_service_records_has_a_danish_label() -> None:
    # Every module that records an administrator's change (admin, retention rules, ...).
    api = Path(__file__).resolve().parents[2] / "api"
    recorded = {
        kind
        for source in api.rglob("*.py")
        for kind in re.findall(r'record\(\s*conn,\s*principal,\s*"([a-z_.]+)"', source.read_text())
    }
    assert recorded and recorded == set(CHANGE_LABELS)

"""After the whole platform suite: no CPR number reached the engine, Redis or any log."""

from __future__ import annotations

import pytest

from tests.harness.pii import cpr_shaped, scan
from tests.harness.platform import Platform

pytestmark = pytest.mark.pii_scan


def test_the_scan_recognises_cpr_numbers() -> None:
    """The detector finds both spellings and ignores engine keys and timestamps."""
    assert cpr_shaped("x 0102039912 y 010203-9912") == ["0102039912", "010203-9912"]
    assert cpr_shaped("key 2251799813685249 ts 1795440380413 epoch 1795440380") == []
    assert cpr_shaped("case 1e050406-5196-4c1a-9f0e-ab0504065196cd") == []


def test_no_cpr_number_in_records_streams_or_logs(platform: Platform) -> None:
    """Every exported record, every Redis entry and every log line of the suite is clean."""
    assert scan(platform) == {}

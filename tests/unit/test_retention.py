"""Retention rules: which rule a case gets, when it is due, and that every case-store table
that refers to a case or a person is handled by the retention (api/retention/service.py)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

from api.retention.service import HANDLED, Candidate, Rule, due, due_on, rule_for, within_kle
from api.tables import metadata
from infra.stack import Broker, BrokerOptions, Ports, Redis

NATIONAL = Rule("kle-34", None, "34", None, 5, "delete", "K5")
PLACEMENT = Rule("kle-34.25", None, "34.25", None, 10, "anonymise", "B")
NORD = Rule("901-34.25", "901", "34.25", None, 12, "anonymise", "Nord's own")
COMPLAINTS = Rule("kle-34-k07", None, "34", "K07", 3, "delete", "K3")
RULES = (NATIONAL, PLACEMENT, NORD, COMPLAINTS)


def test_the_longest_kle_prefix_wins() -> None:
    assert rule_for(RULES, "902", "34.10.10", "G01") == NATIONAL
    assert rule_for(RULES, "902", "34.25.00", "G01") == PLACEMENT


def test_a_municipalitys_own_rule_wins_over_the_national_one() -> None:
    assert rule_for(RULES, "901", "34.25.00", "G01") == NORD
    assert rule_for(RULES, "902", "34.25.00", "G01") == PLACEMENT


def test_a_rule_naming_the_facet_wins_over_one_for_any_facet() -> None:
    assert rule_for(RULES, "902", "34.10.10", "K07") == COMPLAINTS


def test_a_prefix_covers_whole_kle_levels_only() -> None:
    assert rule_for(RULES, "902", "27.24.00", "G01") is None
    assert rule_for((PLACEMENT,), "902", "34.250.00", "G01") is None


def test_a_report_reader_limited_by_kle_sees_only_those_cases() -> None:
    assert within_kle("34.25.00", [])
    assert within_kle("34.25.00", ["34.25"]) and within_kle("34.25.00", ["34.10", "34"])
    assert not within_kle("34.10.10", ["34.25"]) and not within_kle("34.250.00", ["34.25"])


def test_due_after_the_years_from_closing_29_february_on_28() -> None:
    assert due_on(date(2020, 3, 1), 5) == date(2025, 3, 1)
    assert due_on(date(2024, 2, 29), 5) == date(2029, 2, 28)


def test_only_cases_past_their_period_are_due() -> None:
    closed = date(2020, 6, 1)
    cases = [
        Candidate(uuid.uuid4(), "902", "34.10.10", closed),  # 5 years: due 2025-06-01
        Candidate(uuid.uuid4(), "902", "34.25.00", closed),  # 10 years: due 2030-06-01
        Candidate(uuid.uuid4(), "902", "27.24.00", closed),  # no rule: kept
    ]
    found = due(cases, RULES, "G01", date(2025, 6, 1))
    assert [(c.case_id, r.id) for c, r in found] == [(cases[0].case_id, "kle-34")]
    assert due(cases, RULES, "G01", date(2025, 5, 31)) == []


def test_every_table_referring_to_a_case_or_a_person_is_handled() -> None:
    """A new case-store table with a case_id or person reference must be added to the delete
    and anonymise plans (and to HANDLED), or closed cases would leave rows behind."""
    referring = {
        table.name
        for table in metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name in {"case", "person"}
    }
    referring |= {t.name for t in metadata.sorted_tables if "case_id" in t.c}
    # Retention's own report and trail keep case ids on purpose (no personal data).
    referring -= {"retention_run_case", "raw_record_purge"}
    # Audit rows are the evidence of who saw the case; they hold ids, not personal data.
    referring -= {"audit_event"}
    assert referring - HANDLED == set()


def test_nothing_in_our_broker_and_redis_config_keeps_finished_instances(tmp_path: Path) -> None:
    """Zeebe removes a finished instance from its state and compacts its log once every
    exporter has acknowledged it. Our one exporter deletes stream entries once the projector
    acknowledged them, with no time-to-live keeping them; no second exporter (Elasticsearch,
    Operate) and no backup store keep history; Redis writes no RDB snapshots."""
    redis = Redis(tmp_path / "redis", 6379, tmp_path / "secrets")
    for options in (BrokerOptions(), BrokerOptions(test_mode=True)):
        env = Broker(tmp_path / "broker", Ports(), redis, options).env()
        exporters = {k for k in env if k.startswith("ZEEBE_BROKER_EXPORTERS_")}
        assert exporters == {
            "ZEEBE_BROKER_EXPORTERS_REDIS_CLASSNAME",
            "ZEEBE_BROKER_EXPORTERS_REDIS_JARPATH",
        }
        assert env["ZEEBE_REDIS_DELETE_AFTER_ACKNOWLEDGE"] == "true"
        assert env["ZEEBE_REDIS_MAX_TIME_TO_LIVE_IN_SECONDS"] == "0"
        assert not [k for k in env if "BACKUP" in k or "SNAPSHOTPERIOD" in k]
    config = redis.config_file().read_text().splitlines()
    assert "save ''" in config

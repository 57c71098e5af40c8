"""The synthetic year's deadlines (`api.demo.synthetic._deadlines`): deterministic, a realistic
mix (most met, some late with a reason, some still open), nothing done after the day they are
made, and the mix they intend is what the compliance rules (`api.web.compliance`) count."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from api.demo import synthetic
from api.web.compliance import MEASURES, history_outcome

TODAY = date(2026, 12, 5)
CUTOFF = datetime.combine(TODAY, time(0), UTC)
RULE_MEASURE = {rule: m.key for m in MEASURES for rule in m.rules} | {"samtale": "samtale"}


def generate(cases: int, seed: str = "test") -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Deadlines for `cases` cases dated as seed_year dates them."""
    dates = random.Random(f"dates:{seed}")
    rng = random.Random(seed)
    tally: dict[str, dict[str, int]] = {}
    rows: list[dict[str, Any]] = []
    year_ago = TODAY - timedelta(days=365)
    for i in range(cases):
        started = year_ago + timedelta(days=dates.randrange(0, 365))
        opened = datetime.combine(started - timedelta(days=dates.randrange(20, 90)), time(9), UTC)
        decided = datetime.combine(started, time(10), UTC)
        case_id = uuid.UUID(int=i + 1)
        rows += synthetic._deadlines(rng, case_id, opened, decided, TODAY, tally)
    return rows, tally


def test_the_same_seed_gives_the_same_deadlines() -> None:
    assert generate(50) == generate(50)
    assert generate(50)[0] != generate(50, "other")[0]


def test_each_case_has_its_four_deadlines_and_nothing_is_done_after_today() -> None:
    rows, _ = generate(200)
    assert len(rows) == 800
    assert {r["rule"] for r in rows} == {"D5", "samtale", "D6", "D9"}
    assert len({r["id"] for r in rows}) == 800
    for r in rows:
        assert r["started_at"] <= r["due_at"] and r["started_at"] < CUTOFF
        assert r["done_at"] is None or r["done_at"] < CUTOFF
        assert r["source"] == "syntetisk"


def test_the_intended_mix_is_what_the_compliance_rules_count() -> None:
    rows, tally = generate(400)
    now = CUTOFF + timedelta(hours=12)
    counted: dict[str, dict[str, int]] = {}
    for r in rows:
        outcome = history_outcome(r["started_at"], r["due_at"], r["done_at"], now)
        assert outcome is not None
        measure = counted.setdefault(
            RULE_MEASURE[r["rule"]], {"met": 0, "breached": 0, "running": 0}
        )
        measure[outcome] += 1
    assert counted == tally


def test_the_mix_is_realistic() -> None:
    rows, tally = generate(400)
    for key, counts in tally.items():
        decided = counts["met"] + counts["breached"]
        assert 0.7 <= counts["met"] / decided <= 0.95, (key, counts)
        assert counts["breached"] >= 10, (key, counts)
    # Deadlines not yet due are partly open (the samtale is never open: it falls due with the
    # decision).
    for key in ("bfu", "plan", "opfoelgning"):
        assert tally[key]["running"] > 0, (key, tally[key])
    assert tally["samtale"]["running"] == 0
    # Late ones done after their due time carry a reason; a samtale left out says why.
    late = [r for r in rows if r["done_at"] is not None and r["done_at"] > r["due_at"]]
    assert late and all(r["reason"] in synthetic.LATE_REASONS for r in late)
    missing = [r for r in rows if r["rule"] == "samtale" and r["done_at"] is None]
    assert missing and all(r["reason"] in synthetic.SAMTALE_REASONS for r in missing)
    on_time = [r for r in rows if r["done_at"] is not None and r["done_at"] <= r["due_at"]]
    assert all(r["reason"] is None for r in on_time)


def test_decision_keys_differ_between_municipalities_seeded_alike() -> None:
    """The measure table keeps decision keys unique: two municipalities with the same seed
    (the demo's and a test's) once collided on them."""
    from api.demo.synthetic import _decision_key

    keys = {_decision_key(m, 11, i) for m in ("901", "902", "909", "912") for i in range(500)}
    assert len(keys) == 4 * 500
    assert all(-(2**63) < k < 0 for k in keys)

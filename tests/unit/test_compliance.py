"""The Børnesagsbarometer measures on the leader's page: which deadline counts as met, breached
or running, the børnesamtale before a decision, and the shares."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.web.compliance import (
    MEASURES,
    Facts,
    figures,
    history_outcome,
    samtale_outcome,
    timer_outcome,
)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PAST = NOW - timedelta(days=3)
AHEAD = NOW + timedelta(days=3)


@pytest.mark.parametrize(
    ("state", "due", "instance_state", "expected"),
    [
        ("TRIGGERED", PAST, "ACTIVE", "breached"),
        ("TRIGGERED", PAST, "COMPLETED", "breached"),
        ("CANCELED", AHEAD, "ACTIVE", "met"),
        ("CANCELED", PAST, "COMPLETED", "met"),
        # Cancelled with its process (the case moved away): neither met nor late.
        ("CANCELED", AHEAD, "TERMINATED", None),
        ("CREATED", AHEAD, "ACTIVE", "running"),
        # Past due but not yet fired (the engine is behind): already a breach.
        ("CREATED", PAST, "ACTIVE", "breached"),
        ("CREATED", NOW, "ACTIVE", "breached"),
        ("SOMETHING_ELSE", PAST, "ACTIVE", None),
    ],
)
def test_timer_outcome(
    state: str, due: datetime, instance_state: str, expected: str | None
) -> None:
    assert timer_outcome(state, due, instance_state, NOW) == expected


def test_samtale_counts_only_when_held_before_the_decision() -> None:
    decided = NOW
    assert samtale_outcome(decided, [(decided - timedelta(days=1), "yes")]) == "met"
    assert samtale_outcome(decided, [(decided, "yes")]) == "met"
    # Left out with reasons is not a samtale held.
    assert samtale_outcome(decided, [(decided - timedelta(days=1), "omitted")]) == "breached"
    # Held only after the decision is too late.
    assert samtale_outcome(decided, [(decided + timedelta(minutes=1), "yes")]) == "breached"
    assert samtale_outcome(decided, []) == "breached"


def by_key(facts: Facts) -> dict[str, tuple[int, int, int, int | None]]:
    return {f.measure.key: (f.met, f.breached, f.running, f.percent) for f in figures(facts, NOW)}


def test_figures_per_measure_and_share_of_those_decided() -> None:
    facts = Facts(
        timers=[
            ("D5", "CANCELED", PAST, "COMPLETED"),
            ("D5", "TRIGGERED", PAST, "ACTIVE"),
            ("D5", "CANCELED", AHEAD, "ACTIVE"),
            ("D5", "CREATED", AHEAD, "ACTIVE"),
            ("D5", "CANCELED", AHEAD, "TERMINATED"),
            ("D6", "CANCELED", PAST, "ACTIVE"),
            ("D8", "TRIGGERED", PAST, "ACTIVE"),
            ("D8", "CREATED", PAST, "ACTIVE"),
            ("D9", "CANCELED", PAST, "ACTIVE"),
            # Rules that are not barometer measures do not count anywhere.
            ("D1", "TRIGGERED", PAST, "ACTIVE"),
            ("D10", "TRIGGERED", PAST, "ACTIVE"),
        ],
        decisions=[
            (NOW, [(PAST, "yes")]),
            (NOW, [(PAST, "omitted")]),
            (NOW, []),
        ],
    )
    assert by_key(facts) == {
        "bfu": (2, 1, 1, 67),
        "samtale": (1, 2, 0, 33),
        "plan": (1, 2, 0, 33),
        "opfoelgning": (1, 0, 0, 100),
    }


def test_no_share_before_anything_is_decided() -> None:
    facts = Facts(timers=[("D5", "CREATED", AHEAD, "ACTIVE")], decisions=[])
    figures_now = by_key(facts)
    assert figures_now["bfu"] == (0, 0, 1, None)
    assert all(figures_now[m.key][3] is None for m in MEASURES)


LONG_AGO = NOW - timedelta(days=200)


@pytest.mark.parametrize(
    ("started", "due", "done", "expected"),
    [
        # Done by its due time: met, whether the due time has passed or not.
        (LONG_AGO, PAST, PAST - timedelta(days=1), "met"),
        (LONG_AGO, AHEAD, PAST, "met"),
        (LONG_AGO, PAST, PAST, "met"),
        # Done after it: breached.
        (LONG_AGO, PAST - timedelta(days=5), PAST, "breached"),
        # Not done, due passed: breached; due ahead: running.
        (LONG_AGO, PAST, None, "breached"),
        (LONG_AGO, NOW, None, "breached"),
        (LONG_AGO, AHEAD, None, "running"),
        # Done only after the moment asked: as things stood then, not done.
        (LONG_AGO, AHEAD, AHEAD - timedelta(days=1), "running"),
        (LONG_AGO, PAST, AHEAD, "breached"),
        # Started after the moment asked: not counted.
        (AHEAD, AHEAD + timedelta(days=90), None, None),
    ],
)
def test_history_outcome(
    started: datetime, due: datetime, done: datetime | None, expected: str | None
) -> None:
    assert history_outcome(started, due, done, NOW) == expected


def test_kept_deadlines_count_beside_the_timers_under_their_measure() -> None:
    facts = Facts(
        timers=[("D5", "CANCELED", PAST, "COMPLETED"), ("D8", "CREATED", AHEAD, "ACTIVE")],
        decisions=[(NOW, [(PAST, "yes")])],
        history=[
            ("D5", "met", 3),
            ("D5", "breached", 1),
            ("samtale", "met", 2),
            ("samtale", "breached", 1),
            ("D6", "running", 4),
            ("D9", "breached", 2),
        ],
    )
    assert by_key(facts) == {
        "bfu": (4, 1, 0, 80),
        "samtale": (3, 1, 0, 75),
        "plan": (0, 0, 5, None),
        "opfoelgning": (0, 2, 0, 0),
    }

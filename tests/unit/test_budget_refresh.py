"""The budget's background refresh (api.finance.budget): one per municipality at a time, a
failure logged by ids only and the next reader free to start it again; and when a read computes
stale grants itself and when it leaves them to the background."""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import date
from typing import Any

import pytest

from api.finance import budget


def _wait_idle(municipality_id: str) -> None:
    for thread in threading.enumerate():
        if thread.name == f"budget-refresh-{municipality_id}":
            thread.join(timeout=10)
    assert not budget.running(municipality_id)


def test_one_background_refresh_per_municipality(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    calls: list[tuple[Any, str]] = []

    def slow(engine: Any, municipality_id: str) -> int:
        calls.append((engine, municipality_id))
        release.wait(10)
        return 3

    monkeypatch.setattr(budget, "refresh_all", slow)
    engine: Any = object()
    assert budget.refresh_in_background(engine, "u1") is True
    assert budget.running("u1")
    assert budget.refresh_in_background(engine, "u1") is False  # already running
    assert budget.refresh_in_background(engine, "u2") is True  # another municipality
    release.set()
    _wait_idle("u1")
    _wait_idle("u2")
    assert sorted(m for _, m in calls) == ["u1", "u2"]
    assert all(e is engine for e, _ in calls)


def test_a_failed_refresh_is_logged_and_may_start_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(engine: Any, municipality_id: str) -> int:
        raise RuntimeError("database gone")

    monkeypatch.setattr(budget, "refresh_all", broken)
    with caplog.at_level(logging.ERROR, logger="api.finance.budget"):
        assert budget.refresh_in_background(object(), "u3") is True  # type: ignore[arg-type]
        _wait_idle("u3")
    (record,) = [r for r in caplog.records if r.name == "api.finance.budget"]
    assert record.getMessage() == "budget refresh failed: municipality u3"
    assert record.exc_info is not None
    # Not stuck as running: the next reader starts it again.
    monkeypatch.setattr(budget, "refresh_all", lambda engine, municipality_id: 0)
    assert budget.refresh_in_background(object(), "u3") is True  # type: ignore[arg-type]
    _wait_idle("u3")


class FakeConn:
    """Stands for a connection; the functions using it are replaced."""


def _stale(n: int) -> list[tuple[uuid.UUID, date | None]]:
    return [(uuid.uuid4(), None) for _ in range(n)]


@pytest.mark.parametrize(
    ("stale", "background", "computed_here", "started"),
    [
        (0, True, False, False),
        (1, True, True, False),
        (budget.INLINE, True, True, False),
        (budget.INLINE + 1, True, False, True),
        (budget.INLINE + 1, False, True, False),  # a command or a test: all here
    ],
)
def test_a_read_computes_a_few_stale_grants_and_leaves_a_bulk_to_the_background(
    monkeypatch: pytest.MonkeyPatch,
    stale: int,
    background: bool,
    computed_here: bool,
    started: bool,
) -> None:
    computed: list[str] = []
    monkeypatch.setattr(budget, "stale_grants", lambda conn, m: _stale(stale))
    monkeypatch.setattr(budget, "refresh", lambda conn, m, among=None: computed.append(m) or 0)
    monkeypatch.setattr(budget, "last_computed", lambda conn, m: None)
    launched: list[str] = []
    state = budget.freshen(
        FakeConn(),  # type: ignore[arg-type]
        "901",
        launched.append if background else None,
    )
    assert (computed == ["901"]) is computed_here
    assert (launched == ["901"]) is started
    assert state.as_json() == {
        "refreshing": started,
        "stale_grants": stale if started else 0,
        "computed_at": None,
    }


@pytest.mark.parametrize(
    ("computed_at", "said"),
    [
        (
            "2026-12-05T22:10:00+00:00",
            "Tallene opdateres \N{EN DASH} senest beregnet 05.12.2026 kl. 23.10.",
        ),
        (None, "Tallene opdateres \N{EN DASH} endnu ikke beregnet."),
    ],
)
def test_the_page_says_the_figures_are_being_updated(computed_at: str | None, said: str) -> None:
    from api.web.render import templates

    template = templates.env.get_template("budget_fresh.html")
    stale = budget.Freshness(812, None).as_json() | {"computed_at": computed_at}
    html = template.render(view=stale)
    assert said in html and "812 bevillinger" in html
    assert template.render(view=budget.Freshness(0, None).as_json()).strip() == ""

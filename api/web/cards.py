"""Task cards for the overview: the task with its child, case, deadline (and legal basis) and flags.

Built from the task service's list (already scoped to the user) and the case store, in a few
queries for the whole list rather than one set per card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from api.cases.service import child_views, deadlines
from api.cases.tables import case
from api.tasks.service import Task
from api.web.render import COPENHAGEN, as_datetime

FLAG_LABELS = {
    "gentagen_bekymring": "gentagen bekymring",
    "adressebeskyttelse": "adressebeskyttelse",
}
BUCKETS = {
    "overskredet": "Overskredet",
    "i_dag": "I dag",
    "7_dage": "De næste 7 dage",
}
# A task's due date and its process's deadline timer are set from the same value; allow a
# little drift for rounding.
SAME_DEADLINE = timedelta(minutes=1)


@dataclass(frozen=True)
class Card:
    task: Task
    case_number: str
    child_name: str
    child_age: int | None
    flags: tuple[str, ...]
    due: datetime | None
    rule_label: str | None
    basis: str | None
    bucket: str | None

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS[f] for f in self.flags]


def bucket_of(due: datetime | None, now: datetime) -> str | None:
    if due is None:
        return None
    if due < now:
        return "overskredet"
    today = now.astimezone(COPENHAGEN).date()
    day: date = due.astimezone(COPENHAGEN).date()
    if day == today:
        return "i_dag"
    if day <= today + timedelta(days=7):
        return "7_dage"
    return None


def bucket_windows(now: datetime) -> dict[str, tuple[datetime | None, datetime]]:
    """Each bucket as a window [from, until) of deadlines, the same days as `bucket_of`, so
    the buckets can be counted in SQL."""
    today = now.astimezone(COPENHAGEN).date()

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=COPENHAGEN)

    tomorrow = midnight(today + timedelta(days=1))
    return {
        "overskredet": (None, now),
        "i_dag": (now, tomorrow),
        "7_dage": (tomorrow, midnight(today + timedelta(days=8))),
    }


def _deadline_for(
    task_due: datetime | None, candidates: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The process's open deadline that the task's due date comes from; else its nearest one."""
    open_ones = [d for d in candidates if d["state"] == "open"]
    if task_due is not None:
        for d in open_ones:
            if abs(d["due_at"] - task_due) <= SAME_DEADLINE:
                return d
    return open_ones[0] if open_ones else None


def build_cards(conn: Connection, tasks: list[Task], now: datetime) -> list[Card]:
    if not tasks:
        return []
    case_ids = {t.case_id for t in tasks}
    cases = {row.id: row for row in conn.execute(select(case).where(case.c.id.in_(case_ids)))}
    children = child_views(conn, {row.child_id for row in cases.values()})
    by_instance: dict[str, list[dict[str, Any]]] = {}
    for d in deadlines(conn, sorted({t.process_instance_key for t in tasks}), now):
        by_instance.setdefault(d["process_instance_key"], []).append(d)
    cards = []
    for task in tasks:
        row = cases[task.case_id]
        child = children[row.child_id]
        flags = [f for f in (row.flags or []) if f in FLAG_LABELS]
        if child.get("address_protected") and "adressebeskyttelse" not in flags:
            flags.append("adressebeskyttelse")
        task_due = as_datetime(task.due_at)
        deadline = _deadline_for(task_due, by_instance.get(str(task.process_instance_key), []))
        due = task_due or (deadline["due_at"] if deadline else None)
        cards.append(
            Card(
                task=task,
                case_number=row.case_number,
                child_name=child.get("name") or ("Ufødt barn" if child["unborn"] else "Ukendt"),
                child_age=child.get("age"),
                flags=tuple(flags),
                due=due,
                rule_label=deadline["label"] if deadline else None,
                basis=deadline["basis"] if deadline else None,
                bucket=bucket_of(due, now),
            )
        )
    return sorted(cards, key=lambda c: (c.due is None, c.due or now, c.task.key))

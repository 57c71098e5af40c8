"""Each chart's data as CSV (semicolon-separated, decimal comma, UTF-8 with BOM: what Danish
Excel opens as it is), with Danish column names."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

Column = tuple[str, str]  # (heading, key)

CHARTS: dict[str, tuple[str, str, list[Column]]] = {
    # name: (title, figure key in the snapshot, columns)
    "sagsbelastning": (
        "Sagsbelastning pr. team",
        "caseload",
        [
            ("Team", "team"),
            ("Åbne sager", "open_cases"),
            ("Børn med foranstaltning", "children_with_measures"),
        ],
    ),
    "frister": (
        "Overholdelse af frister",
        "compliance",
        [
            ("Krav", "measure"),
            ("Lovgrundlag", "basis"),
            ("Overholdt", "met"),
            ("Overskredet", "breached"),
            ("Løber", "running"),
            ("Andel overholdt (%)", "percent"),
        ],
    ),
    "forbrug-pr-maaned": (
        "Forbrug pr. måned",
        "spend_per_month",
        [("Måned", "month"), ("Forbrug (kr.)", "amount")],
    ),
    "forbrug-pr-team": (
        "Forbrug pr. team og måned",
        "spend_per_team_month",
        [("Måned", "month"), ("Team", "team"), ("Forbrug (kr.)", "amount")],
    ),
    "forbrug-pr-barn": (
        "Forbrug pr. barn pr. indsatstype (12 måneder)",
        "spend_per_child",
        [
            ("Indsatstype", "name"),
            ("Forbrug (kr.)", "spent"),
            ("Børn", "children"),
            ("Forbrug pr. barn (kr.)", "per_child"),
        ],
    ),
}
MONEY = {"amount", "spent", "per_child"}


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key in MONEY:
        return str(value).replace(".", ",")
    return str(value)


def to_csv(name: str, figures: dict[str, Any], baseline: dict[str, Any] | None = None) -> str:
    """The chart's rows; with a baseline, its rows follow, marked in a first column."""
    _, key, columns = CHARTS[name]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Opgørelse", *(heading for heading, _ in columns)])
    sources: list[tuple[str, dict[str, Any]]] = [("Nu", figures)]
    if baseline is not None:
        sources.append(("Baseline", baseline))
    for label, source in sources:
        for row in source.get(key, []):
            writer.writerow([label, *(_cell(k, row.get(k)) for _, k in columns)])
    return "\ufeff" + out.getvalue()


def chart_names() -> list[str]:
    return list(CHARTS)


Render = Callable[[str], str]

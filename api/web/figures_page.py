"""/noegletal: the management figures for team leaders and finance. Caseload, deadline
compliance, spend per month, per team and per child per indsats type, now and at the go-live
baseline, as charts (Chart.js, bundled in api/figures/frontend) each with its CSV; finance takes
the baseline and downloads the Danmarks Statistik expenditure file here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api import clock
from api.deps import require_roles
from api.figures import csv_export, service
from api.figures import router as api
from api.finance.budget_router import check_year, today
from api.web.budget_page import kr
from api.web.render import render
from api.web.session import Csrf, PageUow

router = APIRouter(include_in_schema=False)

DIST = Path(__file__).resolve().parents[1] / "figures" / "static" / "dist"
MESSAGES = {
    "baseline": ("success", "Baseline er taget. Nøgletallene sammenlignes fremover med den."),
    "findes": ("error", "Kommunens baseline er allerede taget; den tages kun én gang."),
}


def _change(now: Any, before: Any) -> str:
    if now is None or before is None:
        return ""
    delta = float(now) - float(before)
    return f"{delta:+,.0f}".replace(",", ".")


def comparison(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The key figures now and at the baseline: the page's table."""
    now, base = view["now"], view["baseline"]
    rows: list[dict[str, Any]] = []

    def add(label: str, a: Any, b: Any, money: bool = False, unit: str = "") -> None:
        def fmt(value: Any) -> str:
            return kr(value) + " kr." if money else f"{value}{unit}"

        rows.append(
            {
                "label": label,
                "now": "" if a is None else fmt(a),
                "baseline": "" if b is None else fmt(b),
                "change": _change(a, b)
                + (
                    " kr."
                    if money and a is not None and b is not None
                    else unit
                    if a is not None and b is not None
                    else ""
                ),
            }
        )

    def total(figures: dict[str, Any] | None, key: str, field: str) -> Any:
        if figures is None:
            return None
        return sum(row[field] for row in figures[key])

    add("Åbne sager", total(now, "caseload", "open_cases"), total(base, "caseload", "open_cases"))
    add(
        "Børn med foranstaltning",
        total(now, "caseload", "children_with_measures"),
        total(base, "caseload", "children_with_measures"),
    )
    before = {r["key"]: r for r in (base or {}).get("compliance", [])}
    for r in now["compliance"]:
        b = before.get(r["key"], {}).get("percent")
        add(r["measure"], r["percent"], b, unit=" %")
        if r["percent"] is None:
            rows[-1]["now"] = "Ingen endnu"

    def mean(figures: dict[str, Any] | None) -> Any:
        if figures is None or not figures["spend_per_month"]:
            return None
        amounts = [float(r["amount"]) for r in figures["spend_per_month"]]
        return f"{sum(amounts) / len(amounts):.2f}"

    add("Forbrug pr. måned (gennemsnit, 12 måneder)", mean(now), mean(base), money=True)
    before_child = {r["indsats_type"]: r for r in (base or {}).get("spend_per_child", [])}
    for r in now["spend_per_child"]:
        b = before_child.get(r["indsats_type"], {}).get("per_child")
        add(f"Forbrug pr. barn: {r['name']}", r["per_child"], b, money=True)
    return rows


@router.get("/noegletal", response_class=HTMLResponse)
def figures_page(request: Request, uow: PageUow) -> Response:
    view = api.current(uow)
    uow.commit()
    return render(
        request,
        "noegletal.html",
        uow.principal,
        view=view,
        rows=comparison(view),
        charts=[(name, title) for name, (title, _, _) in csv_export.CHARTS.items()],
        may_take_baseline=uow.principal.has(*service.BASELINE_TAKERS),
        may_export=uow.principal.has("finance"),
        year=today().year,
        message=MESSAGES.get(request.query_params.get("besked", "")),
        kr=kr,
    )


@router.get("/noegletal/csv/{name}.csv")
def figure_csv(name: str, uow: PageUow) -> Response:
    view = api.current(uow)
    uow.commit()
    return api.csv_response(name, view)


@router.post("/noegletal/baseline", dependencies=[Csrf])
def take_baseline(uow: PageUow) -> Response:
    require_roles(uow, *service.BASELINE_TAKERS)
    try:
        service.take_baseline(
            uow.conn,
            uow.principal.municipality_id,
            today(),
            taken_by=uow.principal.user_id,
            note="Taget på siden Nøgletal",
            now=clock.current().now(),
        )
    except service.BaselineExists:
        uow.conn.rollback()
        uow.commit(status.HTTP_409_CONFLICT)
        return RedirectResponse("/noegletal?besked=findes", status_code=303)
    uow.commit(status.HTTP_201_CREATED)
    return RedirectResponse("/noegletal?besked=baseline", status_code=303)


@router.get("/noegletal/dst-udgifter.xml")
def dst_file(request: Request, uow: PageUow) -> Response:
    try:
        year = check_year(int(request.query_params.get("aar") or today().year))
    except ValueError:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, detail="Ukendt år") from None
    return api.dst_file(uow, year)


@router.get("/noegletal/static/dist/{name}")
def chart_asset(name: str) -> FileResponse:
    """The charts bundle; no session needed, no data in it."""
    path = DIST / name
    if name != Path(name).name or name.startswith(".") or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Findes ikke")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})

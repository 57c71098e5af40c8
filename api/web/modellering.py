"""/modellering: the analysts' modeler (bpmn-js, Zeebe properties, templates, live lint, forms).

The page is a shell; its bundle (`api/modeler/frontend`, built into `api/modeler/static/dist`)
talks to the modeler's JSON API (`api/modeler/router.py`) with the session cookie and the CSRF
header. Analysts only; deploying is further limited to the operating organisation's analysts.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import require_roles
from api.web.render import render
from api.web.session import PageUow

router = APIRouter(include_in_schema=False)

DIST = Path(__file__).resolve().parents[1] / "modeler" / "static" / "dist"


@router.get("/modellering", response_class=HTMLResponse)
def modeler_page(request: Request, uow: PageUow) -> Response:
    require_roles(uow, "analyst")
    settings = request.app.state.settings
    may_deploy = uow.principal.municipality_id == settings.operating_municipality
    uow.commit()
    return render(
        request,
        "modellering.html",
        uow.principal,
        may_deploy=may_deploy,
        built=(DIST / "modeler.js").is_file(),
    )


@router.get("/modellering/static/dist/{name}")
def modeler_asset(name: str) -> FileResponse:
    """The bundle's files (flat: entry, chunks, styles); no session needed, no data in them."""
    path = DIST / name
    if name != Path(name).name or name.startswith(".") or not path.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Findes ikke")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})

"""Templates, the Danish date filter, the role-aware navigation and one `render` for every page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from api.auth.principal import Principal
from api.web.session import csrf_token, session_token

HERE = Path(__file__).parent
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    roles: frozenset[str]


# The top navigation: a link shows only for users with one of its roles. Add a page's entry here.
NAV = (
    NavItem("Mit overblik", "/", frozenset({"caseworker", "team_leader"})),
    NavItem("Ny underretning", "/underretninger/ny", frozenset({"caseworker", "team_leader"})),
    NavItem("Søg", "/soeg", frozenset({"caseworker", "team_leader"})),
    NavItem("Leder", "/leder", frozenset({"team_leader"})),
    NavItem("Modellering", "/modellering", frozenset({"analyst"})),
    NavItem("Drift", "/drift", frozenset({"operator"})),
    NavItem("Administration", "/administration", frozenset({"admin"})),
    NavItem("Budget", "/budget", frozenset({"team_leader", "finance", "auditor"})),
    NavItem("Nøgletal", "/noegletal", frozenset({"team_leader", "finance", "auditor"})),
)


def nav_for(principal: Principal) -> list[NavItem]:
    return [item for item in NAV if principal.roles & item.roles]


def home_for(principal: Principal) -> str:
    """Where a user lands after logging in: the first page their roles allow."""
    items = nav_for(principal)
    return items[0].href if items else "/"


def as_datetime(value: Any) -> datetime | None:
    """A moment from a datetime, a date (midnight in Copenhagen) or ISO text; naive means UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=COPENHAGEN)
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def dk_datetime(value: Any) -> str:
    """dd.mm.åååå kl. tt.mm in Europe/Copenhagen; a naive value is taken as UTC."""
    moment = as_datetime(value)
    return moment.astimezone(COPENHAGEN).strftime("%d.%m.%Y kl. %H.%M") if moment else ""


def dk_date(value: Any) -> str:
    """dd.mm.åååå; a date stays the same day, a moment is taken in Europe/Copenhagen."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    moment = as_datetime(value)
    return moment.astimezone(COPENHAGEN).strftime("%d.%m.%Y") if moment else ""


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["dkdatetime"] = dk_datetime
templates.env.filters["dkdate"] = dk_date


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page from `template` (extending base.html), with the nav and CSRF token for this user."""
    session = session_token(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "nav": nav_for(principal) if principal else [],
            "csrf_token": csrf_token(session) if session and principal else "",
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
    )

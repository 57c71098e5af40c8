"""Production mode, security headers, CSRF on every page post and the session cookie, without a
stack (the app is built, not connected)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import SecretStr
from starlette.requests import Request
from starlette.responses import Response

from api.app import create_app
from api.settings import Settings
from api.sso.config import production_problems
from api.web.session import check_csrf, set_session
from tests.harness.saml_idp import TestIdp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "saml"
REPO = Path(__file__).resolve().parents[2]
DB = "postgresql+psycopg://nobody@127.0.0.1:1/none"
# Page posts without CSRF, and why: the sign-in has no session yet (it is rate-limited), and
# the IdP posts the assertion cross-site (it is signed and answers a request of ours).
NO_CSRF = {"/log-ind", "/saml/acs"}


@functools.cache
def idp_metadata() -> str:
    return str(TestIdp(Path(tempfile.mkdtemp(prefix="idp-"))).metadata_file)


def production(**extra: object) -> Settings:
    values: dict[str, object] = {
        "database_url": DB,
        "mode": "production",
        "base_url": "https://boernesag.kommune.example",
        "saml_idp_metadata": idp_metadata(),
        "saml_sp_key": str(FIXTURES / "test-sp.key"),
        "saml_sp_certificate": str(FIXTURES / "test-sp.crt"),
        "cpr_events_credential": SecretStr("fra-miljoeet-1"),
        "dst_credential": SecretStr("fra-miljoeet-2"),
        "fkoeko_credential": SecretStr("fra-miljoeet-3"),
    }
    values.update(extra)
    return Settings.model_validate(values)


def test_production_without_sso_refuses_to_start() -> None:
    with pytest.raises(RuntimeError, match="SSO er ikke sat op"):
        create_app(production(saml_idp_metadata=None))
    assert any("BS_DEV_USERS" in p for p in production_problems(production(dev_users=True)))
    assert any("https" in p for p in production_problems(production(base_url="http://x")))
    assert any("findes ikke" in p for p in production_problems(production(saml_sp_key="/nej")))
    assert production_problems(production()) == []


def test_production_refuses_secrets_left_at_their_test_values() -> None:
    problems = production_problems(
        production(fkoeko_credential=Settings.model_fields["fkoeko_credential"].default)
    )
    assert problems == ["BS_FKOEKO_CREDENTIAL har stadig testværdien; sæt den i miljøet"]


def test_the_server_process_exits_in_production_without_sso() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BS_")}
    env.update({"BS_MODE": "production", "DATABASE_URL": DB, "PYTHONPATH": str(REPO)})
    done = subprocess.run(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port", "0"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Produktionstilstand kan ikke starte" in done.stderr


def test_in_production_the_password_sign_ins_are_gone_and_headers_are_set() -> None:
    with TestClient(create_app(production()), base_url="https://boernesag.kommune.example") as c:
        token = c.post("/api/auth/token", data={"username": "caseworker", "password": "demo"})
        assert token.status_code == 404
        page = c.post(
            "/log-ind",
            data={"username": "caseworker", "password": "demo"},
            headers={"accept": "text/html"},
        )
        assert page.status_code == 404 and "log ind med SSO" in page.text
        form = c.get("/log-ind")
        assert 'href="/saml/login"' in form.text and 'type="password"' not in form.text
        csp = form.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert form.headers["x-frame-options"] == "DENY"
        assert form.headers["strict-transport-security"].startswith("max-age=")
        metadata = c.get("/saml/metadata")
        assert metadata.status_code == 200
        assert "https://boernesag.kommune.example/saml/acs" in metadata.text


def test_the_session_cookie_is_secure_behind_an_https_base_url() -> None:
    app = create_app(production())
    app.state.settings = production()
    scope = {"type": "http", "scheme": "http", "app": app, "headers": [], "path": "/"}
    response = Response()
    set_session(response, Request(scope), "token")
    cookie = response.headers["set-cookie"].lower()
    for part in ("secure", "httponly", "samesite=lax", "max-age=36000", "path=/"):
        assert part in cookie


def _routes(routes: list[Any], prefix: str = "", deps: tuple[Any, ...] = ()) -> Iterator[Any]:
    """Every APIRoute with its full path and the dependencies of the routers around it
    (FastAPI 0.163 keeps included routers as they are, not flattened)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route, deps
        elif hasattr(route, "original_router"):
            ctx = route.include_context
            router = route.original_router
            outer = (*deps, *ctx.dependencies, *router.dependencies)
            yield from _routes(router.routes, prefix + ctx.prefix, outer)


def test_every_page_post_checks_csrf() -> None:
    app = create_app(Settings(database_url=DB, dev_users=True))
    unchecked = []
    checked = 0
    for path, route, outer in _routes(list(app.routes)):
        if path.startswith("/api/") or path in NO_CSRF:
            continue
        if not route.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            continue
        calls = {d.call for d in route.dependant.dependencies} | {d.dependency for d in outer}
        if check_csrf in calls:
            checked += 1
        else:
            unchecked.append(path)
    assert unchecked == []
    assert checked >= 5  # the walk found the page posts (log-ud, claim, search, ...)

"""/saml/metadata, /saml/login, /saml/acs, /saml/logout: the pages' single sign-on (OIOSAML 3).

/saml/login sends a signed AuthnRequest to the IdP (redirect binding); the IdP posts the signed
assertion back to /saml/acs (POST binding), where pysaml2 checks it with xmlsec1: the signature
against the IdP's certificate from its metadata, the audience, the validity window, and that it
answers a request of ours (InResponseTo, kept in Redis for ten minutes and used once). The
privileges then become the user's roles and scope (`api.sso.provision`), and the session is the
same token cookie as the development sign-in's. Every refusal is a Danish page and no session.
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, status
from fastapi.responses import RedirectResponse, Response
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.metadata import entity_descriptor

from api.auth.service import issue_token, load_principal
from api.deps import get_engine
from api.sso.client import client
from api.sso.logout import remember
from api.sso.privileges import ATTRIBUTES, Refused, parse
from api.sso.provision import provision
from api.web.auth_pages import safe_next
from api.web.render import home_for, render
from api.web.session import set_session

log = logging.getLogger(__name__)
router = APIRouter(prefix="/saml", include_in_schema=False)

PENDING_SECONDS = 600
ASSERTION_SECONDS = 3600
NOT_VALID = "Log-in-svaret kunne ikke godkendes. Prøv igen, eller kontakt din administrator."
NOT_SIGNED = "Log-in-svaret er ikke gyldigt signeret af log-in-tjenesten. Du er ikke logget ind."
EXPIRED = "Log-in-svaret er udløbet eller endnu ikke gyldigt. Prøv at logge ind igen."
WRONG_AUDIENCE = "Log-in-svaret var til et andet system end Børnesag. Du er ikke logget ind."
UNKNOWN_REQUEST = "Log-in-svaret hører ikke til et log-in, vi har startet. Prøv igen."
NAME_ATTRIBUTES = ("https://data.gov.dk/model/core/eid/fullName", "urn:oid:2.5.4.3", "cn")


def _refuse(request: Request, message: str, code: int = status.HTTP_403_FORBIDDEN) -> Response:
    settings = request.app.state.settings
    return render(
        request,
        "login.html",
        status_code=code,
        next="",
        username="",
        error=None,
        sso_error=message,
        dev_users=settings.dev_users,
        sso=True,
    )


@router.get("/metadata")
def metadata(request: Request) -> Response:
    sp = client(request)
    xml = str(entity_descriptor(sp.config))
    return Response(xml, media_type="application/samlmetadata+xml")


@router.get("/login")
def login(request: Request, next: str = "") -> Response:
    sp = client(request)
    relay = secrets.token_urlsafe(24)
    request_id, info = sp.prepare_for_authenticate(relay_state=relay, binding=BINDING_HTTP_REDIRECT)
    request.app.state.redis.set(
        f"saml:pending:{relay}", f"{request_id} {safe_next(next) or ''}", ex=PENDING_SECONDS
    )
    location = dict(info["headers"])["Location"]
    return RedirectResponse(location, status_code=303)


def _reason(exc: Exception) -> str:
    kind, text = type(exc).__name__.lower(), str(exc).lower()
    if "signature" in kind or "signed" in kind or "signature" in text:
        return NOT_SIGNED
    if "audience" in text:
        return WRONG_AUDIENCE
    if "lifetime" in kind or "toearly" in kind or "condition not ok" in text:
        return EXPIRED
    return NOT_VALID


def _first(ava: dict[str, list[str]], names: tuple[str, ...]) -> str | None:
    for name in names:
        values = ava.get(name)
        if values:
            return str(values[0])
    return None


@router.post("/acs")
def acs(
    request: Request,
    saml_response: Annotated[str, Form(alias="SAMLResponse")] = "",
    relay_state: Annotated[str, Form(alias="RelayState")] = "",
) -> Response:
    sp = client(request)
    redis = request.app.state.redis
    pending = redis.getdel(f"saml:pending:{relay_state}") if relay_state else None
    if not saml_response or pending is None:
        return _refuse(request, UNKNOWN_REQUEST)
    request_id, _, target = pending.partition(" ")
    try:
        answer = sp.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding={request_id: target}
        )
    except Exception as exc:  # pysaml2 raises many types (some plain Exception); all refuse
        log.info("saml response refused", extra={"reason": type(exc).__name__})
        return _refuse(request, _reason(exc))
    if answer is None or answer.assertion is None:
        return _refuse(request, NOT_VALID)
    if not answer.assertion.signature:
        return _refuse(request, NOT_SIGNED)
    assertion_id = answer.assertion.id
    if not redis.set(f"saml:assertion:{assertion_id}", "1", nx=True, ex=ASSERTION_SECONDS):
        return _refuse(request, UNKNOWN_REQUEST)
    ava: dict[str, list[str]] = answer.ava or {}
    subject = answer.name_id.text if answer.name_id is not None else None
    encoded = _first(ava, ATTRIBUTES)
    if not subject:
        return _refuse(request, NOT_VALID)
    if not encoded:
        return _refuse(request, "Du har ingen rettigheder til Børnesag. Kontakt din administrator.")
    try:
        privileges = parse(encoded)
        with get_engine(request).begin() as conn:
            user_id = provision(
                conn,
                subject=subject,
                display_name=_first(ava, NAME_ATTRIBUTES) or "SSO-bruger",
                privileges=privileges,
            )
            token = issue_token(conn, user_id)
            principal = load_principal(conn, user_id)
    except Refused as refused:
        return _refuse(request, str(refused))
    assert principal is not None
    remember(request, token, answer.session_info())
    response = RedirectResponse(target or home_for(principal), status_code=303)
    set_session(response, request, token)
    return response


@router.get("/logout")
def logged_out(
    request: Request, saml_response: Annotated[str, Query(alias="SAMLResponse")] = ""
) -> Response:
    """Where the IdP sends its LogoutResponse after /log-ud ended its session too."""
    if saml_response:
        try:
            client(request).parse_logout_request_response(saml_response, BINDING_HTTP_REDIRECT)
        except Exception as exc:  # the local session is gone either way
            log.info("saml logout response refused", extra={"reason": type(exc).__name__})
    return RedirectResponse("/log-ind", status_code=303)

"""Single logout: /log-ud ends the IdP's session too (a signed LogoutRequest, redirect binding).

At sign-in the IdP's NameID, session index and entity id are kept in Redis under the session
token's hash for as long as the token lives; /log-ud deletes the token and, for an SSO session,
sends the browser on to the IdP's single logout service, which answers at /saml/logout.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import Request
from saml2 import BINDING_HTTP_REDIRECT
from saml2.saml import name_id_from_string
from saml2.xmldsig import SIG_RSA_SHA256

from api.auth.service import TOKEN_LIFETIME
from api.settings import Settings
from api.sso.client import client
from api.sso.config import sso_configured


def _key(token: str) -> str:
    return "saml:session:" + hashlib.sha256(token.encode()).hexdigest()


def remember(request: Request, token: str, info: dict[str, Any]) -> None:
    kept = {
        "name_id": str(info["name_id"]),
        "session_index": info.get("session_index"),
        "issuer": info["issuer"],
    }
    seconds = int(TOKEN_LIFETIME.total_seconds())
    request.app.state.redis.set(_key(token), json.dumps(kept), ex=seconds)


def logout_url(request: Request, token: str) -> str | None:
    """Where to send the browser to end the IdP's session; None for a password session."""
    settings: Settings = request.app.state.settings
    kept = request.app.state.redis.getdel(_key(token))
    if not kept or not sso_configured(settings):
        return None
    info = json.loads(kept)
    sp = client(request)
    services = sp.metadata.single_logout_service(info["issuer"], BINDING_HTTP_REDIRECT, "idpsso")
    if not services:
        return None
    destination = services[0]["location"]
    _, message = sp.create_logout_request(
        destination,
        info["issuer"],
        name_id=name_id_from_string(info["name_id"]),
        session_indexes=[info["session_index"]] if info["session_index"] else None,
        sign=False,
    )
    http = sp.apply_binding(
        BINDING_HTTP_REDIRECT, str(message), destination, sign=True, sigalg=SIG_RSA_SHA256
    )
    location: str = dict(http["headers"])["Location"]
    return location

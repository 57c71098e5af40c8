"""The app's SAML client (pysaml2), built once from its settings."""

from __future__ import annotations

from fastapi import HTTPException, Request, status
from saml2.client import Saml2Client

from api.settings import Settings
from api.sso.config import sp_config, sso_configured


def client(request: Request) -> Saml2Client:
    """The app's SAML client, built once from its settings (metadata and keys read then)."""
    state = request.app.state
    settings: Settings = state.settings
    if not sso_configured(settings):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="SSO er ikke sat op her.")
    sp: Saml2Client | None = getattr(state, "saml_client", None)
    if sp is None:
        sp = state.saml_client = Saml2Client(sp_config(settings))
    return sp

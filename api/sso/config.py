"""The SAML service provider's configuration (pysaml2, signatures by Debian's xmlsec1), and the
start-up checks of production mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import SPConfig
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from api.settings import Settings

XMLSEC = "/usr/bin/xmlsec1"
ACS_PATH = "/saml/acs"
LOGOUT_PATH = "/saml/logout"


def sso_configured(settings: Settings) -> bool:
    return bool(
        settings.saml_idp_metadata
        and settings.saml_sp_key
        and settings.saml_sp_certificate
        and settings.base_url
    )


def sp_entity_id(settings: Settings) -> str:
    return settings.saml_sp_entity_id or f"{settings.base_url.rstrip('/')}/saml/metadata"


def sp_config(settings: Settings) -> SPConfig:
    base = settings.base_url.rstrip("/")
    conf: dict[str, Any] = {
        "entityid": sp_entity_id(settings),
        "xmlsec_binary": XMLSEC,
        "key_file": settings.saml_sp_key,
        "cert_file": settings.saml_sp_certificate,
        "metadata": {"local": [settings.saml_idp_metadata]},
        "allow_unknown_attributes": True,
        # Clock skew tolerated between the IdP and us.
        "accepted_time_diff": 60,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "service": {
            "sp": {
                "name": "Børnesag",
                "endpoints": {
                    "assertion_consumer_service": [(base + ACS_PATH, BINDING_HTTP_POST)],
                    "single_logout_service": [(base + LOGOUT_PATH, BINDING_HTTP_REDIRECT)],
                },
                # OIOSAML 3: the assertion is signed; the request we send is signed too.
                "want_assertions_signed": True,
                "want_response_signed": False,
                "authn_requests_signed": True,
                "logout_requests_signed": True,
                "allow_unsolicited": False,
                "name_id_format": NAMEID_FORMAT_PERSISTENT,
            }
        },
    }
    config = SPConfig()
    config.load(conf)
    return config


def production_problems(settings: Settings) -> list[str]:
    """Why production mode may not start (empty: it may). Secrets come from the environment:
    a secret still at its built-in test value is refused."""
    if settings.mode != "production":
        return []
    problems: list[str] = []
    if settings.dev_users:
        problems.append("BS_DEV_USERS må ikke være slået til i produktion")
    if not sso_configured(settings):
        problems.append(
            "SSO er ikke sat op: BS_SAML_IDP_METADATA, BS_SAML_SP_KEY, BS_SAML_SP_CERTIFICATE "
            "og BS_BASE_URL skal være sat"
        )
    elif not settings.base_url.startswith("https://"):
        problems.append("BS_BASE_URL skal være en https-adresse i produktion")
    for path in (settings.saml_idp_metadata, settings.saml_sp_key, settings.saml_sp_certificate):
        if path and not Path(path).is_file():
            problems.append(f"filen {path} findes ikke")
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if isinstance(value, SecretStr) and isinstance(field.default, SecretStr):
            if field.default.get_secret_value() and value == field.default:
                problems.append(f"BS_{name.upper()} har stadig testværdien; sæt den i miljøet")
    return problems


def check_startup(settings: Settings) -> None:
    problems = production_problems(settings)
    if problems:
        raise RuntimeError("Produktionstilstand kan ikke starte: " + "; ".join(problems))

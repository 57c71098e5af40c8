"""The OIOIDWS token route from the settings: one STS client per process, a token provider per
SOAP service (adapters/sts/README.md). Unset certificate paths and entity ids fall back to the
documented TEST ones (adapters/sts/testcerts), which only the simulators trust."""

from __future__ import annotations

import threading
from typing import Literal

from adapters.soap import TokenProvider
from adapters.sts import Credentials, StsClient, StsSettings, load_certificate, testcerts
from api.settings import Settings

Service = Literal["sf1520", "sf2900", "sf1470", "sf1510"]


def sts_client(settings: Settings) -> StsClient:
    """The STS client the settings describe; a missing or mismatched certificate or key raises
    ValueError naming the setting, so a misconfigured deployment stops at start."""
    certificate = settings.sts_certificate or str(testcerts.MUNICIPALITY_CERTIFICATE)
    key = settings.sts_certificate_key or (
        settings.sts_certificate or str(testcerts.MUNICIPALITY_KEY)
    )
    try:
        credentials = Credentials.load(certificate, key)
    except ValueError as error:
        raise ValueError(f"BS_STS_CERTIFICATE / BS_STS_CERTIFICATE_KEY: {error}") from None
    signing = settings.sts_signing_certificate or str(testcerts.STS_CERTIFICATE)
    try:
        sts_certificate = load_certificate(signing)
    except ValueError as error:
        raise ValueError(f"BS_STS_SIGNING_CERTIFICATE: {error}") from None
    return StsClient(
        StsSettings(
            endpoint=settings.sts_endpoint,
            credentials=credentials,
            municipality_cvr=settings.sts_municipality_cvr,
            sts_certificate=sts_certificate,
            timeout_seconds=settings.sts_timeout_seconds,
        )
    )


def entity_id(settings: Settings, service: Service) -> str:
    configured: dict[Service, str | None] = {
        "sf1520": settings.sts_entity_id_sf1520,
        "sf2900": settings.sts_entity_id_sf2900,
        "sf1470": settings.sts_entity_id_sf1470,
        "sf1510": settings.sts_entity_id_sf1510,
    }
    return configured[service] or testcerts.ENTITY_IDS[service]


_shared: dict[tuple[object, ...], StsClient] = {}
_shared_lock = threading.Lock()


def shared_sts_client(settings: Settings) -> StsClient:
    """One STS client per process and configuration, so that every adapter shares its cache."""
    key = (
        settings.sts_endpoint,
        settings.sts_certificate,
        settings.sts_certificate_key,
        settings.sts_signing_certificate,
        settings.sts_municipality_cvr,
        settings.sts_timeout_seconds,
    )
    with _shared_lock:
        if key not in _shared:
            _shared[key] = sts_client(settings)
        return _shared[key]


def variant(settings: Settings, service: Service) -> str:
    variants: dict[Service, str] = {
        "sf1520": settings.cpr_variant,
        "sf2900": settings.esdh_variant,
        "sf1470": settings.esdh_variant,
        "sf1510": settings.sf1510_variant,
    }
    return variants[service]


def token_provider(settings: Settings, service: Service) -> TokenProvider | None:
    """The provider for `service` when the settings choose its token variant, else None (the
    context variant needs none)."""
    if variant(settings, service) != "token":
        return None
    return shared_sts_client(settings).provider(entity_id(settings, service))

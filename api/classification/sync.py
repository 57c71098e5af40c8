"""`python -m api.classification.sync` (at start) and the daily `klassifikation_sync` process
(workers/classification.py): load KLE, the handlingsfacetter and the kontoplan's
funktioner and arter from SF1510 Klassifikation into the classification table.

Every facet is read before anything is written, and all is written in one transaction, so a
failed read changes nothing. Rows are upserted by UUID with their validity: a second run on the
same data changes no row. A class Klassifikation no longer returns is left as it was, with its
own validity.
"""

from __future__ import annotations

import sys
import uuid

import structlog
from sqlalchemy import Engine

from adapters.errors import AdapterError
from adapters.sf1510 import Klasse, Sf1510Client, Sf1510Settings
from api.audit.adapters import adapter_audit, audit_scope
from api.classification.service import Entry, Facet, LoadResult, upsert
from api.db import make_engine
from api.logging import configure
from api.settings import Settings, get_settings
from api.sts import token_provider

log = structlog.get_logger("classification")


def client_settings(settings: Settings) -> Sf1510Settings:
    certificate = (
        (
            settings.sf1510_certificate,
            settings.sf1510_certificate_key or settings.sf1510_certificate,
        )
        if settings.sf1510_certificate
        else None
    )
    return Sf1510Settings(
        endpoint=settings.sf1510_endpoint,
        variant=settings.sf1510_variant,
        authority_cvr=settings.sf1510_authority_cvr,
        client_certificate=certificate,
        ca_bundle=settings.sf1510_ca_bundle,
        timeout_seconds=settings.sf1510_timeout_seconds,
        token_provider=token_provider(settings, "sf1510"),
    )


def facets(settings: Settings) -> dict[Facet, uuid.UUID]:
    """Our facet names and Klassifikation's facet UUIDs."""
    return {
        "kle": uuid.UUID(settings.sf1510_facet_kle),
        "handlingsfacet": uuid.UUID(settings.sf1510_facet_handlingsfacet),
        "funktion": uuid.UUID(settings.sf1510_facet_funktion),
        "art": uuid.UUID(settings.sf1510_facet_art),
    }


def _entry(facet: Facet, klasse: Klasse) -> Entry:
    return Entry(
        id=klasse.id,
        facet=facet,
        key=klasse.key,
        title=klasse.title,
        parent_id=klasse.parent,
        valid_from=klasse.valid_from,
        valid_to=klasse.valid_to,
        published=klasse.published,
    )


def sync(
    engine: Engine, client: Sf1510Client, wanted: dict[Facet, uuid.UUID]
) -> dict[Facet, LoadResult]:
    """Read every facet through SF1510, then upsert it all; raises `AdapterError` on a failed
    read (nothing is written then)."""
    read = {
        facet: [_entry(facet, klasse) for klasse in client.facet_classes(facet_id)]
        for facet, facet_id in wanted.items()
    }
    with engine.begin() as conn:
        return {facet: upsert(conn, entries) for facet, entries in read.items()}


def load(settings: Settings, engine: Engine) -> dict[Facet, LoadResult]:
    """One load through SF1510 as the settings describe it, each call audited; raises
    `AdapterError` on a failed read (nothing is written then). Idempotent."""
    audit = adapter_audit(engine, "sf1510")
    with Sf1510Client(client_settings(settings), on_call=audit) as client:
        return sync(engine, client, facets(settings))


def log_results(results: dict[Facet, LoadResult]) -> None:
    for facet, result in results.items():
        log.info(
            "classification.loaded",
            facet=facet,
            inserted=result.inserted,
            updated=result.updated,
            unchanged=result.unchanged,
        )


def main() -> int:
    settings = get_settings()
    configure(settings.log_format)
    if not settings.sf1510_endpoint:
        log.warning("classification.skipped", reason="no SF1510 endpoint (BS_SF1510_ENDPOINT)")
        return 0
    engine = make_engine(settings, pool_size=1)
    try:
        with audit_scope("sync:klassifikation"):
            results = load(settings, engine)
    except AdapterError as error:
        log.error("classification.failed", error=f"{type(error).__name__}: {error}")
        return 1
    finally:
        engine.dispose()
    log_results(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

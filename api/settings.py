"""Settings for the API, the projector and the workers: read once, passed on explicitly."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BS_", extra="ignore")

    # DATABASE_URL (unprefixed) wins, so an operator can point the stack at another database.
    database_url: SecretStr = Field(
        validation_alias=AliasChoices("DATABASE_URL", "BS_DATABASE_URL")
    )
    # The schema owner, for migrations and read-model rebuilds; defaults to database_url.
    owner_database_url: SecretStr | None = None
    redis_url: str = "redis://127.0.0.1:56379/0"
    redis_password: SecretStr = SecretStr("")
    stream_prefix: str = "zeebe"
    zeebe_gateway: str = "127.0.0.1:26500"
    zeebe_rest_url: str = "http://127.0.0.1:8080"
    zeebe_management_url: str = "http://127.0.0.1:9600"
    projector_group: str = "projector"
    projector_consumer: str = "projector-1"
    projector_batch: int = 500
    # Entries of a consumer that has been silent this long are taken over (XAUTOCLAIM).
    projector_claim_idle_ms: int = 60_000
    log_format: str = "console"
    # SF1520 CPR: the contract simulator under make run and in tests; Serviceplatformen in
    # production (with the token variant and the municipality's certificate).
    cpr_endpoint: str = "http://127.0.0.1:8100/sf1520"
    cpr_timeout_seconds: float = 10.0
    # InvocationContext of the municipality's service agreement (context variant). Unset: the
    # simulator's documented test context.
    cpr_service_agreement_uuid: str | None = None
    cpr_user_system_uuid: str | None = None
    cpr_user_uuid: str | None = None
    cpr_service_uuid: str | None = None
    # The CPR event feed (adapters/cpr/EVENTS.md): moves, births, deaths, custody changes.
    # Empty: no feed is read. The credential is the Beskedfordeler subscription's.
    cpr_events_endpoint: str = ""
    cpr_events_credential: SecretStr = SecretStr("boernesag-test-abonnement")
    cpr_events_poll_seconds: float = 2.0
    # ESDH: SF2900 Fordelingskomponenten files each document in the municipality's ESDH, SF1470
    # Sags- og Dokumentindeks indexes it. The contract simulators under make run and in tests;
    # in production Serviceplatformen, e.g. https://prod.serviceplatformen.dk/service/SP/
    # Distribution/3 and .../service/SagDokument/SagDokumentIndeks/5, with the token variant.
    # An empty endpoint switches the relay off.
    sf2900_endpoint: str = "http://127.0.0.1:8100/sf2900"
    sf1470_endpoint: str = "http://127.0.0.1:8100/sf1470"
    # Where the case transfers routed to our municipalities are read (BL § 132; the SF2900
    # simulator's /sf2900 under make run: adapters/sf2900/TRANSFER.md); empty: nothing is received.
    sf2900_inbox_endpoint: str = ""
    sf2900_inbox_poll_seconds: float = 2.0
    # token: OIOIDWS (production); context: the system certificate on the TLS connection.
    esdh_variant: Literal["context", "token"] = "context"
    # Our system's UUID in the municipality's organisation (FK Organisation), as the ESDH knows it.
    esdh_it_system_uuid: str = "00000000-0000-4000-8000-0000000e5d40"
    # The system certificate and key (PEM) for the TLS connection, and the CA bundle to trust.
    esdh_certificate: str | None = None
    esdh_certificate_key: str | None = None
    esdh_ca_bundle: str | None = None
    esdh_timeout_seconds: float = 10.0
    # KLE handlingsfacet sent with every document (G01: generelle sager). It must be in effect in
    # the classification loaded from SF1510, else the document waits (failed, with the reason).
    esdh_action_facet: str = "G01"
    # A document is `failed` (and shown so) after this many failed attempts in a row; it is
    # retried with backoff up to esdh_retry_max_seconds between attempts.
    esdh_fail_after: int = 3
    esdh_retry_max_seconds: float = 300.0
    # SF1510 Klassifikation: KLE, handlingsfacetter and the kontoplan, loaded into the
    # classification table by `python -m api.classification.sync`. The contract simulator under
    # make run and in tests; in production KOMBIT's Klassifikation with the token variant. An
    # empty endpoint skips the load.
    sf1510_endpoint: str = "http://127.0.0.1:8100/sf1510"
    # token: OIOIDWS (production); context: the system certificate on the TLS connection and
    # AuthorityContext with the municipality's CVR (the default is the simulator's test one).
    sf1510_variant: Literal["context", "token"] = "context"
    sf1510_authority_cvr: str | None = "90100001"
    sf1510_certificate: str | None = None
    sf1510_certificate_key: str | None = None
    sf1510_ca_bundle: str | None = None
    sf1510_timeout_seconds: float = 30.0
    # Klassifikation's UUIDs of the facets to load. The defaults are the simulator's (synthetic,
    # adapters/sf1510/klassifikation.toml); production sets Klassifikation's own.
    sf1510_facet_kle: str = "00000000-1510-4000-8000-000000000001"
    sf1510_facet_handlingsfacet: str = "00000000-1510-4000-8000-000000000002"
    sf1510_facet_funktion: str = "00000000-1510-4000-8000-000000000003"
    sf1510_facet_art: str = "00000000-1510-4000-8000-000000000004"
    # OIOIDWS, the token variant of SF1520, SF2900, SF1470 and SF1510 (adapters/sts/README.md):
    # KOMBIT's STS (production: .../runtime/services/kombittrust/14/certificatemixed), the
    # municipality's system certificate and key (PEM), the STS's signing certificate, the CVR
    # claimed, and each service's entity id from the service agreement. Unset certificates and
    # entity ids are the documented TEST ones, which only the simulators trust.
    sts_endpoint: str = "http://127.0.0.1:8100/sts"
    sts_certificate: str | None = None
    sts_certificate_key: str | None = None
    sts_signing_certificate: str | None = None
    sts_municipality_cvr: str = "90100001"
    sts_timeout_seconds: float = 10.0
    sts_entity_id_sf1520: str | None = None
    sts_entity_id_sf2900: str | None = None
    sts_entity_id_sf1470: str | None = None
    sts_entity_id_sf1510: str | None = None
    # SF1520's variant: context (InvocationContext) or token (OIOIDWS, production).
    cpr_variant: Literal["context", "token"] = "context"
    # The KLE emne (brugervendt nøgle) of a new underretning's case: Barnets lov cases are
    # hovedgruppe 34. It must be in effect in the loaded classification, else intake answers 503.
    underretning_kle_subject: str = "34.10.10"
    # SF1601 Digital Post (KombiPostAfsend): the service root, e.g.
    # https://prod.serviceplatformen.dk/service, or the simulator's /sf1601. Unset: letters go to
    # the local mailbox below (the development fallback). E-mail recipients always do.
    digitalpost_endpoint: str | None = None
    digitalpost_variant: Literal["context", "token"] = "context"
    digitalpost_timeout_seconds: float = 10.0
    # context: the SF1601 service agreement's InvocationContext. Unset: the simulator's test one.
    digitalpost_service_agreement_uuid: str | None = None
    digitalpost_user_system_uuid: str | None = None
    digitalpost_user_uuid: str | None = None
    digitalpost_service_uuid: str | None = None
    # token (production): the STS exchange with the system certificate (PEM, OCES3) for the
    # authority's CVR; the same certificate on the TLS connection; exttest instead of prod.
    digitalpost_certificate: str | None = None
    digitalpost_authority_cvr: str | None = None
    digitalpost_exttest: bool = False
    # Danmarks Statistik (BEK 1295/2023): the daily event files (D27). The contract simulator
    # under make run and in tests; in production DST's system-to-system reception with the
    # certificate variant (the municipality's system certificate, PEM with its key). Empty: the
    # daily run records nothing and sends nothing.
    dst_endpoint: str = "http://127.0.0.1:8100/dst"
    dst_variant: Literal["certificate", "credential"] = "credential"
    dst_credential: SecretStr = SecretStr("boernesag-test-dst")
    dst_certificate: str | None = None
    dst_timeout_seconds: float = 30.0
    # The local Digital Post mailbox (development, and e-mail recipients).
    mailbox_dir: str = ".runtime/mailbox"
    # FK-ØKO: payments posted to the municipality's OPUS or Prisme (municipality.finance_system)
    # through one route. The contract simulator under make run and in tests (its documented test
    # credential); in production the municipality's FK-ØKO endpoint and credential.
    fkoeko_endpoint: str = "http://127.0.0.1:8100/fkoeko"
    fkoeko_credential: SecretStr = SecretStr("boernesag-test-fkoeko")
    fkoeko_timeout_seconds: float = 10.0
    # Only for stacks whose engine runs a controlled clock (the clock tests): the broker's
    # management URL, so deadline facts use the engine's now. Never set in production.
    engine_clock_url: str | None = None
    # Ankestyrelsen's CVR number, the recipient of appeal packages (set per deployment).
    ankestyrelsen_cvr: str = "11883729"
    # Development sign-in with the demo users' passwords. Off in production (SSO only).
    dev_users: bool = False
    # development, or production: SSO only, no development users, no test secrets; the app
    # refuses to start otherwise (api/sso/config.py, production_problems).
    mode: Literal["development", "production"] = "development"
    # The public address, e.g. https://boernesag.kommune.dk: the SAML endpoints and, when https,
    # Secure cookies. Empty: development without SSO.
    base_url: str = ""
    # SAML 2.0 single sign-on (OIOSAML 3, KOMBIT's Context Handler or a local IdP): the IdP's
    # metadata file, our entity id (default {base_url}/saml/metadata) and our signing key and
    # certificate (PEM files). README, "Single sign-on".
    saml_idp_metadata: str | None = None
    saml_sp_entity_id: str | None = None
    saml_sp_key: str | None = None
    saml_sp_certificate: str | None = None
    # Failed password sign-ins per user name and address before a pause of this many seconds.
    login_max_failures: int = 5
    login_lockout_seconds: int = 900
    # The operating organisation (its kommunekode in our org model): only its analysts may deploy
    # processes, because the Zeebe Community License forbids offering process automation to
    # others (README, "Who may deploy"). Empty: nobody may deploy.
    operating_municipality: str = ""
    # Prometheus metrics (README, "Metrics"): the API's /metrics needs this bearer token when it
    # is set; the workers and the projector serve theirs on 127.0.0.1 at these ports (0: off).
    metrics_token: SecretStr = SecretStr("")
    workers_metrics_port: int = 9101
    projector_metrics_port: int = 9102


def owner_url(settings: Settings) -> str:
    chosen = settings.owner_database_url or settings.database_url
    return chosen.get_secret_value()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

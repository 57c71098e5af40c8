"""`Sf2900Client`: SF2900 Fordelingskomponenten `FordelingsobjektAfsend`, a typed facade over zeep.

It sends one document (object type DOKUMENT) with its Sag- og Dokumentstandard metadata to the
municipality's own ESDH, routed by KLE subject and handlingsfacet.

Security is a seam chosen by `Sf2900Settings.variant`:

- `token` (production): `token_provider` returns the issued token (a SAML assertion from the
  KOMBIT STS, obtained with the municipality's certificate), sent in a `wsse:Security` header.
- `context`: this contract has no InvocationContext element. The caller is known by its FOCES/OCES
  certificate on the TLS connection (`client_certificate`) and the service agreement by
  `AuthorityContext/MunicipalityCVR`, which is sent in both variants.

Idempotency: `AnvenderTransaktionsID` is the caller's key. The same document is always sent with
the same id, so a send repeated after a timeout names the first one.
"""

from __future__ import annotations

import base64
import re
import uuid
from dataclasses import dataclass
from typing import Any

import zeep
from lxml import etree

from adapters.errors import AdapterError, ContractViolation, Rejected, Unavailable
from adapters.sagdok import SagDokDocument
from adapters.sf2900 import schema
from adapters.sf2900.transfer import TransferForm, form_request
from adapters.soap import (
    AuditPlugin,
    OfflineTransport,
    OnCall,
    RequestValidationPlugin,
    SoapFault,
    TokenProvider,
    XsdValidationPlugin,
    call_soap,
    mask_cpr,
    security_plugins,
)

_UUID = re.compile(r"[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}")
_CVR = re.compile(r"\d{8}")


@dataclass(frozen=True)
class Sf2900Settings:
    """How to reach SF2900. Built by the deployable's settings and passed in; nothing global."""

    endpoint: str
    it_system_uuid: str
    """Our system's UUID in the municipality's organisation (RegistreringItSystem, Aktoer)."""
    variant: schema.Variant = "token"
    token_provider: TokenProvider | None = None
    client_certificate: tuple[str, str] | None = None
    """(certificate, key) PEM paths for the TLS connection: the context variant's identity."""
    ca_bundle: str | None = None
    routing_cvr: str | None = None
    """RoutingMyndighed; None routes to the sending municipality's own ESDH."""
    timeout_seconds: float = 30.0
    log_envelopes: bool = False

    def __post_init__(self) -> None:
        if self.variant not in ("context", "token"):
            raise ValueError(f"unknown SF2900 security variant {self.variant!r}")
        if not _UUID.fullmatch(self.it_system_uuid):
            raise ValueError("it_system_uuid must be a lower-case UUID")
        if self.routing_cvr is not None and not _CVR.fullmatch(self.routing_cvr):
            raise ValueError("routing_cvr must be eight digits")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


@dataclass(frozen=True)
class Distribution:
    """SF2900's business receipt for one sent document."""

    transaction_id: uuid.UUID
    distribution_id: uuid.UUID | None
    status: str
    """ForretningsValideringsKode: MODTAGET, AFLEVERET or ACCEPTERET."""


class Sf2900Client:
    """Sends documents to the municipality's ESDH. Raises only `adapters.errors`."""

    def __init__(self, settings: Sf2900Settings, *, on_call: OnCall | None = None) -> None:
        self._settings = settings
        self._audit = AuditPlugin("sf2900", on_call, log_envelopes=settings.log_envelopes)
        messages = schema.message_schema()
        plugins = [
            RequestValidationPlugin(messages, {schema.OPERATION: schema.REQUEST}),
            XsdValidationPlugin(messages, {schema.OPERATION: schema.RESPONSE}, messages),
            self._audit,
            *security_plugins(settings.variant, settings.token_provider),
        ]
        self._transport = OfflineTransport(settings.timeout_seconds)
        if settings.client_certificate is not None:
            self._transport.session.cert = settings.client_certificate
        if settings.ca_bundle is not None:
            self._transport.session.verify = settings.ca_bundle
        zeep_client = zeep.Client(  # type: ignore[no-untyped-call]
            str(schema.wsdl_path(settings.variant)),
            transport=self._transport,
            plugins=plugins,
            settings=zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True),
        )
        self._service: Any = zeep_client.create_service(  # type: ignore[no-untyped-call]
            schema.BINDING, settings.endpoint
        )

    def send_document(
        self,
        document: SagDokDocument,
        *,
        transaction_id: uuid.UUID,
        routing_cvr: str | None = None,
        case_suggestion: uuid.UUID | None = None,
    ) -> Distribution:
        """Send the document to the ESDH; the same `transaction_id` names the same sending.

        `routing_cvr` sends it to another municipality (a case transfer) instead of the settings'
        routing; `case_suggestion` files it on another sag than the document's own case."""
        with self._audit.audited(schema.OPERATION):
            headers = self._headers()
            request = self._request(document, transaction_id)
            context = request["anmodning"]["DistributionContext"]
            if routing_cvr is not None:
                if not _CVR.fullmatch(routing_cvr):
                    raise ValueError("routing_cvr must be eight digits")
                context["RoutingMyndighed"] = routing_cvr
            if case_suggestion is not None:
                content = request["anmodning"]["DistributionObject"]["ObjektIndhold"]
                content["DistributionDokument"]["SagForslag"] = str(case_suggestion)
            return self._send(request, headers, transaction_id)

    def send_transfer_form(self, form: TransferForm, *, transaction_id: uuid.UUID) -> Distribution:
        """The følgeseddel of a case transfer (FORMULAR) to the receiving municipality."""
        if not _CVR.fullmatch(form.manifest.receiver_cvr):
            raise ValueError("the receiving CVR must be eight digits")
        with self._audit.audited(schema.OPERATION):
            headers = self._headers()
            request = form_request(form, transaction_id=transaction_id)
            return self._send(request, headers, transaction_id)

    def _send(
        self, request: dict[str, Any], headers: list[etree._Element], transaction_id: uuid.UUID
    ) -> Distribution:
        answer = call_soap(
            lambda: self._service.FordelingsobjektAfsend(**request, _soapheaders=headers),
            _fault_error,
        )
        return _distribution(answer, transaction_id)

    def close(self) -> None:
        self._transport.session.close()

    def __enter__(self) -> Sf2900Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _headers(self) -> list[etree._Element]:
        # The token variant's wsse:Security is added and signed by the last plugin.
        return []

    def _request(self, document: SagDokDocument, transaction_id: uuid.UUID) -> dict[str, Any]:
        case = document.case
        virkning = {
            "FraTidspunkt": document.registered_at,
            "Aktoer": {"UUID": self._settings.it_system_uuid},
            "AktoerType": "ItSystem",
        }
        relations: dict[str, Any] = {
            "VariantListe": {
                "Variant": [
                    {
                        "Virkning": virkning,
                        "Rolle": "Variant",
                        "Indeks": "1",
                        "VariantAttributter": {"VariantType": "Produktion", "Arkivering": True},
                        "DelAttributter": {
                            "DelTekst": document.filename,
                            "Indeks": 1,
                            "Indhold": base64.b64encode(document.content).decode("ascii"),
                            "Filstoerrelse": len(document.content),
                            "MimeType": document.media_type,
                        },
                    }
                ]
            }
        }
        if case.child_cpr is not None:
            party = {
                "ObjektType": "Person",
                "ReferenceID": {"URN": f"urn:oio:cpr-nr:{case.child_cpr}"},
            }
            relations["DokumentPartListe"] = {
                "DokumentPart": [
                    {"Virkning": virkning, "Rolle": "PrimaerPart", "Indeks": 1, "Part": party}
                ]
            }
        attributes = {
            "BrugervendtNoegleTekst": document.key,
            "TitelTekst": document.title,
            "BeskrivelseTekst": document.description
            or f"{document.title} (sag {case.case_number})",
            "Dokumenttype": document.document_type,
            "Retning": document.direction,
            "Brevdato": document.letter_date,
            "KassationskodeTekst": case.retention_code,
            "Virkning": virkning,
        }
        return {
            "AuthorityContext": {"MunicipalityCVR": case.municipality_cvr},
            "anmodning": {
                "DistributionContext": {
                    "AnvenderTransaktionsID": str(transaction_id),
                    "AfsendendeMyndighed": case.municipality_cvr,
                    "RoutingMyndighed": self._settings.routing_cvr or case.municipality_cvr,
                    "RoutingValg": {
                        "RoutingKLEEmneHandling": {
                            "RoutingKLEEmne": case.kle_subject,
                            "RoutingHandlingFacet": case.action_facet,
                        }
                    },
                    "DokumentFilNavn": document.filename,
                },
                "DistributionObject": {
                    "ObjektType": "DOKUMENT",
                    "ObjektIndhold": {
                        "DistributionDokument": {
                            "ID": str(document.document_id),
                            "KLEEmneForslag": case.kle_subject,
                            "HandlingFacetForslag": case.action_facet,
                            "SagForslag": str(case.case_id),
                            "Registrering": {
                                "FraTidsPunkt": document.registered_at,
                                "LivscyklusKode": "Oprettet",
                                "RegistreringItSystem": {"UUID": self._settings.it_system_uuid},
                                "RelationListe": relations,
                                "TilstandsListe": [
                                    {"Tilstand": [{"Fremdrift": "Endeligt", "Virkning": virkning}]}
                                ],
                                "AttributListe": {"Attributter": [attributes]},
                            },
                        }
                    },
                },
            },
        }


def _distribution(answer: Any, transaction_id: uuid.UUID) -> Distribution:
    mapped: AdapterError
    try:
        receipt = answer.ForretningsKvittering
        code = str(receipt.ForretningsValideringsKode)
        reason = mask_cpr(str(receipt.Begrundelse or _errors_text(receipt.FejlListe)))
        if code == schema.REJECTED_CODE:
            raise Rejected(f"ESDH afviste dokumentet: {reason}")
        if code == schema.FAILED_CODE:
            raise Unavailable(f"ESDH kunne ikke modtage dokumentet: {reason}")
        context = answer.DistributionContext
        if str(context.AnvenderTransaktionsID) != str(transaction_id):
            raise ContractViolation("the receipt names another AnvenderTransaktionsID")
        distribution = context.DistributionTransktionsID
        return Distribution(
            transaction_id=transaction_id,
            distribution_id=uuid.UUID(distribution) if distribution else None,
            status=code,
        )
    except AdapterError as error:
        mapped = error
    except (AttributeError, TypeError, ValueError) as error:
        mapped = ContractViolation(f"unexpected answer ({type(error).__name__})")
    raise mapped


def _errors_text(errors: Any) -> str:
    if errors is None:
        return ""
    return "; ".join(f"{e.FejlKode}: {e.FejlTekst}" for e in errors.Fejl or [])


def _fault_error(fault: SoapFault) -> AdapterError:
    """The contract's TransportKvittering with errors is a refusal; anything else is technical."""
    errors = _transport_errors(fault.detail)
    text = mask_cpr("; ".join(f"{code}: {text}" for code, text in errors) or fault.message or "")
    if errors or fault.is_client_fault:
        return Rejected(text)
    return Unavailable(f"SOAP fault without the contract's detail: {text}")


def _transport_errors(detail: etree._Element | None) -> list[tuple[str, str]]:
    if detail is None:
        return []
    ns = {"t": schema.NS}
    return [
        (error.findtext("t:FejlKode", "", ns), error.findtext("t:FejlTekst", "", ns))
        for error in detail.iterfind("t:TransportKvittering/t:FejlListe/t:Fejl", ns)
    ]

"""`Sf1470Client`: SF1470 Sags- og Dokumentindeks `importer` and `fjern`, a typed facade over zeep.

`import_document` reports a document and its case to the national index: the document
(DokumentIndeks: key, title, letter date, type, KLE class, primary party) and the case
(SagIndeks: number, title, KLE subject and handlingsfacet, primary party, and the journal with
every document the case has filed). `remove_document` takes a document out of the index.

Security is the same seam as SF2900: `token` (production) puts the STS token in a
`wsse:Security` header; `context` relies on the FOCES/OCES certificate on the TLS connection
(`client_certificate`), since this contract has no InvocationContext element. The municipality
goes in `AuthorityContext` in both. The RequestHeader's TransactionUUID is the caller's key.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import zeep
from lxml import etree

from adapters.errors import AdapterError, ContractViolation, NotFound, Rejected, Unavailable
from adapters.sagdok import JournalEntry, SagDokCase, SagDokDocument
from adapters.sf1470 import schema
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
# SF1470's document types, from SF2900's type and direction.
_INDEX_TYPES = {
    ("Brev", "Udgaaende"): "Brev, udgaaende",
    ("Brev", "Indgaaende"): "Brev, indgaaende",
    ("Notat", "Internt"): "Internt Notat",
    ("Rapport", "Internt"): "Rapport",
}
# Relation roles (Rolle) as URNs; the index takes any URN, these name what the relation is.
ROLE_KLE_SUBJECT = "urn:oio:kle:emne"
ROLE_ACTION_FACET = "urn:oio:kle:handlingsfacet"
ROLE_PRIMARY_PARTY = "urn:oio:sagdok:part:primaer"
ROLE_JOURNAL_POST = "urn:oio:sagdok:journalpost:dokument"


@dataclass(frozen=True)
class Sf1470Settings:
    """How to reach SF1470. Built by the deployable's settings and passed in; nothing global."""

    endpoint: str
    it_system_uuid: str
    """Our system's UUID (BrugerRef, AktoerRef of the registrations)."""
    variant: schema.Variant = "token"
    token_provider: TokenProvider | None = None
    client_certificate: tuple[str, str] | None = None
    ca_bundle: str | None = None
    timeout_seconds: float = 30.0
    log_envelopes: bool = False

    def __post_init__(self) -> None:
        if self.variant not in ("context", "token"):
            raise ValueError(f"unknown SF1470 security variant {self.variant!r}")
        if not _UUID.fullmatch(self.it_system_uuid):
            raise ValueError("it_system_uuid must be a lower-case UUID")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


class Sf1470Client:
    """Keeps the Sags- og Dokumentindeks current. Raises only `adapters.errors`."""

    def __init__(self, settings: Sf1470Settings, *, on_call: OnCall | None = None) -> None:
        self._settings = settings
        self._audit = AuditPlugin("sf1470", on_call, log_envelopes=settings.log_envelopes)
        messages = schema.message_schema()
        plugins = [
            RequestValidationPlugin(messages, schema.REQUESTS),
            XsdValidationPlugin(messages, schema.RESPONSES, schema.fault_schema()),
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

    def import_document(
        self,
        document: SagDokDocument,
        *,
        journal: Sequence[JournalEntry],
        transaction_id: uuid.UUID,
    ) -> None:
        """Index the document and its case; `journal` is every document the case has filed."""
        with self._audit.audited(schema.IMPORTER):
            headers = self._headers(transaction_id)
            request = {
                "AuthorityContext": {"MunicipalityCVR": document.case.municipality_cvr},
                # A repeated choice: zeep takes it as `_value_1`, one dict per chosen element.
                "ImporterSagDokumentIndeksInput": {
                    "_value_1": [
                        {"DokumentIndeks": self._document(document)},
                        {"SagIndeks": self._case(document.case, journal, document.registered_at)},
                    ]
                },
            }
            answer = call_soap(
                lambda: self._service.importer(**request, _soapheaders=headers), _fault_error
            )
            _check_returns(answer, "ImporterSagDokumentIndeksOutput")

    def remove_document(
        self, document_id: uuid.UUID, *, municipality_cvr: str, transaction_id: uuid.UUID
    ) -> None:
        """Take the document out of the index (found by its key); NotFound if it is not there."""
        with self._audit.audited(schema.FJERN):
            headers = self._headers(transaction_id)
            search = {
                "AttributListe": {"Egenskaber": [{"BrugervendtNoegle": str(document_id)}]},
                "TilstandListe": {},
                "RelationListe": {},
                "VariantListe": {},
            }
            request = {
                "AuthorityContext": {"MunicipalityCVR": municipality_cvr},
                "FjernSagDokumentIndeksInput": {
                    "SoegUdtryk": {"_value_1": [{"SoegDokument": search}]}
                },
            }
            answer = call_soap(
                lambda: self._service.fjern(**request, _soapheaders=headers), _fault_error
            )
            _check_returns(answer, "FjernSagDokumentIndeksOutput")

    def close(self) -> None:
        self._transport.session.close()

    def __enter__(self) -> Sf1470Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _headers(self, transaction_id: uuid.UUID) -> list[etree._Element]:
        header = etree.Element(schema.REQUEST_HEADER, nsmap={"h": schema.NS_HEADER})
        etree.SubElement(header, f"{{{schema.NS_HEADER}}}TransactionUUID").text = str(
            transaction_id
        )
        headers = [header]
        return headers

    def _virkning(self, since: datetime) -> dict[str, Any]:
        return {
            "FraTidspunkt": {"TidsstempelDatoTid": since},
            "AktoerRef": {"UUIDIdentifikator": self._settings.it_system_uuid},
            "AktoerTypeKode": "ItSystem",
        }

    def _relation(self, since: datetime, role: str, reference: dict[str, str]) -> dict[str, Any]:
        return {
            "Virkning": self._virkning(since),
            "Rolle": {"URNIdentifikator": role},
            "ReferenceID": reference,
        }

    def _document(self, document: SagDokDocument) -> dict[str, Any]:
        case = document.case
        since = document.registered_at
        relations: dict[str, Any] = {
            "Dokumentklasse": [
                self._relation(since, ROLE_KLE_SUBJECT, _urn(f"urn:oio:kle:{case.kle_subject}")),
                self._relation(since, ROLE_ACTION_FACET, _urn(f"urn:oio:kle:{case.action_facet}")),
            ]
        }
        if case.child_cpr is not None:
            party = _urn(f"urn:oio:cpr-nr:{case.child_cpr}")
            relations["Dokumentpart"] = [self._relation(since, ROLE_PRIMARY_PARTY, party)]
        properties = {
            "Virkning": self._virkning(since),
            "BrugervendtNoegle": document.key,
            "Titel": document.title,
            "Beskrivelse": document.description or None,
            "BrevDato": document.letter_date,
            "Kassationskode": case.retention_code,
            "Foelsomhed": "FOELSOMME_PERSONOPLYSNINGER",
            "Type": _INDEX_TYPES.get((document.document_type, document.direction), "Brev"),
        }
        return {
            "UUIDIdentifikator": str(document.document_id),
            "Registrering": [
                {
                    "Tidspunkt": datetime.now(UTC),
                    "LivscyklusKode": "Importeret",
                    "BrugerRef": {"UUIDIdentifikator": self._settings.it_system_uuid},
                    "AttributListe": {"Egenskaber": [properties]},
                    "TilstandListe": {
                        "Fremdrift": [
                            {"Virkning": self._virkning(since), "FremdriftStatusKode": "Endeligt"}
                        ]
                    },
                    "RelationListe": relations,
                    "VariantListe": {
                        "Variant": [
                            {
                                "Variant": "Produktion",
                                "Egenskaber": [
                                    {
                                        "Virkning": self._virkning(since),
                                        "ArkiveringIndikator": True,
                                        "ProduktionIndikator": True,
                                    }
                                ],
                            }
                        ]
                    },
                }
            ],
        }

    def _case(
        self, case: SagDokCase, journal: Sequence[JournalEntry], since: datetime
    ) -> dict[str, Any]:
        relations: dict[str, Any] = {
            "Sagsklasse": [
                self._relation(since, ROLE_KLE_SUBJECT, _urn(f"urn:oio:kle:{case.kle_subject}")),
                self._relation(since, ROLE_ACTION_FACET, _urn(f"urn:oio:kle:{case.action_facet}")),
            ],
            "Journalpost": [
                {
                    **self._relation(
                        since, ROLE_JOURNAL_POST, {"UUIDIdentifikator": str(entry.document_id)}
                    ),
                    "Indeks": str(number),
                    "JournalpostEgenskaber": {"Dokumenttitel": entry.title[:255]},
                }
                for number, entry in enumerate(journal, start=1)
            ],
        }
        if case.child_cpr is not None:
            party = _urn(f"urn:oio:cpr-nr:{case.child_cpr}")
            relations["Sagspart"] = [self._relation(since, ROLE_PRIMARY_PARTY, party)]
        properties = {
            "Virkning": self._virkning(since),
            "BrugervendtNoegle": case.case_number,
            "Kassationskode": case.retention_code,
            "PrincipielIndikator": False,
            "Sagsnummer": case.case_number,
            "Titel": case.title,
        }
        return {
            "UUIDIdentifikator": str(case.case_id),
            "Registrering": [
                {
                    "Tidspunkt": datetime.now(UTC),
                    "LivscyklusKode": "Importeret",
                    "BrugerRef": {"UUIDIdentifikator": self._settings.it_system_uuid},
                    "AttributListe": {"Egenskaber": [properties]},
                    "TilstandListe": {
                        "Fremdrift": [
                            {"Virkning": self._virkning(since), "FremdriftStatusKode": "Opstaaet"}
                        ]
                    },
                    "RelationListe": relations,
                }
            ],
        }


def _urn(value: str) -> dict[str, str]:
    return {"URNIdentifikator": value}


def _check_returns(answer: Any, output: str) -> None:
    """Every StandardRetur/UnikRetur must say 20; the worst other status decides the error."""
    mapped: AdapterError
    try:
        # The output message has a header part, so zeep answers {header, body}.
        result = answer["body"][output]
        returns = list(result.UnikRetur or []) + list(result.StandardRetur or [])
        failed = [(int(r.StatusKode), str(r.FejlbeskedTekst or "")) for r in returns]
        failed = [(code, text) for code, text in failed if code != schema.STATUS_OK]
        if not failed:
            return
        code, text = max(failed)
        text = mask_cpr(f"{code}: {text}")
        if code == schema.STATUS_NOT_FOUND:
            raise NotFound(text)
        if code >= schema.STATUS_SERVER_ERROR:
            raise Unavailable(text)
        raise Rejected(text)
    except AdapterError as error:
        mapped = error
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        mapped = ContractViolation(f"unexpected answer ({type(error).__name__})")
    raise mapped


def _fault_error(fault: SoapFault) -> AdapterError:
    """The contract's ServiceplatformFault is a refusal; anything else is technical."""
    errors = _serviceplatform_errors(fault.detail)
    text = mask_cpr("; ".join(f"{code}: {text}" for code, text in errors) or fault.message or "")
    if errors or fault.is_client_fault:
        return Rejected(text)
    return Unavailable(f"SOAP fault without the contract's detail: {text}")


def _serviceplatform_errors(detail: etree._Element | None) -> list[tuple[str, str]]:
    if detail is None:
        return []
    ns = {"spf": schema.NS_FAULT}
    return [
        (error.findtext("spf:ErrorCode", "", ns), error.findtext("spf:ErrorText", "", ns))
        for error in detail.iterfind("spf:ServiceplatformFault/spf:ErrorList/spf:Error", ns)
    ]

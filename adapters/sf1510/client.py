"""`Sf1510Client`: SF1510 Klassifikation KlasseService `soeg` and `list`, a typed facade over zeep.

A loader reads whole facets (KLE emner, handlingsfacetter, the kontoplan's funktioner and arter):
`search` (soeg) pages through the UUIDs of the classes whose Facet relation names the facet,
`read` (list) returns those classes in batches as `Klasse` values: UUID, brugervendt nøgle,
titel, facet, overordnet klasse, validity and whether it is published. `facet_classes` does both.

Security is a seam chosen by `Sf1510Settings.variant`:

- `token` (production): `token_provider` returns the issued token (a SAML assertion from the
  KOMBIT STS, obtained with the municipality's certificate), sent in a `wsse:Security` header.
  The published contract (`Klasse.wsdl`) carries only this OIOIDWS policy.
- `context`: the contract has no InvocationContext. The caller is known by its FOCES/OCES
  certificate on the TLS connection (`client_certificate`) and the service agreement by
  Serviceplatformen's `AuthorityContext/MunicipalityCVR`, sent as a SOAP header (in both variants
  when `authority_cvr` is set).

The RequestHeader's TransactionUUID is fresh per call: reading has no effect to repeat.
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
from adapters.sf1510 import schema
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

_CVR = re.compile(r"\d{8}")
_ENDED_STATES = frozenset({"Passiveret", "Slettet"})


@dataclass(frozen=True)
class Sf1510Settings:
    """How to reach SF1510. Built by the deployable's settings and passed in; nothing global."""

    endpoint: str
    variant: schema.Variant = "token"
    authority_cvr: str | None = None
    """AuthorityContext/MunicipalityCVR: the service agreement's municipality."""
    token_provider: TokenProvider | None = None
    client_certificate: tuple[str, str] | None = None
    """(certificate, key) PEM paths for the TLS connection: the context variant's identity."""
    ca_bundle: str | None = None
    timeout_seconds: float = 30.0
    page_size: int = 500
    """How many UUIDs one `soeg` asks for."""
    batch_size: int = 100
    """How many classes one `list` asks for."""
    log_envelopes: bool = False

    def __post_init__(self) -> None:
        if self.variant not in ("context", "token"):
            raise ValueError(f"unknown SF1510 security variant {self.variant!r}")
        if self.variant == "context" and self.authority_cvr is None:
            raise ValueError("the context variant needs authority_cvr")
        if self.authority_cvr is not None and not _CVR.fullmatch(self.authority_cvr):
            raise ValueError("authority_cvr must be eight digits")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.page_size < 1 or self.batch_size < 1:
            raise ValueError("page_size and batch_size must be positive")


@dataclass(frozen=True)
class Klasse:
    """One class of a facet, as the loader stores it."""

    id: uuid.UUID
    key: str
    """Brugervendt nøgle, e.g. 34.10.10, G01, 5.28.21."""
    title: str
    facet: uuid.UUID | None
    parent: uuid.UUID | None
    """The overordnet klasse (e.g. 34.10 for 34.10.10)."""
    valid_from: datetime | None
    """None: valid since always (GraenseIndikator)."""
    valid_to: datetime | None
    """None: no end (GraenseIndikator)."""
    published: bool


class Sf1510Client:
    """Reads classifications from Klassifikation. Raises only `adapters.errors`."""

    def __init__(self, settings: Sf1510Settings, *, on_call: OnCall | None = None) -> None:
        self._settings = settings
        self._audit = AuditPlugin("sf1510", on_call, log_envelopes=settings.log_envelopes)
        messages = schema.message_schema()
        plugins = [
            RequestValidationPlugin(messages, schema.REQUESTS),
            XsdValidationPlugin(messages, schema.RESPONSES),
            self._audit,
            *security_plugins(settings.variant, settings.token_provider),
        ]
        self._transport = OfflineTransport(settings.timeout_seconds)
        if settings.client_certificate is not None:
            self._transport.session.cert = settings.client_certificate
        if settings.ca_bundle is not None:
            self._transport.session.verify = settings.ca_bundle
        zeep_client = zeep.Client(  # type: ignore[no-untyped-call]
            str(schema.WSDL),
            transport=self._transport,
            plugins=plugins,
            settings=zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True),
        )
        self._service: Any = zeep_client.create_service(  # type: ignore[no-untyped-call]
            schema.BINDING, settings.endpoint
        )

    def search(
        self, facet: uuid.UUID, *, first: int = 0, limit: int | None = None
    ) -> list[uuid.UUID]:
        """One page of the UUIDs of the facet's classes, from result number `first` (0-based)."""
        with self._audit.audited(schema.SOEG):
            request = {
                "FoersteResultatReference": first,
                "MaksimalAntalKvantitet": limit or self._settings.page_size,
                "AttributListe": {},
                "TilstandListe": {},
                "RelationListe": {"Facet": {"ReferenceID": {"UUIDIdentifikator": str(facet)}}},
            }
            headers = self._headers()
            answer = call_soap(
                lambda: self._service.soeg(**request, _soapheaders=headers), _fault_error
            )
            return _ids(answer)

    def read(self, ids: Sequence[uuid.UUID]) -> list[Klasse]:
        """The classes with these UUIDs (at most `batch_size` are asked for at a time)."""
        found: list[Klasse] = []
        size = self._settings.batch_size
        for start in range(0, len(ids), size):
            found.extend(self._list(ids[start : start + size]))
        return found

    def facet_classes(self, facet: uuid.UUID) -> list[Klasse]:
        """Every class of the facet: `soeg` page by page, then `list` in batches."""
        ids: list[uuid.UUID] = []
        while True:
            page = self.search(facet, first=len(ids))
            ids.extend(page)
            if len(page) < self._settings.page_size:
                break
        return self.read(ids) if ids else []

    def close(self) -> None:
        self._transport.session.close()

    def __enter__(self) -> Sf1510Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _list(self, ids: Sequence[uuid.UUID]) -> list[Klasse]:
        with self._audit.audited(schema.LIST):
            request = {"UUIDIdentifikator": [str(one) for one in ids]}
            headers = self._headers()
            answer = call_soap(
                lambda: self._service.list(**request, _soapheaders=headers), _fault_error
            )
            return _classes(answer)

    def _headers(self) -> list[etree._Element]:
        header = etree.Element(schema.REQUEST_HEADER, nsmap={"h": schema.NS_HEADER})
        transaction = etree.SubElement(header, f"{{{schema.NS_HEADER}}}TransactionUUID")
        transaction.text = str(uuid.uuid4())
        headers = [header]
        if self._settings.authority_cvr is not None:
            authority = etree.Element(schema.AUTHORITY_CONTEXT, nsmap={"a": schema.NS_AUTHORITY})
            cvr = etree.SubElement(authority, f"{{{schema.NS_AUTHORITY}}}MunicipalityCVR")
            cvr.text = self._settings.authority_cvr
            headers.append(authority)
        return headers


def _body(answer: Any) -> Any:
    """The output element's content; zeep answers {header, body} as the message has a header."""
    body = answer["body"]
    _check_status(body.StandardRetur)
    return body


def _check_status(retur: Any) -> None:
    """StatusKode 20 is success; 44 NotFound; 50 and above Unavailable; the rest a refusal."""
    code = int(retur.StatusKode)
    if code == schema.STATUS_OK:
        return
    text = mask_cpr(f"{code}: {retur.FejlbeskedTekst or ''}")
    if code == schema.STATUS_NOT_FOUND:
        raise NotFound(text)
    if code >= schema.STATUS_SERVER_ERROR:
        raise Unavailable(text)
    raise Rejected(text)


def _ids(answer: Any) -> list[uuid.UUID]:
    mapped: AdapterError
    try:
        body = _body(answer)
        listed = body.IdListe.UUIDIdentifikator if body.IdListe is not None else []
        return [uuid.UUID(str(one)) for one in listed or []]
    except AdapterError as error:
        mapped = error
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        mapped = ContractViolation(f"unexpected answer ({type(error).__name__})")
    raise mapped


def _classes(answer: Any) -> list[Klasse]:
    mapped: AdapterError
    try:
        body = _body(answer)
        return [_klasse(snapshot) for snapshot in body.FiltreretOejebliksbillede or []]
    except AdapterError as error:
        mapped = error
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        mapped = ContractViolation(f"unexpected answer ({type(error).__name__})")
    raise mapped


def _klasse(snapshot: Any) -> Klasse:
    """The class as its newest registration has it, with the properties in effect now (else the
    latest ones): the title of a class that changed name is today's."""
    registrations = list(snapshot.Registrering or [])
    if not registrations:
        raise ValueError("a class without a registration")
    registration = registrations[-1]
    now = datetime.now(UTC)
    properties = _in_effect(list(registration.AttributListe.Egenskab or []), now)
    if properties is None or not properties.BrugervendtNoegleTekst:
        raise ValueError("a class without a brugervendt nøgle")
    state = _in_effect(list(registration.TilstandListe.PubliceretStatus or []), now)
    published = state is None or state.ErPubliceretIndikator is not False
    relations = registration.RelationListe
    valid_from, valid_to = _period(properties.Virkning)
    return Klasse(
        id=uuid.UUID(str(snapshot.ObjektID.UUIDIdentifikator)),
        key=str(properties.BrugervendtNoegleTekst),
        title=str(properties.TitelTekst or properties.BrugervendtNoegleTekst),
        facet=_reference(relations.Facet),
        parent=_reference(relations.OverordnetKlasse),
        valid_from=valid_from,
        valid_to=valid_to,
        published=published and registration.LivscyklusKode not in _ENDED_STATES,
    )


def _in_effect(items: list[Any], now: datetime) -> Any:
    """The item whose Virkning covers `now`, else the one that starts last; None if none."""
    if not items:
        return None
    for item in items:
        start, end = _period(item.Virkning)
        if (start is None or start <= now) and (end is None or now < end):
            return item
    return max(
        items, key=lambda item: _period(item.Virkning)[0] or datetime.min.replace(tzinfo=UTC)
    )


def _period(virkning: Any) -> tuple[datetime | None, datetime | None]:
    if virkning is None:
        return None, None
    return _moment(virkning.FraTidspunkt), _moment(virkning.TilTidspunkt)


def _moment(point: Any) -> datetime | None:
    """A TidspunktType: a timestamp, or None for GraenseIndikator (an open end)."""
    if point is None or point.TidsstempelDatoTid is None:
        return None
    moment: datetime = point.TidsstempelDatoTid
    # zeep's own FixedOffset becomes UTC, so that equal moments compare and store alike.
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _reference(relation: Any) -> uuid.UUID | None:
    if relation is None or relation.ReferenceID is None:
        return None
    found = relation.ReferenceID.UUIDIdentifikator
    return uuid.UUID(str(found)) if found else None


def _fault_error(fault: SoapFault) -> AdapterError:
    """The contract declares no SOAP fault: it refuses through StandardRetur. A SOAP fault is the
    platform failing (or our request unreadable to it), so it is technical and retried."""
    text = mask_cpr(fault.message or "")
    return Unavailable(f"SOAP fault ({fault.code}): {text}")

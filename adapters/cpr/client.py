"""`CprClient`: SF1520 PersonBaseDataExtendedService `PersonLookup`, a typed facade over zeep.

Security is a seam chosen by `CprSettings.variant`:

- `context`: the older style. The contract carries the InvocationContext (ServiceAgreementUUID,
  UserSystemUUID, UserUUID, ServiceUUID, ...) inside the PersonLookupRequest element, next to the
  PNR, not as a SOAP header; the FOCES client certificate is the transport's business.
- `token`: OIOIDWS. `token_provider` returns the issued token (a SAML assertion from the KOMBIT STS,
  obtained with the municipality's certificate), which goes into a `wsse:Security` header. Without
  a provider every lookup raises `Unavailable("no STS token provider configured")`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import zeep
from lxml import etree

from adapters.cpr import schema
from adapters.cpr.mapping import person_from_answer
from adapters.cpr.model import Person
from adapters.cpr.numbers import is_well_formed, normalise
from adapters.errors import AdapterError, ContractViolation, NotFound, Rejected, Unavailable
from adapters.soap import (
    AuditPlugin,
    OfflineTransport,
    OnCall,
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
class InvocationContext:
    """Serviceplatformen's InvocationContext, from the municipality's service agreement."""

    service_agreement_uuid: str
    user_system_uuid: str
    user_uuid: str
    service_uuid: str
    on_behalf_of_user: str | None = None
    callers_service_call_identifier: str | None = None
    accounting_info: str | None = None

    def __post_init__(self) -> None:
        uuids = (
            self.service_agreement_uuid,
            self.user_system_uuid,
            self.user_uuid,
            self.service_uuid,
        )
        if not all(_UUID.fullmatch(value) for value in uuids):
            raise ValueError("InvocationContext UUIDs must be lower-case UUIDs (the XSD pattern)")

    def as_request(self, on_behalf_of_user: str | None) -> dict[str, str]:
        values = {
            "ServiceAgreementUUID": self.service_agreement_uuid,
            "UserSystemUUID": self.user_system_uuid,
            "UserUUID": self.user_uuid,
            "ServiceUUID": self.service_uuid,
            "OnBehalfOfUser": on_behalf_of_user or self.on_behalf_of_user,
            "CallersServiceCallIdentifier": self.callers_service_call_identifier,
            "AccountingInfo": self.accounting_info,
        }
        return {key: value for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class CprSettings:
    """How to reach SF1520. Built by the deployable's settings and passed in; nothing global."""

    endpoint: str
    variant: schema.Variant = "context"
    invocation_context: InvocationContext | None = None
    token_provider: TokenProvider | None = None
    municipality_cvr: str | None = None
    """Sent as AuthorityContext/MunicipalityCVR when set."""
    timeout_seconds: float = 10.0
    log_envelopes: bool = False
    """Log masked envelopes at debug level; they still hold names and addresses."""

    def __post_init__(self) -> None:
        if self.variant not in ("context", "token"):
            raise ValueError(f"unknown SF1520 security variant {self.variant!r}")
        if self.variant == "context" and self.invocation_context is None:
            raise ValueError("the context variant needs an InvocationContext")
        if self.municipality_cvr is not None and not _CVR.fullmatch(self.municipality_cvr):
            raise ValueError("municipality_cvr must be eight digits")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


class CprClient:
    """Looks people up in the CPR replica. Raises only `adapters.errors`."""

    def __init__(self, settings: CprSettings, *, on_call: OnCall | None = None) -> None:
        self._settings = settings
        self._audit = AuditPlugin("cpr", on_call, log_envelopes=settings.log_envelopes)
        validation = XsdValidationPlugin(
            schema.message_schema(),
            {schema.OPERATION: schema.RESPONSE},
            schema.fault_schema(),
        )
        self._transport = OfflineTransport(settings.timeout_seconds)
        zeep_client = zeep.Client(  # type: ignore[no-untyped-call]
            str(schema.wsdl_path(settings.variant)),
            transport=self._transport,
            plugins=[
                validation,
                self._audit,
                *security_plugins(settings.variant, settings.token_provider),
            ],
            settings=zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True),
        )
        self._service: Any = zeep_client.create_service(  # type: ignore[no-untyped-call]
            schema.BINDING, settings.endpoint
        )

    def lookup(
        self, cpr: str, *, on_behalf_of_user: str | None = None, today: date | None = None
    ) -> Person:
        """The person with this CPR number (`ddmmyyxxxx` or `ddmmyy-xxxx`).

        `on_behalf_of_user` names the caseworker the lookup is made for, where the contract
        carries it. `today` decides whether an address protection is in force.
        """
        number = normalise(cpr)
        if not is_well_formed(number):
            raise Rejected("not a well-formed CPR number")
        with self._audit.audited(schema.OPERATION):
            request, headers = self._request(number, on_behalf_of_user)
            answer = call_soap(
                lambda: self._service.PersonLookup(**request, _soapheaders=headers),
                _fault_error,
            )
            return _person(answer, number, today or date.today())

    def close(self) -> None:
        self._transport.session.close()

    def __enter__(self) -> CprClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _request(
        self, number: str, on_behalf_of_user: str | None
    ) -> tuple[dict[str, Any], list[etree._Element]]:
        request: dict[str, Any] = {"PNR": number}
        headers: list[etree._Element] = []
        if self._settings.municipality_cvr is not None:
            request["AuthorityContext"] = {"MunicipalityCVR": self._settings.municipality_cvr}
        if self._settings.variant == "context":
            context = self._settings.invocation_context
            assert context is not None  # CprSettings refuses the context variant without one
            request["InvocationContext"] = context.as_request(on_behalf_of_user)
        else:
            if on_behalf_of_user is not None:
                request["CallContext"] = {"OnBehalfOfUser": on_behalf_of_user}
            # wsse:Security is added and signed by the last plugin (WsSecurityPlugin).
        return request, headers


def _person(answer: Any, number: str, today: date) -> Person:
    mapped: AdapterError
    try:
        return person_from_answer(answer, asked=number, today=today)
    except AdapterError as error:
        mapped = error
    except ValueError as error:  # a code outside our enums
        mapped = ContractViolation(f"unexpected value in the answer: {mask_cpr(str(error))}")
    raise mapped


def _fault_error(fault: SoapFault) -> AdapterError:
    """The contract's ServiceplatformFault is a business answer; anything else is technical."""
    errors = _serviceplatform_errors(fault.detail)
    text = mask_cpr("; ".join(f"{code}: {text}" for code, text in errors) or fault.message or "")
    if any(code in schema.NOT_FOUND_CODES for code, _ in errors):
        return NotFound(text)
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

"""Shared zeep plumbing for the SOAP adapters.

- `OfflineTransport`: loads WSDL and XSD from the vendored files only, and never logs envelopes
  (zeep's own debug log would print them unmasked).
- `AuditPlugin`: reports every call to a callback given by the caller and logs through structlog,
  with anything shaped like a CPR number masked.
- `XsdValidationPlugin`: checks each answer against the contract before zeep maps it.
- `call_soap`: runs one operation and turns zeep, requests and lxml errors into `adapters.errors`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlparse

import structlog
import zeep.exceptions
from lxml import etree
from zeep import Plugin
from zeep.transports import Transport

from adapters.errors import AdapterError, ContractViolation, NotFound, Rejected, Unavailable
from adapters.sts.wssecurity import IssuedToken, secure

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_BODY = f"{{{SOAP_ENV}}}Body"
SOAP_FAULT = f"{{{SOAP_ENV}}}Fault"
# SOAP 1.2, which some støttesystem contracts bind (SF1510 Klassifikation).
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
SOAP12_BODY = f"{{{SOAP12_ENV}}}Body"
SOAP12_FAULT = f"{{{SOAP12_ENV}}}Fault"

# Ten digits, optionally with a dash after the date part: anything shaped like a CPR number.
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")
CPR_MASK = "xxxxxx-xxxx"

Outcome = Literal["ok", "not_found", "rejected", "unavailable", "contract_violation", "error"]
OnCall = Callable[[str, float, Outcome], None]
"""`on_call(operation, duration_ms, outcome)`: the caller writes the audit row, adapters none."""

T = TypeVar("T")


def mask_cpr(text: str) -> str:
    """Replace every CPR-shaped number, birth date included: the date alone narrows people down."""
    return CPR_PATTERN.sub(CPR_MASK, text)


def outcome_of(error: BaseException | None) -> Outcome:
    if error is None:
        return "ok"
    outcomes: list[tuple[type[AdapterError], Outcome]] = [
        (NotFound, "not_found"),
        (Rejected, "rejected"),
        (Unavailable, "unavailable"),
        (ContractViolation, "contract_violation"),
    ]
    for kind, outcome in outcomes:
        if isinstance(error, kind):
            return outcome
    return "error"


def _logger() -> Any:
    # Fetched per use, so that a configuration made after import (or by a test) applies.
    return structlog.get_logger("adapters.soap")


def _text(element: Any) -> str:
    return etree.tostring(element, encoding="unicode")


def soap_body(envelope: Any) -> Any:
    """The Body of a SOAP 1.1 or SOAP 1.2 envelope, or None."""
    body = envelope.find(SOAP_BODY)
    return body if body is not None else envelope.find(SOAP12_BODY)


class OfflineTransport(Transport):
    """A zeep transport that reads the contract from disk and keeps envelopes out of the logs."""

    def __init__(self, timeout_seconds: float) -> None:
        # zeep is untyped: its calls carry `type: ignore[no-untyped-call]`.
        super().__init__(timeout=timeout_seconds, operation_timeout=timeout_seconds)  # type: ignore[no-untyped-call]

    def load(self, url: str) -> bytes:
        if urlparse(url).scheme in {"http", "https"}:
            raise ContractViolation(f"the vendored contract refers to a remote document: {url}")
        content: bytes = super().load(url)  # type: ignore[no-untyped-call]
        return content

    def post(self, address: str, message: bytes | str, headers: dict[str, str]) -> Any:
        response = self.session.post(
            address, data=message, headers=headers, timeout=self.operation_timeout
        )
        # A fault comes as a SOAP envelope with HTTP 500 (1.1) or 4xx/5xx (1.2). Any other
        # error status with something else (a proxy's HTML page, a cut-off body) is the HTTP
        # status's failure, not an answer that breaks the contract.
        if response.status_code != 200 and not _is_envelope(response.content):
            raise _transport_error(int(response.status_code))
        return response


def _is_envelope(content: bytes) -> bool:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except (etree.XMLSyntaxError, ValueError):
        return False
    return root.tag in (f"{{{SOAP_ENV}}}Envelope", f"{{{SOAP12_ENV}}}Envelope")


class AuditPlugin(Plugin):
    """Reports each call to `on_call` and logs it, CPR numbers masked.

    Envelopes are logged (masked) only when `log_envelopes` is set: even masked, they carry names
    and addresses, so this is for troubleshooting against a simulator.
    """

    def __init__(
        self, system: str, on_call: OnCall | None = None, *, log_envelopes: bool = False
    ) -> None:
        self._system = system
        self._on_call = on_call
        self._log_envelopes = log_envelopes

    def egress(
        self, envelope: Any, http_headers: Any, operation: Any, binding_options: Any
    ) -> tuple[Any, Any]:
        if self._log_envelopes:
            _logger().info(
                "soap.request",
                system=self._system,
                operation=operation.name,
                envelope=mask_cpr(_text(envelope)),
            )
        return envelope, http_headers

    def ingress(self, envelope: Any, http_headers: Any, operation: Any) -> tuple[Any, Any]:
        if self._log_envelopes:
            _logger().info(
                "soap.response",
                system=self._system,
                operation=operation.name,
                envelope=mask_cpr(_text(envelope)),
            )
        return envelope, http_headers

    @contextmanager
    def audited(self, operation: str) -> Iterator[None]:
        """Time the block and report its outcome, also when it raises."""
        started = time.perf_counter()
        error: BaseException | None = None
        try:
            yield
        except BaseException as raised:
            error = raised
            raise
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            outcome = outcome_of(error)
            _logger().info(
                "soap.call",
                system=self._system,
                operation=operation,
                duration_ms=duration_ms,
                outcome=outcome,
                error=mask_cpr(str(error)) if error else None,
            )
            if self._on_call is not None:
                self._on_call(operation, duration_ms, outcome)


class XsdValidationPlugin(Plugin):
    """Validates the SOAP body of every answer against the vendored XSD before zeep maps it.

    `outputs` maps operation name to the qualified name of its answer element. A fault is checked
    only where it carries a detail element that `fault_schema` declares.
    """

    def __init__(
        self,
        schema: etree.XMLSchema,
        outputs: Mapping[str, str],
        fault_schema: etree.XMLSchema | None = None,
    ) -> None:
        self._schema = schema
        self._outputs = dict(outputs)
        self._fault_schema = fault_schema

    def ingress(self, envelope: Any, http_headers: Any, operation: Any) -> tuple[Any, Any]:
        body = soap_body(envelope)
        if body is None or len(body) != 1:
            raise ContractViolation("the SOAP body must hold exactly one element")
        payload = body[0]
        if payload.tag in (SOAP_FAULT, SOAP12_FAULT):
            self._check_fault(payload)
            return envelope, http_headers
        expected = self._outputs.get(operation.name)
        if payload.tag != expected:
            raise ContractViolation(f"expected {expected} in the answer, got {payload.tag}")
        _validate(self._schema, payload)
        return envelope, http_headers

    def _check_fault(self, fault: Any) -> None:
        if self._fault_schema is None:
            return
        detail = fault.find("detail")
        detail = detail if detail is not None else fault.find(f"{{{SOAP12_ENV}}}Detail")
        for item in detail if detail is not None else []:
            _validate(self._fault_schema, item)


def _validate(schema: etree.XMLSchema, element: Any) -> None:
    if not schema.validate(element):
        # lxml quotes the offending value, which may be a CPR number.
        first = schema.error_log.last_error
        message = mask_cpr(first.message) if first is not None else "unknown error"
        raise ContractViolation(f"the answer breaks the XSD: {message}")


@dataclass(frozen=True)
class SoapFault:
    """A SOAP 1.1 or 1.2 fault as the adapter sees it, with zeep left behind."""

    code: str | None
    message: str | None
    detail: etree._Element | None

    @property
    def is_client_fault(self) -> bool:
        # SOAP 1.1 says Client, SOAP 1.2 Sender.
        return (self.code or "").rsplit(":", 1)[-1] in {"Client", "Sender"}


def call_soap(operation: Callable[[], T], on_fault: Callable[[SoapFault], AdapterError]) -> T:
    """Run one zeep operation; raise only `adapters.errors`, without the raw error attached."""
    mapped: AdapterError
    try:
        return operation()
    except AdapterError as error:
        mapped = error
    except zeep.exceptions.Fault as fault:
        detail = fault.detail if isinstance(fault.detail, etree._Element) else None
        mapped = on_fault(SoapFault(code=fault.code, message=fault.message, detail=detail))
    except zeep.exceptions.TransportError as error:
        mapped = _transport_error(int(error.status_code or 0))
    except zeep.exceptions.Error as error:
        mapped = ContractViolation(f"unreadable answer ({type(error).__name__})")
    except etree.LxmlError as error:
        mapped = ContractViolation(f"unreadable answer ({type(error).__name__})")
    except ValueError as error:
        # lxml refuses a value XML cannot carry (a control character in a title, say): the
        # request cannot be written, so nothing was sent.
        mapped = ContractViolation(f"a value cannot be written as XML ({type(error).__name__})")
    except OSError as error:  # requests' ConnectionError and Timeout are OSErrors
        mapped = Unavailable(f"no answer ({type(error).__name__})")
    # Raised outside the except blocks, so the raw error (which may quote the envelope) is not
    # attached as __context__.
    raise mapped


def _transport_error(status: int) -> AdapterError:
    if status == 200:
        return ContractViolation("the answer is not XML")
    if status in {401, 403}:
        return Rejected(f"access refused (HTTP {status})")
    return Unavailable(f"technical failure (HTTP {status})")


class RequestValidationPlugin(Plugin):
    """Validates the SOAP body of every request against the vendored XSD before it is sent.

    `inputs` maps operation name to the qualified name of its request element. A request that
    breaks the contract is our bug: it raises ContractViolation and nothing leaves the machine.
    """

    def __init__(self, schema: etree.XMLSchema, inputs: Mapping[str, str]) -> None:
        self._schema = schema
        self._inputs = dict(inputs)

    def egress(
        self, envelope: Any, http_headers: Any, operation: Any, binding_options: Any
    ) -> tuple[Any, Any]:
        body = soap_body(envelope)
        payload = body[0] if body is not None and len(body) == 1 else None
        expected = self._inputs.get(operation.name)
        if payload is None or payload.tag != expected:
            raise ContractViolation(f"the request must hold exactly one {expected}")
        if not self._schema.validate(payload):
            first = self._schema.error_log.last_error
            message = mask_cpr(first.message) if first is not None else "unknown error"
            raise ContractViolation(f"the request breaks the XSD: {message}")
        return envelope, http_headers


TokenProvider = Callable[[], IssuedToken]
"""Returns the assertion to secure a call with and the credentials it is bound to (production:
`adapters.sts.StsClient.provider(entity_id)`, KOMBIT's STS)."""


def provided_token(provider: TokenProvider | None) -> IssuedToken:
    """The token from the provider; a missing or failing provider is Unavailable, raw-error free."""
    mapped: AdapterError
    if provider is None:
        raise Unavailable("no STS token provider configured")
    try:
        return provider()
    except AdapterError as error:
        mapped = error
    except Exception as error:
        mapped = Unavailable(f"the STS token provider failed ({type(error).__name__})")
    raise mapped


class WsSecurityPlugin(Plugin):
    """The token variant (OIOIDWS): a signed wsse:Security header on every request, with a
    timestamp, the STS's assertion and a signature over Body and Timestamp made with the key the
    assertion is bound to. It must be the last plugin: nothing may change the message after it."""

    def __init__(self, provider: TokenProvider | None) -> None:
        self._provider = provider

    def egress(
        self, envelope: Any, http_headers: Any, operation: Any, binding_options: Any
    ) -> tuple[Any, Any]:
        token = provided_token(self._provider)
        secure(envelope, token.credentials, assertion=token.assertion)
        return envelope, http_headers


def security_plugins(variant: str, provider: TokenProvider | None) -> list[Plugin]:
    """The plugins a variant adds after the others: the WS-Security signer for `token`."""
    return [WsSecurityPlugin(provider)] if variant == "token" else []

"""`Sf1601Client`: SF1601 Digital Post (`KombiPostAfsend_1/memos`), a typed client over httpx.

A letter becomes one MeMo message (`adapters.digitalpost.memo`), validated against the vendored
XSD before it is sent. Its messageUUID comes from the idempotency key, so a retried job sends the
same message again and the service, which keeps one message per UUID, creates nothing new.

- Channel: a CVR recipient, or a CPR recipient registered for Digital Post, gets Digital Post;
  one CPR says is not registered (`Recipient.digital_post` False) gets a physical letter through
  the same API ("Fysisk Post", fjernprint); unknown leaves the choice to the service.
- Adressebeskyttelse: a protected recipient's address is never put in the message; the print
  supplier takes it from CPR itself.
- Security is a seam chosen by `Sf1601Settings.variant`: `token` (production: the KOMBIT STS
  access token, see `kombit_token_provider`) in the Authorization header, or `context`: the
  InvocationContext of the service agreement as `x-…UUID` headers (the older style).
- Errors: timeout, connection failure, 5xx → Unavailable; 401/403 and business faults (4xx) →
  Rejected; a message that breaks the XSD, or a fault saying so → ContractViolation; an answer
  that is not the receipt → ContractViolation.

The receipt (JSON with the delivery time, `leveretTidspunkt`) is the simulator's; there is no
published schema for the answer, so check it against exttest before production.
"""

from __future__ import annotations

import json
import ssl
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

import httpx
from lxml import etree

from adapters.cpr.client import InvocationContext
from adapters.digitalpost import memo
from adapters.digitalpost.simple import Attachment, Delivery, Recipient, Sender, check_attachments
from adapters.errors import AdapterError, ContractViolation, Rejected, Unavailable
from adapters.rest import HttpAudit
from adapters.soap import OnCall, mask_cpr

TokenProvider = Callable[[], str]
"""Returns the Authorization header value, e.g. `Holder-of-key <token>` from the KOMBIT STS."""

PATH = "/KombiPostAfsend_1/memos"
OPERATION = "KombiPostAfsend"
ENTITY_ID = "http://entityid.kombit.dk/service/kombipostafsend/1"
"""The service's entity id, the audience of the STS token."""

CONTEXT_HEADERS = {
    "service_agreement_uuid": "x-ServiceAgreementUUID",
    "user_system_uuid": "x-UserSystemUUID",
    "user_uuid": "x-UserUUID",
    "service_uuid": "x-ServiceUUID",
}

# ServiceplatformFault ErrorCodes the simulator answers with; check them against exttest.
FAULT_INVALID_MEMO = "INVALID_MEMO"
FAULT_INVALID_REQUEST = "INVALID_REQUEST"
FAULT_ACCESS_DENIED = "ACCESS_DENIED"
FAULT_RECIPIENT_UNKNOWN = "RECIPIENT_UNKNOWN"
CONTRACT_FAULTS = frozenset({FAULT_INVALID_MEMO, FAULT_INVALID_REQUEST})


@dataclass(frozen=True)
class Sf1601Settings:
    """How to reach SF1601. Built by the deployable's settings and passed in; nothing global."""

    endpoint: str
    """The service root: `https://prod.serviceplatformen.dk/service`, or the simulator's
    `http://127.0.0.1:8100/sf1601`; the client appends `/KombiPostAfsend_1/memos`."""
    variant: Literal["token", "context"] = "context"
    invocation_context: InvocationContext | None = None
    token_provider: TokenProvider | None = None
    client_certificate: str | None = None
    """PEM file with the system certificate and key (OCES3) for the TLS connection."""
    default_sender: Sender | None = None
    """Used when a send names no sender."""
    timeout_seconds: float = 10.0
    log_bodies: bool = False
    """Log masked request and answer bodies; they still hold names and addresses."""

    def __post_init__(self) -> None:
        if self.variant not in ("context", "token"):
            raise ValueError(f"unknown SF1601 security variant {self.variant!r}")
        if self.variant == "context" and self.invocation_context is None:
            raise ValueError("the context variant needs an InvocationContext")
        if self.variant == "token" and self.token_provider is None:
            raise ValueError("the token variant needs a token provider")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


def kombit_token_provider(*, authority_cvr: str, certificate: str, test: bool) -> TokenProvider:
    """Production tokens: python-serviceplatformen's KOMBIT STS exchange with the
    municipality's certificate (cached by the package until shortly before expiry)."""
    from python_serviceplatformen.authentication import KombitAccess

    access = KombitAccess(cvr=authority_cvr, cert_path=certificate, test=test)

    def provide() -> str:
        token: str = access.get_access_token(ENTITY_ID)
        return token

    return provide


class Sf1601Client:
    """Sends letters as Digital Post or physical post. Raises only `adapters.errors`."""

    def __init__(
        self,
        settings: Sf1601Settings,
        *,
        now: Callable[[], datetime] | None = None,
        on_call: OnCall | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._now = now or (lambda: datetime.now(UTC))
        self._audit = HttpAudit("sf1601", on_call, log_bodies=settings.log_bodies)
        verify: ssl.SSLContext | bool = True
        if settings.client_certificate:
            verify = ssl.create_default_context()
            verify.load_cert_chain(settings.client_certificate)
        self._http = httpx.Client(
            timeout=settings.timeout_seconds,
            verify=verify,
            transport=transport,
            event_hooks=self._audit.event_hooks(),
        )
        self._url = settings.endpoint.rstrip("/") + PATH

    def send(
        self,
        *,
        recipient: Recipient,
        subject: str,
        body: str,
        idempotency_key: str,
        attachments: Sequence[Attachment] = (),
        sender: Sender | None = None,
        case_number: str | None = None,
    ) -> Delivery:
        """Send one letter; the same `idempotency_key` again returns the first delivery."""
        with self._audit.audited(OPERATION):
            chosen = sender or self._settings.default_sender
            if chosen is None:
                raise Rejected("afsenderen mangler (kommunens CVR-nummer)")
            # The transaction time we state is the time the simulator delivers at, so a stack
            # on the engine's controlled clock gets delivery times on that clock.
            stated = self._now().astimezone(UTC)
            letter, channel = _letter(recipient, subject, body, idempotency_key, attachments)
            letter = replace(
                letter,
                sender_cvr=chosen.cvr,
                sender_name=chosen.name,
                case_number=case_number,
                created=stated,
            )
            request = _kombi_request(letter, channel)
            problem = memo.schema_error(memo.memo_schema(), request[1])
            if problem is not None:
                raise ContractViolation(f"the MeMo breaks the XSD: {problem}")
            content = etree.tostring(request, xml_declaration=True, encoding="utf-8")
            response = self._post(content, stated)
            return _delivery(response, letter.message_uuid)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Sf1601Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _post(self, content: bytes, stated: datetime) -> httpx.Response:
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            "x-TransaktionsId": str(uuid.uuid4()),
            "x-TransaktionsTid": transaction_time(stated),
            **self._security_headers(),
        }
        mapped: AdapterError
        try:
            response = self._http.post(self._url, content=content, headers=headers)
        except httpx.TimeoutException as error:
            mapped = Unavailable(f"no answer in time ({type(error).__name__})")
        except httpx.HTTPError as error:
            mapped = Unavailable(f"no answer ({type(error).__name__})")
        else:
            if response.is_success:
                return response
            mapped = _status_error(response)
        # Raised outside the except blocks, so the raw error is not attached as __context__.
        raise mapped

    def _security_headers(self) -> dict[str, str]:
        if self._settings.variant == "context":
            context = self._settings.invocation_context
            assert context is not None  # Sf1601Settings refuses the context variant without one
            return {header: getattr(context, field) for field, header in CONTEXT_HEADERS.items()}
        provider = self._settings.token_provider
        assert provider is not None  # Sf1601Settings refuses the token variant without one
        mapped: AdapterError
        try:
            return {"Authorization": provider()}
        except AdapterError as error:
            mapped = error
        except Exception as error:
            mapped = Unavailable(f"the STS token provider failed ({type(error).__name__})")
        raise mapped


def _kombi_request(letter: memo.Letter, channel: memo.Channel) -> etree._Element:
    """The request; ContractViolation for a value XML cannot carry (a control character)."""
    mapped: AdapterError
    try:
        return memo.kombi_request(letter, channel)
    except (ValueError, etree.LxmlError) as error:
        mapped = ContractViolation(f"a value cannot be written as XML ({type(error).__name__})")
    raise mapped


def transaction_time(moment: datetime) -> str:
    """`x-TransaktionsTid`: UTC with milliseconds and a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _letter(
    recipient: Recipient,
    subject: str,
    body: str,
    idempotency_key: str,
    attachments: Sequence[Attachment],
) -> tuple[memo.Letter, memo.Channel]:
    """The letter without sender, case number and time, and its channel."""
    if recipient.kind == "email":
        raise Rejected("Digital Post sendes til et CPR- eller CVR-nummer, ikke til en e-mail")
    if not recipient.identifier.strip():
        raise Rejected("modtageren mangler")
    check_attachments(attachments)
    channel = memo.DIGITAL
    if recipient.kind == "cpr" and recipient.digital_post is None:
        channel = memo.AUTOMATIC
    elif recipient.kind == "cpr" and not recipient.digital_post:
        channel = memo.PHYSICAL
    # Adressebeskyttelse: the address never leaves us; the print supplier looks it up in CPR.
    printable = channel != memo.DIGITAL and not recipient.address_protected
    letter = memo.Letter(
        message_uuid=memo.message_uuid(idempotency_key),
        message_id=idempotency_key,
        sender_cvr="",
        sender_name="",
        recipient_type="CPR" if recipient.kind == "cpr" else "CVR",
        recipient_id=recipient.identifier.replace("-", ""),
        recipient_name=recipient.name,
        print_address=recipient.address if printable else None,
        subject=subject,
        body=body,
        attachments=[memo.File(a.filename, a.media_type, a.content) for a in attachments],
        case_number=None,
        created=datetime.min.replace(tzinfo=UTC),
    )
    return letter, channel


def _delivery(response: httpx.Response, message_uuid: str) -> Delivery:
    """The receipt: `{"messageUUID": ..., "leveretTidspunkt": "...Z", ...}`."""
    try:
        receipt = json.loads(response.content)
        delivered = datetime.fromisoformat(receipt["leveretTidspunkt"].replace("Z", "+00:00"))
        answered_for = receipt["messageUUID"]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as error:
        raise ContractViolation(f"the answer is not a receipt ({type(error).__name__})") from None
    if answered_for != message_uuid or delivered.tzinfo is None:
        raise ContractViolation("the receipt is for another message or has no time zone")
    return Delivery(message_uuid, delivered)


def _status_error(response: httpx.Response) -> AdapterError:
    status = response.status_code
    errors = _fault_errors(response.content)
    text = mask_cpr("; ".join(f"{code}: {message}" for code, message in errors))
    if status >= 500 or status in {408, 429}:
        return Unavailable(f"technical failure (HTTP {status}) {text}".strip())
    if any(code in CONTRACT_FAULTS for code, _ in errors):
        return ContractViolation(f"the service refused the message as invalid: {text}")
    if status in {401, 403}:
        return Rejected(f"access refused (HTTP {status}) {text}".strip())
    return Rejected(f"refused (HTTP {status}) {text}".strip())


def _fault_errors(content: bytes) -> list[tuple[str, str]]:
    """ErrorCode and ErrorText of a ServiceplatformFault answer; nothing if it is not one."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        fault = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        return []
    if fault.tag != memo.SERVICEPLATFORM_FAULT or memo.schema_error(memo.fault_schema(), fault):
        return []
    ns = {"spf": memo.NS_FAULT}
    return [
        (error.findtext("spf:ErrorCode", "", ns), error.findtext("spf:ErrorText", "", ns))
        for error in fault.iterfind("spf:ErrorList/spf:Error", ns)
    ]

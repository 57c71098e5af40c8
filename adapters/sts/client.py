"""`StsClient`: SAML 2.0 assertions from a security token service (OIOIDWS, KOMBIT's STS).

For each service (its entity id) the client sends a WS-Trust 1.3 Issue request, signed with the
municipality's certificate (WS-Security, the certificate as a BinarySecurityToken) and asking for
an assertion bound to that certificate (KeyType PublicKey, UseKey) with the municipality's CVR as
a claim. KOMBIT's STS takes it at `.../runtime/services/kombittrust/14/certificatemixed`.

The assertion is checked (the STS's signature when its certificate is configured, audience,
lifetime, holder-of-key certificate) and kept until `refresh_before` ahead of its end. Failures
come out as `adapters.errors`: no answer or a server fault is Unavailable, a refusal (an unknown
certificate or entity id) is Rejected, an answer we cannot use is ContractViolation.
"""

from __future__ import annotations

import base64
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from cryptography import x509
from lxml import etree

from adapters.errors import AdapterError, ContractViolation, Rejected, Unavailable
from adapters.sts import assertion as saml
from adapters.sts.wssecurity import (
    BASE64,
    NS_DS,
    NS_SAML,
    NS_WSSE,
    NS_WSU,
    SAML_TOKEN_TYPE,
    X509_TOKEN,
    Credentials,
    IssuedToken,
    SecurityProblem,
    secure,
    utc_now,
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
NS_WSA = "http://www.w3.org/2005/08/addressing"
NS_WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
NS_WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
NS_AUTH = "http://docs.oasis-open.org/wsfed/authorization/200706"
ISSUE_ACTION = f"{NS_WST}/RST/Issue"
ISSUE_REQUEST = f"{NS_WST}/Issue"
PUBLIC_KEY = f"{NS_WST}/PublicKey"
ANONYMOUS = f"{NS_WSA}/anonymous"
# Faults in which the STS refuses the request (WS-Trust 1.3 §11, WS-Security §12): Rejected.
REFUSALS = frozenset(
    {
        "InvalidRequest",
        "FailedAuthentication",
        "RequestFailed",
        "InvalidSecurity",
        "InvalidSecurityToken",
        "BadRequest",
        "Client",
        "Sender",
    }
)
_CVR = re.compile(r"\d{8}")


@dataclass(frozen=True)
class StsSettings:
    """How to reach the STS and who we are. Built by the deployable's settings."""

    endpoint: str
    credentials: Credentials
    """The municipality's system certificate (OCES/FOCES) and key."""
    municipality_cvr: str
    sts_certificate: x509.Certificate | None = None
    """The STS's signing certificate: the assertions' signature is checked against it."""
    timeout_seconds: float = 10.0
    refresh_before: timedelta = timedelta(minutes=5)
    """An assertion is renewed this long before it runs out."""
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        if not _CVR.fullmatch(self.municipality_cvr):
            raise ValueError("municipality_cvr must be eight digits")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")


class StsClient:
    """Issues and caches assertions per entity id; thread-safe. Raises only `adapters.errors`."""

    def __init__(
        self,
        settings: StsSettings,
        *,
        now: Callable[[], datetime] = utc_now,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """`now` decides when a kept assertion is renewed (the request's own timestamp is the
        machine's clock); `transport` replaces the network (tests)."""
        self._settings = settings
        self._now = now
        self._http = httpx.Client(
            timeout=settings.timeout_seconds,
            verify=settings.ca_bundle or True,
            transport=transport,
        )
        self._tokens: dict[str, IssuedToken] = {}
        self._lock = threading.Lock()
        self.issued = 0
        """How many assertions this client has fetched (the rest came from the cache)."""

    def token(self, entity_id: str) -> IssuedToken:
        """An assertion for the service `entity_id`, from the cache while it has time left."""
        with self._lock:
            cached = self._tokens.get(entity_id)
            if cached is not None and self._now() < cached.expires - self._settings.refresh_before:
                return cached
            token = self._issue(entity_id)
            self._tokens[entity_id] = token
            self.issued += 1
            return token

    def provider(self, entity_id: str) -> Callable[[], IssuedToken]:
        """The token provider a SOAP adapter's settings take (`token_provider`)."""
        return lambda: self.token(entity_id)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> StsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _issue(self, entity_id: str) -> IssuedToken:
        body = etree.tostring(self._request(entity_id), xml_declaration=True, encoding="utf-8")
        mapped: AdapterError
        try:
            response = self._http.post(
                self._settings.endpoint,
                content=body,
                headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": ISSUE_ACTION},
            )
        except httpx.HTTPError as error:
            mapped = Unavailable(f"the STS did not answer ({type(error).__name__})")
        else:
            try:
                return self._token_from(response, entity_id)
            except AdapterError as error:
                mapped = error
        raise mapped

    def _request(self, entity_id: str) -> etree._Element:
        envelope = etree.Element(
            f"{{{SOAP_ENV}}}Envelope",
            nsmap={"soap": SOAP_ENV, "wsa": NS_WSA, "wsu": NS_WSU},
        )
        header = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Header")
        addressing = [
            _text(header, f"{{{NS_WSA}}}Action", ISSUE_ACTION),
            _text(header, f"{{{NS_WSA}}}MessageID", f"urn:uuid:{uuid.uuid4()}"),
            _text(header, f"{{{NS_WSA}}}To", self._settings.endpoint),
        ]
        reply_to = etree.SubElement(header, f"{{{NS_WSA}}}ReplyTo")
        _text(reply_to, f"{{{NS_WSA}}}Address", ANONYMOUS)
        addressing.append(reply_to)
        body = etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")
        rst = etree.SubElement(body, f"{{{NS_WST}}}RequestSecurityToken", nsmap={"wst": NS_WST})
        _text(rst, f"{{{NS_WST}}}TokenType", SAML_TOKEN_TYPE)
        _text(rst, f"{{{NS_WST}}}RequestType", ISSUE_REQUEST)
        applies = etree.SubElement(rst, f"{{{NS_WSP}}}AppliesTo", nsmap={"wsp": NS_WSP})
        reference = etree.SubElement(applies, f"{{{NS_WSA}}}EndpointReference")
        _text(reference, f"{{{NS_WSA}}}Address", entity_id)
        claims = etree.SubElement(
            rst, f"{{{NS_WST}}}Claims", Dialect=f"{NS_AUTH}/authclaims", nsmap={"auth": NS_AUTH}
        )
        claim = etree.SubElement(claims, f"{{{NS_AUTH}}}ClaimType", Uri=saml.CVR_ATTRIBUTE)
        _text(claim, f"{{{NS_AUTH}}}Value", self._settings.municipality_cvr)
        _text(rst, f"{{{NS_WST}}}KeyType", PUBLIC_KEY)
        use_key = etree.SubElement(rst, f"{{{NS_WST}}}UseKey")
        certificate = etree.SubElement(
            use_key,
            f"{{{NS_WSSE}}}BinarySecurityToken",
            {"ValueType": X509_TOKEN, "EncodingType": BASE64},
            nsmap={"wsse": NS_WSSE},
        )
        certificate.text = self._settings.credentials.base64
        secure(envelope, self._settings.credentials, assertion=None, signed_parts=addressing)
        return envelope

    def _token_from(self, response: httpx.Response, entity_id: str) -> IssuedToken:
        envelope = _parse(response)
        if envelope is None:
            if response.status_code >= 500:
                raise Unavailable(f"the STS failed (HTTP {response.status_code})")
            raise ContractViolation(f"the STS answered no SOAP (HTTP {response.status_code})")
        fault = envelope.find(f"{{{SOAP_ENV}}}Body/{{{SOAP_ENV}}}Fault")
        if fault is not None:
            raise _fault_error(fault)
        if response.status_code != 200:
            raise Unavailable(f"the STS failed (HTTP {response.status_code})")
        tokens = envelope.findall(
            f"{{{SOAP_ENV}}}Body//{{{NS_WST}}}RequestedSecurityToken/{{{NS_SAML}}}Assertion"
        )
        if len(tokens) != 1:
            raise ContractViolation("the STS answer holds no single SAML assertion")
        facts = self._check(tokens[0], entity_id)
        return IssuedToken(tokens[0], self._settings.credentials, facts.not_on_or_after)

    def _check(self, token: etree._Element, entity_id: str) -> saml.AssertionFacts:
        mapped: AdapterError
        sts_certificate = self._settings.sts_certificate or _signer_of(token)
        try:
            facts = saml.read(token, sts_certificate, now=self._now(), audience=entity_id)
        except SecurityProblem as problem:
            mapped = ContractViolation(f"the STS's assertion does not hold: {problem}")
        else:
            if facts.holder != self._settings.credentials.certificate:
                raise ContractViolation("the assertion is bound to another certificate")
            return facts
        raise mapped


def _text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text
    return element


def _parse(response: httpx.Response) -> etree._Element | None:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        envelope = etree.fromstring(response.content, parser)
    except etree.XMLSyntaxError:
        return None
    return envelope if envelope.tag == f"{{{SOAP_ENV}}}Envelope" else None


def _fault_error(fault: etree._Element) -> AdapterError:
    code = (fault.findtext("faultcode") or "").rsplit(":", 1)[-1]
    text = fault.findtext("faultstring") or ""
    if code in REFUSALS:
        return Rejected(f"the STS refused ({code}): {text}")
    return Unavailable(f"the STS failed ({code or 'fault'}): {text}")


def _signer_of(token: etree._Element) -> x509.Certificate:
    """Without a configured STS certificate, the one in the assertion's signature (the service
    checks it against the STS it trusts; we only check the assertion is intact)."""
    encoded = token.findtext(
        "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate", None, {"ds": NS_DS}
    )
    try:
        return x509.load_der_x509_certificate(base64.b64decode("".join((encoded or "").split())))
    except ValueError:
        raise ContractViolation("the STS's assertion names no signing certificate") from None

"""WS-Security for OIOIDWS: the signed wsse:Security header on a SOAP message, and its checks.

The web service consumer signs each message with the private key of the certificate the STS bound
the assertion to (holder-of-key). The header holds a wsu:Timestamp, the SAML assertion (or, on the
request to the STS itself, the certificate as a BinarySecurityToken) and an XML signature
(RSA-SHA256, exclusive c14n) over the Body, the Timestamp and any other part given. signxml makes
and checks the signatures; nothing here talks to the network.
"""

from __future__ import annotations

import base64
import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
from lxml import etree
from signxml.algorithms import SignatureConstructionMethod
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
NS_WSSE11 = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd"
NS_WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
WSU_ID = f"{{{NS_WSU}}}Id"
X509_TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"  # noqa: S105
BASE64 = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)
SAML_TOKEN_TYPE = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"  # noqa: S105
SAML_ID = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"

TIMESTAMP_TTL = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=5)
"""How far apart the two clocks may be when a receiver checks a timestamp or an assertion."""


class SecurityProblem(ValueError):
    """A message's or an assertion's security does not hold; the text is for a fault (Danish)."""


@dataclass(frozen=True)
class Credentials:
    """A certificate and its private key: the municipality's (or the STS's) signing identity."""

    certificate: x509.Certificate
    key: RSAPrivateKey

    @classmethod
    def load(cls, certificate_path: str | Path, key_path: str | Path) -> Credentials:
        """From PEM files; a missing, unreadable or mismatched pair raises ValueError."""
        try:
            certificate = x509.load_pem_x509_certificate(Path(certificate_path).read_bytes())
            key = load_pem_private_key(Path(key_path).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(f"unreadable certificate or key ({type(error).__name__})") from None
        if not isinstance(key, RSAPrivateKey):
            raise ValueError("the key must be an RSA key")
        if key.public_key().public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
            raise ValueError("the key does not belong to the certificate")
        return cls(certificate, key)

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(Encoding.DER)

    @property
    def base64(self) -> str:
        return base64.b64encode(self.der).decode()


def load_certificate(path: str | Path) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        raise ValueError(f"unreadable certificate ({type(error).__name__})") from None


def utc_now() -> datetime:
    """The clock every signature and check here uses (tests replace it)."""
    return datetime.now(UTC)


def xml_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str | None) -> datetime:
    if not text:
        raise SecurityProblem("Tidspunkt mangler")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SecurityProblem("Tidspunktet kan ikke læses") from None
    if moment.utcoffset() is None:
        raise SecurityProblem("Tidspunktet har ingen tidszone")
    return moment


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


def _header(envelope: etree._Element) -> etree._Element:
    soap_ns = etree.QName(envelope).namespace
    header = envelope.find(f"{{{soap_ns}}}Header")
    if header is None:
        header = etree.Element(f"{{{soap_ns}}}Header")
        envelope.insert(0, header)
    return header


def _body(envelope: etree._Element) -> etree._Element:
    body = envelope.find(f"{{{etree.QName(envelope).namespace}}}Body")
    if body is None:
        raise SecurityProblem("Forespørgslen har ingen SOAP Body")
    return body


def _wsu_id(element: etree._Element, prefix: str) -> str:
    if element.get(WSU_ID) is None:
        element.set(WSU_ID, _new_id(prefix))
    return element.get(WSU_ID, "")


def saml_key_info(assertion_id: str) -> etree._Element:
    """KeyInfo naming the assertion whose holder-of-key certificate signed the message."""
    key_info = etree.Element(f"{{{NS_DS}}}KeyInfo", nsmap={"ds": NS_DS})
    reference = etree.SubElement(
        key_info,
        f"{{{NS_WSSE}}}SecurityTokenReference",
        {f"{{{NS_WSSE11}}}TokenType": SAML_TOKEN_TYPE},
        nsmap={"wsse": NS_WSSE, "wsse11": NS_WSSE11},
    )
    identifier = etree.SubElement(reference, f"{{{NS_WSSE}}}KeyIdentifier", ValueType=SAML_ID)
    identifier.text = assertion_id
    return key_info


def secure(
    envelope: etree._Element,
    credentials: Credentials,
    *,
    assertion: etree._Element | None,
    signed_parts: Sequence[etree._Element] = (),
    now: datetime | None = None,
) -> None:
    """Add a signed wsse:Security header to the envelope, in place.

    With an assertion, the header carries it and the signature names it (holder-of-key, the
    service call); without, the certificate goes in as a BinarySecurityToken (the STS request).
    The signature covers the Body, the Timestamp and `signed_parts` (header elements).
    """
    moment = now or utc_now()
    security = etree.SubElement(
        _header(envelope),
        f"{{{NS_WSSE}}}Security",
        {f"{{{etree.QName(envelope).namespace}}}mustUnderstand": "1"},
        nsmap={"wsse": NS_WSSE, "wsu": NS_WSU},
    )
    timestamp = etree.SubElement(security, f"{{{NS_WSU}}}Timestamp", {WSU_ID: _new_id("ts")})
    etree.SubElement(timestamp, f"{{{NS_WSU}}}Created").text = xml_time(moment)
    etree.SubElement(timestamp, f"{{{NS_WSU}}}Expires").text = xml_time(moment + TIMESTAMP_TTL)
    parts = [_body(envelope), timestamp, *signed_parts]
    if assertion is not None:
        security.append(copy.deepcopy(assertion))
        key_info = saml_key_info(assertion.get("ID", ""))
    else:
        token = etree.SubElement(
            security,
            f"{{{NS_WSSE}}}BinarySecurityToken",
            {WSU_ID: _new_id("x509"), "ValueType": X509_TOKEN, "EncodingType": BASE64},
        )
        token.text = credentials.base64
        parts.append(token)
        key_info = etree.Element(f"{{{NS_DS}}}KeyInfo", nsmap={"ds": NS_DS})
        reference = etree.SubElement(key_info, f"{{{NS_WSSE}}}SecurityTokenReference")
        etree.SubElement(
            reference,
            f"{{{NS_WSSE}}}Reference",
            URI=f"#{token.get(WSU_ID)}",
            ValueType=X509_TOKEN,
        )
    references = [f"#{_wsu_id(part, 'part')}" for part in parts]
    signer = XMLSigner(
        method=SignatureConstructionMethod.detached,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=EXC_C14N,
    )
    signature = signer.sign(
        envelope, key=credentials.key, reference_uri=references, key_info=key_info
    )
    security.append(signature)


@dataclass(frozen=True)
class SecuredMessage:
    """What a receiver knows once `check_message` has passed."""

    certificate: x509.Certificate
    """The certificate whose key signed the message."""
    assertion: etree._Element | None


def check_message(
    envelope: etree._Element,
    *,
    holder_certificate: x509.Certificate | None = None,
    now: datetime | None = None,
    required_parts: Sequence[etree._Element] = (),
) -> SecuredMessage:
    """Check the wsse:Security header: a fresh timestamp and a signature over Body, Timestamp and
    `required_parts`, made by `holder_certificate` (the assertion's) or, without one, by the
    header's BinarySecurityToken. Raises SecurityProblem (Danish text) otherwise."""
    soap_ns = etree.QName(envelope).namespace
    security = envelope.find(f"{{{soap_ns}}}Header/{{{NS_WSSE}}}Security")
    if security is None:
        raise SecurityProblem("Forespørgslen har ingen wsse:Security")
    timestamp = security.find(f"{{{NS_WSU}}}Timestamp")
    if timestamp is None:
        raise SecurityProblem("wsse:Security har intet wsu:Timestamp")
    _check_timestamp(timestamp, now or utc_now())
    assertion = security.find(f"{{{NS_SAML}}}Assertion")
    certificate = holder_certificate or _binary_token(security)
    # The assertion carries the STS's own signature: leave it out, so that the message signature
    # is the only one found; the assertion is not one of the signed parts.
    unsigned = copy.deepcopy(envelope)
    copied = unsigned.find(f"{{{soap_ns}}}Header/{{{NS_WSSE}}}Security")
    for inner in copied.findall(f"{{{NS_SAML}}}Assertion") if copied is not None else []:
        copied.remove(inner)  # type: ignore[union-attr]
    expected = [_body(envelope), timestamp, *required_parts]
    verified = verify_signature(
        unsigned, certificate, references=True, location=f".//{{{NS_WSSE}}}Security/"
    )
    wanted = {part.get(WSU_ID) for part in expected}
    if None in wanted or not wanted <= {element.get(WSU_ID) for element in verified}:
        raise SecurityProblem("Signaturen dækker ikke Body og Timestamp")
    return SecuredMessage(certificate, assertion)


def verify_signature(
    data: etree._Element, certificate: x509.Certificate, *, references: int | bool, location: str
) -> list[etree._Element]:
    """The elements the one signature at `location` (an XPath prefix for its parent) covers,
    verified with `certificate`; SecurityProblem if it does not hold."""
    config = SignatureConfiguration(
        location=location, expect_references=references, ignore_ambiguous_key_info=True
    )
    try:
        results = XMLVerifier().verify(data, x509_cert=certificate, expect_config=config)
    except (SignXMLException, InvalidInput, ValueError) as error:
        raise SecurityProblem(f"Signaturen holder ikke ({type(error).__name__})") from None
    found = results if isinstance(results, list) else [results]
    return [result.signed_xml for result in found if result.signed_xml is not None]


def _check_timestamp(timestamp: etree._Element, now: datetime) -> None:
    created = parse_time(timestamp.findtext(f"{{{NS_WSU}}}Created"))
    expires = parse_time(timestamp.findtext(f"{{{NS_WSU}}}Expires"))
    if created > now + CLOCK_SKEW:
        raise SecurityProblem("wsu:Timestamp er fra fremtiden")
    if expires <= now - CLOCK_SKEW:
        raise SecurityProblem("wsu:Timestamp er udløbet")


def _binary_token(security: etree._Element) -> x509.Certificate:
    token = security.find(f"{{{NS_WSSE}}}BinarySecurityToken")
    if token is None or token.get("ValueType") != X509_TOKEN or not token.text:
        raise SecurityProblem("wsse:Security har intet X.509-certifikat")
    try:
        return x509.load_der_x509_certificate(base64.b64decode(token.text))
    except ValueError:
        raise SecurityProblem("Certifikatet kan ikke læses") from None


@dataclass(frozen=True)
class IssuedToken:
    """An assertion the STS issued for one service, and the credentials it is bound to: what a
    service call in the token variant is secured with."""

    assertion: etree._Element
    credentials: Credentials
    expires: datetime

"""The SAML 2.0 assertion an STS issues (OIOIDWS): minted by the simulator STS, read and checked
by the client and by the services.

An assertion names its audience (the service's entity id), its lifetime, the municipality's CVR,
and the certificate it is bound to (holder-of-key, SubjectConfirmationData/KeyInfo); the STS signs
it (enveloped, RSA-SHA256). Only what the verified signature covers is read.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import SignatureConstructionMethod
from signxml.signer import XMLSigner

from adapters.sts.wssecurity import (
    CLOCK_SKEW,
    EXC_C14N,
    NS_DS,
    NS_SAML,
    NS_WSSE,
    Credentials,
    SecurityProblem,
    check_message,
    parse_time,
    utc_now,
    verify_signature,
    xml_time,
)

HOLDER_OF_KEY = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
CVR_ATTRIBUTE = "dk:gov:saml:attribute:CvrNumberIdentifier"
X509_SUBJECT = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName"
_NS = {"saml": NS_SAML, "ds": NS_DS}


@dataclass(frozen=True)
class AssertionFacts:
    """What a verified assertion says."""

    id: str
    issuer: str
    audience: str
    not_before: datetime
    not_on_or_after: datetime
    holder: x509.Certificate
    cvr: str | None


def mint(
    sts: Credentials,
    *,
    issuer: str,
    holder: x509.Certificate,
    audience: str,
    cvr: str,
    now: datetime,
    lifetime: timedelta,
) -> etree._Element:
    """A signed holder-of-key assertion for `holder`, valid for `audience` from `now`."""
    assertion = etree.Element(
        f"{{{NS_SAML}}}Assertion",
        {"ID": f"_{uuid.uuid4()}", "IssueInstant": xml_time(now), "Version": "2.0"},
        nsmap={"saml": NS_SAML},
    )
    etree.SubElement(assertion, f"{{{NS_SAML}}}Issuer").text = issuer
    etree.SubElement(assertion, f"{{{NS_DS}}}Signature", Id="placeholder", nsmap={"ds": NS_DS})
    subject = etree.SubElement(assertion, f"{{{NS_SAML}}}Subject")
    name = etree.SubElement(subject, f"{{{NS_SAML}}}NameID", Format=X509_SUBJECT)
    name.text = holder.subject.rfc4514_string()
    confirmation = etree.SubElement(subject, f"{{{NS_SAML}}}SubjectConfirmation")
    confirmation.set("Method", HOLDER_OF_KEY)
    data = etree.SubElement(confirmation, f"{{{NS_SAML}}}SubjectConfirmationData")
    key_data = etree.SubElement(
        etree.SubElement(data, f"{{{NS_DS}}}KeyInfo", nsmap={"ds": NS_DS}), f"{{{NS_DS}}}X509Data"
    )
    certificate = etree.SubElement(key_data, f"{{{NS_DS}}}X509Certificate")
    certificate.text = base64.b64encode(holder.public_bytes(Encoding.DER)).decode()
    conditions = etree.SubElement(
        assertion,
        f"{{{NS_SAML}}}Conditions",
        NotBefore=xml_time(now),
        NotOnOrAfter=xml_time(now + lifetime),
    )
    restriction = etree.SubElement(conditions, f"{{{NS_SAML}}}AudienceRestriction")
    etree.SubElement(restriction, f"{{{NS_SAML}}}Audience").text = audience
    statement = etree.SubElement(assertion, f"{{{NS_SAML}}}AttributeStatement")
    attribute = etree.SubElement(statement, f"{{{NS_SAML}}}Attribute", Name=CVR_ATTRIBUTE)
    etree.SubElement(attribute, f"{{{NS_SAML}}}AttributeValue").text = cvr
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm="rsa-sha256",
        digest_algorithm="sha256",
        c14n_algorithm=EXC_C14N,
    )
    signed: etree._Element = signer.sign(
        assertion, key=sts.key, cert=[sts.certificate], reference_uri=f"#{assertion.get('ID')}"
    )
    return signed


def read(
    assertion: etree._Element,
    sts_certificate: x509.Certificate,
    *,
    now: datetime,
    audience: str | None = None,
) -> AssertionFacts:
    """The facts of an assertion the STS signed, in force at `now` (for `audience` if given);
    SecurityProblem (Danish text) otherwise."""
    if assertion.tag != f"{{{NS_SAML}}}Assertion":
        raise SecurityProblem("Token er ikke en SAML 2.0-assertion")
    standalone = etree.fromstring(etree.tostring(assertion))
    signed = verify_signature(standalone, sts_certificate, references=1, location="./")
    if len(signed) != 1 or signed[0].get("ID") != assertion.get("ID") or not assertion.get("ID"):
        raise SecurityProblem("STS'ens signatur dækker ikke assertionen")
    facts = _facts(signed[0])
    if now < facts.not_before - CLOCK_SKEW:
        raise SecurityProblem("Assertionen er endnu ikke gyldig")
    if now >= facts.not_on_or_after + CLOCK_SKEW:
        raise SecurityProblem("Assertionen er udløbet")
    if audience is not None and facts.audience != audience:
        raise SecurityProblem("Assertionen er udstedt til en anden service (entity id)")
    return facts


def _facts(assertion: etree._Element) -> AssertionFacts:
    confirmation = assertion.find("saml:Subject/saml:SubjectConfirmation", _NS)
    if confirmation is None or confirmation.get("Method") != HOLDER_OF_KEY:
        raise SecurityProblem("Assertionen er ikke holder-of-key")
    encoded = confirmation.findtext(
        "saml:SubjectConfirmationData/ds:KeyInfo/ds:X509Data/ds:X509Certificate", None, _NS
    )
    conditions = assertion.find("saml:Conditions", _NS)
    audience = assertion.findtext(
        "saml:Conditions/saml:AudienceRestriction/saml:Audience", None, _NS
    )
    if not encoded or conditions is None or not audience:
        raise SecurityProblem("Assertionen mangler certifikat, betingelser eller målgruppe")
    try:
        holder = x509.load_der_x509_certificate(base64.b64decode("".join(encoded.split())))
    except ValueError:
        raise SecurityProblem("Assertionens certifikat kan ikke læses") from None
    cvr = assertion.findtext(
        f"saml:AttributeStatement/saml:Attribute[@Name='{CVR_ATTRIBUTE}']/saml:AttributeValue",
        None,
        _NS,
    )
    return AssertionFacts(
        id=assertion.get("ID", ""),
        issuer=assertion.findtext("saml:Issuer", "", _NS),
        audience=audience,
        not_before=parse_time(conditions.get("NotBefore")),
        not_on_or_after=parse_time(conditions.get("NotOnOrAfter")),
        holder=holder,
        cvr=cvr,
    )


def check_call(
    envelope: etree._Element,
    *,
    entity_id: str,
    sts_certificate: x509.Certificate,
    now: datetime | None = None,
) -> AssertionFacts:
    """What a service (web service provider) checks on an OIOIDWS call: an assertion the STS
    signed for this service and in force, a fresh timestamp, and a signature over Body and
    Timestamp made with the key of the assertion's holder-of-key certificate. SecurityProblem
    (Danish text) otherwise."""
    moment = now or utc_now()
    soap_ns = etree.QName(envelope).namespace
    tokens = envelope.findall(f"{{{soap_ns}}}Header/{{{NS_WSSE}}}Security/{{{NS_SAML}}}Assertion")
    if len(tokens) != 1:
        raise SecurityProblem("wsse:Security skal rumme netop én SAML-assertion")
    facts = read(tokens[0], sts_certificate, now=moment, audience=entity_id)
    check_message(envelope, holder_certificate=facts.holder, now=moment)
    return facts

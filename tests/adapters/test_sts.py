"""OIOIDWS: the STS client against the simulator STS, and token calls to the four SOAP simulators.

Each simulator checks the assertion (signed by the TEST STS, for its entity id, in force), the
message signature over Body and Timestamp, the timestamp, and that the signing key is the
assertion's holder-of-key certificate; a failure is the contract's fault, Rejected by the client.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from lxml import etree

import adapters.soap
from adapters.cpr import CprClient, CprSettings
from adapters.cpr import simulator as cpr_simulator
from adapters.errors import ContractViolation, Rejected, Unavailable
from adapters.sagdok import JournalEntry
from adapters.sf1470 import Sf1470Client, Sf1470Settings
from adapters.sf1470 import simulator as sf1470_simulator
from adapters.sf1510 import Sf1510Client, Sf1510Settings
from adapters.sf1510 import simulator as sf1510_simulator
from adapters.sf1510.data import classification
from adapters.sf2900 import Sf2900Client, Sf2900Settings
from adapters.sf2900 import simulator as sf2900_simulator
from adapters.sts import Credentials, IssuedToken, StsClient, StsSettings, load_certificate
from adapters.sts import assertion as saml
from adapters.sts import simulator as sts_simulator
from adapters.sts.testcerts import (
    ENTITY_IDS,
    MUNICIPALITY_CVR,
    STS_CERTIFICATE,
    municipality_credentials,
)
from adapters.sts.testcerts.generate import certificate
from adapters.sts.wssecurity import secure
from api.testdata.cpr import synthetic_cpr
from tests.adapters.sagdok_samples import sample_document
from tests.adapters.serving import free_port, serve

CHILD = synthetic_cpr("sts-child", birth_date=datetime(2015, 3, 4).date(), female=False)
IT_SYSTEM = "00000000-0000-4000-8000-0000000e5d40"
FUNKTION = classification().facets["funktion"].id


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The four SOAP simulators and the simulator STS side by side, as `make run` serves them."""
    folder = tmp_path_factory.mktemp("simulators")
    app = FastAPI()
    for simulator in (
        cpr_simulator.create_app(),
        sf2900_simulator.create_app(folder=folder),
        sf1470_simulator.create_app(folder=folder),
        sf1510_simulator.create_app(folder=folder),
        sts_simulator.create_app(folder),
    ):
        app.router.routes.extend(simulator.router.routes)
    with serve(app) as base:
        yield base


@pytest.fixture
def sts(base_url: str) -> Iterator[StsClient]:
    with StsClient(sts_settings(f"{base_url}/sts")) as client:
        yield client


def sts_settings(endpoint: str, credentials: Credentials | None = None) -> StsSettings:
    return StsSettings(
        endpoint=endpoint,
        credentials=credentials or municipality_credentials(),
        municipality_cvr=MUNICIPALITY_CVR,
        sts_certificate=load_certificate(STS_CERTIFICATE),
        timeout_seconds=5.0,
    )


def other_credentials() -> Credentials:
    """A certificate and key neither the STS nor the services know."""
    cert_pem, key_pem = certificate("Someone Else", "UID:OTHER")
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Credentials(x509.load_pem_x509_certificate(cert_pem), key)


Call = Callable[[Callable[[], IssuedToken]], object]


@pytest.fixture
def calls(base_url: str) -> Iterator[dict[str, Call]]:
    """One token call per SOAP simulator, given a token provider."""
    opened: list[Any] = []

    def open_(client: Any) -> Any:
        opened.append(client)
        return client

    def cpr(provider: Callable[[], IssuedToken]) -> object:
        settings = CprSettings(f"{base_url}/sf1520", variant="token", token_provider=provider)
        return open_(CprClient(settings)).lookup(CHILD).cpr

    def sf2900(provider: Callable[[], IssuedToken]) -> object:
        settings = Sf2900Settings(
            f"{base_url}/sf2900", IT_SYSTEM, variant="token", token_provider=provider
        )
        client = open_(Sf2900Client(settings))
        return client.send_document(sample_document(), transaction_id=uuid.uuid4()).status

    def sf1470(provider: Callable[[], IssuedToken]) -> object:
        settings = Sf1470Settings(
            f"{base_url}/sf1470", IT_SYSTEM, variant="token", token_provider=provider
        )
        document = sample_document()
        journal = [JournalEntry(document.document_id, document.title)]
        open_(Sf1470Client(settings)).import_document(
            document, journal=journal, transaction_id=uuid.uuid4()
        )
        return "indexed"

    def sf1510(provider: Callable[[], IssuedToken]) -> object:
        settings = Sf1510Settings(f"{base_url}/sf1510", variant="token", token_provider=provider)
        return len(open_(Sf1510Client(settings)).search(FUNKTION))

    yield {"sf1520": cpr, "sf2900": sf2900, "sf1470": sf1470, "sf1510": sf1510}
    for client in opened:
        client.close()


def test_token_is_fetched_once_and_kept_until_shortly_before_it_ends(base_url: str) -> None:
    """Two calls, one STS request; close to its end the assertion is fetched anew."""
    clock = {"now": datetime.now(UTC)}
    with StsClient(sts_settings(f"{base_url}/sts"), now=lambda: clock["now"]) as client:
        first = client.token(ENTITY_IDS["sf1520"])
        assert client.token(ENTITY_IDS["sf1520"]) is first and client.issued == 1
        facts = saml.read(
            first.assertion,
            load_certificate(STS_CERTIFICATE),
            now=clock["now"],
            audience=ENTITY_IDS["sf1520"],
        )
        assert facts.holder == municipality_credentials().certificate
        assert facts.cvr == MUNICIPALITY_CVR and facts.not_on_or_after == first.expires
        client.token(ENTITY_IDS["sf2900"])  # one per service
        assert client.issued == 2
        clock["now"] = first.expires - timedelta(minutes=4)  # within refresh_before (5 min)
        renewed = client.token(ENTITY_IDS["sf1520"])
        assert renewed is not first and client.issued == 3
    # The simulator notes what it issued (no assertion, no key): the demo and tests read it.
    notes = httpx.get(f"{base_url}/sts/issued", timeout=5).json()
    assert [n["entity_id"] for n in notes[-3:]] == [
        ENTITY_IDS["sf1520"],
        ENTITY_IDS["sf2900"],
        ENTITY_IDS["sf1520"],
    ]
    assert all(n["cvr"] == MUNICIPALITY_CVR and "TEST Kommune 901" in n["subject"] for n in notes)


@pytest.mark.parametrize("service", sorted(ENTITY_IDS))
def test_a_signed_call_is_accepted_by_each_simulator(
    service: str, sts: StsClient, calls: dict[str, Call]
) -> None:
    """The STS's assertion for the service, and the call signed with the municipality's key."""
    assert calls[service](sts.provider(ENTITY_IDS[service]))


@pytest.mark.parametrize("service", sorted(ENTITY_IDS))
def test_a_body_changed_after_signing_is_refused(
    service: str, sts: StsClient, calls: dict[str, Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A man in the middle changes the Body after the signature: the contract's fault."""

    def tamper(envelope: etree._Element, *args: Any, **kwargs: Any) -> None:
        secure(envelope, *args, **kwargs)
        body = envelope.find(f"{{{etree.QName(envelope).namespace}}}Body")
        assert body is not None
        body.set("{urn:tampered}note", "changed after signing")

    monkeypatch.setattr(adapters.soap, "secure", tamper)
    with pytest.raises(Rejected, match="Signaturen holder ikke"):
        calls[service](sts.provider(ENTITY_IDS[service]))


@pytest.mark.parametrize("service", sorted(ENTITY_IDS))
def test_an_expired_timestamp_is_refused(
    service: str, sts: StsClient, calls: dict[str, Call], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A message signed (and stamped) an hour ago is a replay: the contract's fault."""

    def stale(envelope: etree._Element, *args: Any, **kwargs: Any) -> None:
        secure(envelope, *args, **kwargs, now=datetime.now(UTC) - timedelta(hours=1))

    monkeypatch.setattr(adapters.soap, "secure", stale)
    with pytest.raises(Rejected, match="udløbet"):
        calls[service](sts.provider(ENTITY_IDS[service]))


@pytest.mark.parametrize("service", sorted(ENTITY_IDS))
def test_a_message_signed_with_another_certificate_is_refused(
    service: str, sts: StsClient, calls: dict[str, Call]
) -> None:
    """The assertion is bound to the municipality's certificate; another key signs: refused."""
    issued = sts.token(ENTITY_IDS[service])
    stolen = IssuedToken(issued.assertion, other_credentials(), issued.expires)
    with pytest.raises(Rejected, match="Signaturen"):
        calls[service](lambda: stolen)


@pytest.mark.parametrize("service", sorted(ENTITY_IDS))
def test_an_assertion_the_sts_did_not_sign_is_refused(service: str, calls: dict[str, Call]) -> None:
    """An assertion minted with another key than the TEST STS's: refused."""
    municipality = municipality_credentials()
    now = datetime.now(UTC)
    forged = saml.mint(
        other_credentials(),
        issuer="urn:forged",
        holder=municipality.certificate,
        audience=ENTITY_IDS[service],
        cvr=MUNICIPALITY_CVR,
        now=now,
        lifetime=timedelta(hours=1),
    )
    token = IssuedToken(forged, municipality, now + timedelta(hours=1))
    with pytest.raises(Rejected, match="Signaturen holder ikke"):
        calls[service](lambda: token)


def test_a_token_for_another_service_is_refused(sts: StsClient, calls: dict[str, Call]) -> None:
    """The assertion's audience is SF1520's entity id: SF1510 refuses it."""
    with pytest.raises(Rejected, match="anden service"):
        calls["sf1510"](sts.provider(ENTITY_IDS["sf1520"]))


def test_the_sts_refuses_an_unknown_entity_id(sts: StsClient, calls: dict[str, Call]) -> None:
    """An entity id the STS does not know: its fault, Rejected, and the call is not made."""
    with pytest.raises(Rejected, match="InvalidRequest"):
        sts.token("http://entityid.boernesag.invalid/service/unknown/1")
    with pytest.raises(Rejected, match="Ukendt entity id"):
        calls["sf1520"](sts.provider("http://entityid.boernesag.invalid/service/unknown/1"))


def test_the_sts_refuses_an_unknown_certificate(base_url: str) -> None:
    """A certificate other than the test municipality's: FailedAuthentication, Rejected."""
    with StsClient(sts_settings(f"{base_url}/sts", other_credentials())) as client:
        with pytest.raises(Rejected, match="FailedAuthentication"):
            client.token(ENTITY_IDS["sf1520"])


def test_an_unreachable_sts_is_unavailable(calls: dict[str, Call]) -> None:
    """No STS listening: Unavailable, for the token and for the service call that needs it."""
    with StsClient(sts_settings(f"http://127.0.0.1:{free_port()}/sts")) as client:
        with pytest.raises(Unavailable, match="did not answer"):
            client.token(ENTITY_IDS["sf1520"])
        with pytest.raises(Unavailable):
            calls["sf1520"](client.provider(ENTITY_IDS["sf1520"]))


def test_sts_answers_that_cannot_be_used(base_url: str) -> None:
    """A 503 is Unavailable; a server fault is Unavailable; an answer that is no SOAP, or an
    assertion not signed by the configured STS certificate, is ContractViolation."""
    forged = saml.mint(
        other_credentials(),
        issuer="urn:forged",
        holder=municipality_credentials().certificate,
        audience=ENTITY_IDS["sf1520"],
        cvr=MUNICIPALITY_CVR,
        now=datetime.now(UTC),
        lifetime=timedelta(hours=1),
    )
    answers = {
        "unavailable": httpx.Response(503, text="down"),
        "server fault": httpx.Response(500, content=_fault("soap:Server")),
        "not soap": httpx.Response(200, text="<html/>"),
        "forged": httpx.Response(200, content=_issued(forged)),
    }
    expected = {
        "unavailable": Unavailable,
        "server fault": Unavailable,
        "not soap": ContractViolation,
        "forged": ContractViolation,
    }
    for name, answer in answers.items():
        transport = httpx.MockTransport(lambda request, answer=answer: answer)
        with StsClient(sts_settings("http://sts.invalid/sts"), transport=transport) as client:
            with pytest.raises(expected[name]):
                client.token(ENTITY_IDS["sf1520"])


def test_credentials_refuse_a_key_of_another_certificate(tmp_path: Path) -> None:
    """A key that does not belong to the certificate is refused when the settings are read."""
    cert_pem, _ = certificate("A", "UID:A")
    _, key_pem = certificate("B", "UID:B")
    (tmp_path / "a.pem").write_bytes(cert_pem)
    (tmp_path / "b.key").write_bytes(key_pem)
    with pytest.raises(ValueError, match="does not belong"):
        Credentials.load(tmp_path / "a.pem", tmp_path / "b.key")
    with pytest.raises(ValueError, match="unreadable"):
        Credentials.load(tmp_path / "missing.pem", tmp_path / "b.key")


_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"


def _fault(code: str) -> bytes:
    return (
        f'<s:Envelope xmlns:s="{_SOAP}"><s:Body><s:Fault><faultcode>{code}</faultcode>'
        "<faultstring>fejl</faultstring></s:Fault></s:Body></s:Envelope>"
    ).encode()


def _issued(token: etree._Element) -> bytes:
    wst = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
    envelope = etree.Element(f"{{{_SOAP}}}Envelope")
    body = etree.SubElement(envelope, f"{{{_SOAP}}}Body")
    collection = etree.SubElement(body, f"{{{wst}}}RequestSecurityTokenResponseCollection")
    response = etree.SubElement(collection, f"{{{wst}}}RequestSecurityTokenResponse")
    etree.SubElement(response, f"{{{wst}}}RequestedSecurityToken").append(token)
    return etree.tostring(envelope)

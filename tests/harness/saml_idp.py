"""A real SAML 2.0 IdP for tests, on pysaml2's `saml2.server.Server`: it checks our signed
AuthnRequest (redirect binding) and answers with an assertion signed by xmlsec1 with the TEST ONLY
key in tests/fixtures/saml, carrying OIOSAML attributes and the Basic Privilege Profile's
PrivilegeList, as KOMBIT's Context Handler does. A test chooses who signs in (`next_user`) and
how the answer goes wrong (`fault`): tampered, expired, another audience, unsigned.
"""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlparse

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from api.sso.privileges import ATTRIBUTES, encode
from infra.stack import free_port

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "saml"
IDP_KEY = FIXTURES / "test-idp.key"
IDP_CERT = FIXTURES / "test-idp.crt"
SP_KEY = FIXTURES / "test-sp.key"
SP_CERT = FIXTURES / "test-sp.crt"
ATTRIBUTE_MAPS = FIXTURES / "attributemaps"
XMLSEC = "/usr/bin/xmlsec1"
OTHER_AUDIENCE = "https://andet-system.example/saml/metadata"
FULL_NAME = "https://data.gov.dk/model/core/eid/fullName"

Fault = Literal["tampered", "expired", "audience", "unsigned"]


@dataclass
class IdpUser:
    subject: str
    name: str
    # (cvr, fk roles, {constraint name: values}) per PrivilegeGroup
    privileges: list[tuple[str, list[str], dict[str, list[str]]]] = field(default_factory=list)


class TestIdp:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base}/idp"
        self.metadata_file = workdir / "idp-metadata.xml"
        self.metadata_file.write_text(str(entity_descriptor(self._config([], 5))))
        self.next_user: IdpUser | None = None
        self.fault: Fault | None = None
        self.requests: list[str] = []
        # The NameIDs of the LogoutRequests received (single logout).
        self.logouts: list[str] = []
        self._servers: dict[str, Server] = {}
        self._http: ThreadingHTTPServer | None = None

    def _config(self, sp_metadata: list[str], lifetime_minutes: int) -> IdPConfig:
        conf: dict[str, Any] = {
            "entityid": self.entity_id,
            "xmlsec_binary": XMLSEC,
            "key_file": str(IDP_KEY),
            "cert_file": str(IDP_CERT),
            "attribute_map_dir": str(ATTRIBUTE_MAPS),
            "metadata": {"inline": sp_metadata},
            "service": {
                "idp": {
                    "endpoints": {
                        "single_sign_on_service": [(f"{self.base}/sso", BINDING_HTTP_REDIRECT)],
                        "single_logout_service": [(f"{self.base}/slo", BINDING_HTTP_REDIRECT)],
                    },
                    "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                    "want_authn_requests_signed": True,
                    "policy": {
                        "default": {
                            "lifetime": {"minutes": lifetime_minutes},
                            "name_form": NAME_FORMAT_URI,
                        }
                    },
                }
            },
        }
        config = IdPConfig()
        config.load(conf)
        return config

    def trust(self, sp_metadata: str, other_sp_metadata: str) -> None:
        """The SPs this IdP answers: ours, and one more whose audience is not ours."""
        inline = [sp_metadata, other_sp_metadata]
        self._servers = {
            "normal": Server(config=self._config(inline, 5)),
            "expired": Server(config=self._config(inline, -10)),
        }

    def start(self) -> None:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/slo" and "SAMLRequest" in query:
                    try:
                        location = idp.logout(query)
                    except Exception as exc:
                        self.send_error(400, f"IdP: {type(exc).__name__}")
                        return
                    self.send_response(303)
                    self.send_header("Location", location)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if url.path != "/sso" or "SAMLRequest" not in query:
                    self.send_error(404)
                    return
                try:
                    page = idp.answer(query)
                except Exception as exc:
                    self.send_error(400, f"IdP: {type(exc).__name__}")
                    return
                body = page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._http = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._http:
            self._http.shutdown()
            self._http.server_close()

    def logout(self, query: dict[str, str]) -> str:
        """A signed LogoutRequest of ours: recorded, answered with a LogoutResponse (redirect)."""
        server = self._servers["normal"]
        request = server.parse_logout_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        self.logouts.append(request.message.name_id.text)
        response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        sp = request.message.issuer.text
        destination = server.metadata.single_logout_service(sp, BINDING_HTTP_REDIRECT, "spsso")[0][
            "location"
        ]
        http = server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(response),
            destination,
            response=True,
            sign=True,
            sigalg=SIG_RSA_SHA256,
        )
        location: str = dict(http["headers"])["Location"]
        return location

    def answer(self, query: dict[str, str]) -> str:
        server = self._servers["expired" if self.fault == "expired" else "normal"]
        request = server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
        message = request.message
        self.requests.append(message.id)
        user = self.next_user
        assert user is not None, "the test did not choose who signs in"
        identity: dict[str, list[str]] = {FULL_NAME: [user.name]}
        if user.privileges:
            identity[ATTRIBUTES[0]] = [encode(user.privileges)]
        acs = message.assertion_consumer_service_url
        audience = OTHER_AUDIENCE if self.fault == "audience" else message.issuer.text
        signed = self.fault != "unsigned"
        response = server.create_authn_response(
            identity,
            in_response_to=message.id,
            destination=acs,
            sp_entity_id=audience,
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=user.subject),
            authn={"class_ref": "https://data.gov.dk/concept/core/nsis/loa/Substantial"},
            sign_assertion=signed,
            sign_response=False,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
        )
        xml = str(response)
        if self.fault == "tampered":
            # Someone else's identity in a signed assertion: the digest no longer matches.
            tampered = xml.replace(f">{user.subject}<", ">00000000-0000-4000-8000-00000000beef<")
            assert tampered != xml
            xml = tampered
        info = server.apply_binding(
            BINDING_HTTP_POST,
            xml,
            destination=acs,
            relay_state=query.get("RelayState", ""),
            response=True,
        )
        return str(info["data"])


def form_of(page: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the auto-posting form in an IdP's answer page."""
    action = re.search(r'<form[^>]*action="([^"]+)"', page)
    assert action, page[:500]
    fields = dict(
        (html.unescape(n), html.unescape(v))
        for n, v in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)
    )
    return html.unescape(action.group(1)), fields

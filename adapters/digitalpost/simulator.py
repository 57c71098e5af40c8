"""Contract simulator for SF1601 Digital Post (`KombiPostAfsend_1/memos`), for dev and tests.

`create_app(store)` serves, beside the other simulators (`python -m adapters.simulators`):

- `GET /sf1601?xsd`: the MeMo XSD, its imports at `/sf1601/contract/<file>`.
- `POST /sf1601/KombiPostAfsend_1/memos`: a `kombi_request` (KombiValgKode and one MeMo
  Message). Access needs `TEST_AUTHORIZATION` in the Authorization header (the token variant)
  or the documented test InvocationContext as `x-…UUID` headers (the CPR simulator's
  `TEST_CONTEXT`); anything else gets 401 with the contract's ServiceplatformFault. The
  headers `x-TransaktionsId` (a UUID) and `x-TransaktionsTid` (UTC with a Z) are required, and
  the Message is validated against the XSD (400 `INVALID_MEMO` with the first error otherwise).
- The answer is a JSON receipt: `transaktionsId`, `messageUUID`, `kanal` and
  `leveretTidspunkt`, the delivery time. The simulator delivers at the transaction time the
  caller states, so its answers are deterministic and follow the caller's clock (the engine's
  controlled clock in the clock tests).
- Idempotent on the messageUUID: the first message is stored once and every later request with
  the same UUID gets the first receipt.

Reserved recipients, the CPR simulator's edge-case numbers: `0202149900` is refused as unknown
(400 `RECIPIENT_UNKNOWN`), `0202149905` gets HTTP 500, `0202149907` an answer after 2 s.

The store (`store`, else `$BS_SIMULATOR_DIR/sf1601`, else `.runtime/simulators/sf1601`) holds per
message `<messageUUID>/kombi_request.xml` as received, `receipt.json` and the decoded files under
`files/`; `read_message(store, message_id)` reads one back for tests. The simulator logs nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from lxml import etree
from starlette.concurrency import run_in_threadpool

from adapters.cpr.simulator import TEST_CONTEXT
from adapters.digitalpost import memo
from adapters.digitalpost.sf1601 import (
    CONTEXT_HEADERS,
    FAULT_ACCESS_DENIED,
    FAULT_INVALID_MEMO,
    FAULT_INVALID_REQUEST,
    FAULT_RECIPIENT_UNKNOWN,
    PATH,
)
from adapters.errors import ContractViolation, NotFound, Unavailable

TEST_AUTHORIZATION = "Holder-of-key synthetic-sf1601-test-token"
"""The only Authorization header value the simulator accepts (made up, not a secret)."""

RECIPIENT_UNKNOWN = "0202149900"
RECIPIENT_TECHNICAL_FAULT = "0202149905"
RECIPIENT_SLOW = "0202149907"
SLOW_SECONDS = 2.0
DEFAULT_STORE = Path(".runtime/simulators/sf1601")

_XML = "application/xml; charset=utf-8"
_XSD_NS = "http://www.w3.org/2001/XMLSchema"
_MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
_CONTEXT = {
    CONTEXT_HEADERS["service_agreement_uuid"]: TEST_CONTEXT["ServiceAgreementUUID"],
    CONTEXT_HEADERS["user_system_uuid"]: TEST_CONTEXT["UserSystemUUID"],
    CONTEXT_HEADERS["user_uuid"]: TEST_CONTEXT["UserUUID"],
    CONTEXT_HEADERS["service_uuid"]: TEST_CONTEXT["ServiceUUID"],
}


def accepted_token() -> str:
    """The token provider for tests and development against the simulator."""
    return TEST_AUTHORIZATION


def store_folder(store: Path | None = None) -> Path:
    if store is not None:
        return store
    root = os.environ.get("BS_SIMULATOR_DIR")
    return Path(root) / "sf1601" if root else DEFAULT_STORE


def create_app(store: Path | None = None, *, slow_seconds: float = SLOW_SECONDS) -> FastAPI:
    kept = _Store(store_folder(store))
    app = FastAPI(title="SF1601 simulator", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/sf1601")
    async def xsd(request: Request) -> Response:
        if "xsd" not in {key.lower() for key in request.query_params}:
            return Response("Ask for ?xsd", status_code=404, media_type="text/plain")
        service_url = str(request.url.replace(query=""))
        return Response(_xsd_text(memo.MEMO_XSD, service_url), media_type=_XML)

    @app.get("/sf1601/contract/{name}")
    async def contract_file(name: str, request: Request) -> Response:
        file = memo.CONTRACT_DIR / name
        if "/" in name or not name.endswith(".xsd") or not file.is_file():
            return Response("Not found", status_code=404, media_type="text/plain")
        service_url = str(request.url.replace(query="")).rsplit("/contract/", 1)[0]
        return Response(_xsd_text(file, service_url), media_type=_XML)

    @app.post(f"/sf1601{PATH}")
    async def memos(request: Request) -> Response:
        refused = _refusal(request.headers)
        if refused is not None:
            return refused
        content = await request.body()
        received = memo.parse_kombi_request(content)
        if isinstance(received, str):
            return _fault(400, FAULT_INVALID_REQUEST, received)
        problem = memo.schema_error(memo.memo_schema(), received.message)
        if problem is not None:
            return _fault(400, FAULT_INVALID_MEMO, f"MeMo overholder ikke XSD: {problem}")
        if received.recipient_id == RECIPIENT_UNKNOWN:
            return _fault(400, FAULT_RECIPIENT_UNKNOWN, "Modtageren findes ikke")
        if received.recipient_id == RECIPIENT_TECHNICAL_FAULT:
            return Response("Internal Server Error", status_code=500, media_type="text/plain")
        if received.recipient_id == RECIPIENT_SLOW:
            await asyncio.sleep(slow_seconds)
        receipt = {
            "transaktionsId": request.headers["x-transaktionsid"],
            "messageUUID": received.message_uuid,
            "kanal": memo.DIGITAL if received.channel == memo.AUTOMATIC else received.channel,
            "leveretTidspunkt": request.headers["x-transaktionstid"],
        }
        kept_receipt = await run_in_threadpool(kept.keep, content, received, receipt)
        return Response(json.dumps(kept_receipt), media_type="application/json")

    return app


def _refusal(headers: Any) -> Response | None:
    """401 without the test credential; 400 without valid transaction headers."""
    token = headers.get("authorization") == TEST_AUTHORIZATION
    context = all(headers.get(name) == value for name, value in _CONTEXT.items())
    if not (token or context):
        return _fault(401, FAULT_ACCESS_DENIED, "Adgang nægtet: ukendt token eller serviceaftale")
    try:
        uuid.UUID(headers.get("x-transaktionsid", ""))
        stated = headers.get("x-transaktionstid", "")
        if not stated.endswith("Z"):
            raise ValueError("no Z")
        datetime.fromisoformat(stated.replace("Z", "+00:00"))
    except ValueError:
        return _fault(400, FAULT_INVALID_REQUEST, "x-TransaktionsId og x-TransaktionsTid kræves")
    return None


def _fault(status: int, code: str, text: str) -> Response:
    fault = etree.Element(memo.SERVICEPLATFORM_FAULT, nsmap={"spf": memo.NS_FAULT})
    error = etree.SubElement(
        etree.SubElement(fault, f"{{{memo.NS_FAULT}}}ErrorList"), f"{{{memo.NS_FAULT}}}Error"
    )
    etree.SubElement(error, f"{{{memo.NS_FAULT}}}ErrorCode").text = code
    etree.SubElement(error, f"{{{memo.NS_FAULT}}}ErrorText").text = text
    problem = memo.schema_error(memo.fault_schema(), fault)
    if problem is not None:
        # Every fault must honour the contract; an invalid one is a bug in the simulator.
        raise AssertionError(f"simulator fault breaks the XSD: {problem}")
    content = etree.tostring(fault, xml_declaration=True, encoding="utf-8")
    return Response(content, status_code=status, media_type=_XML)


def _xsd_text(file: Path, service_url: str) -> bytes:
    """An XSD of the contract with its imports pointing at this simulator."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    document = etree.parse(str(file), parser)
    for node in document.iter(f"{{{_XSD_NS}}}import", f"{{{_XSD_NS}}}include"):
        node.set("schemaLocation", f"{service_url}/contract/{node.get('schemaLocation', '')}")
    return etree.tostring(document, xml_declaration=True, encoding="utf-8")


class _Store:
    """One folder per messageUUID, written under a lock and moved into place whole."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def keep(
        self, content: bytes, received: memo.Received, receipt: dict[str, str]
    ) -> dict[str, str]:
        """Store the message unless its UUID is known; answer the first receipt either way."""
        target = self.folder / received.message_uuid
        with self._lock:
            if target.is_dir():
                loaded: dict[str, str] = json.loads((target / "receipt.json").read_text())
                return loaded
            staging = self.folder / f".staging-{received.message_uuid}"
            shutil.rmtree(staging, ignore_errors=True)
            (staging / "files").mkdir(parents=True)
            (staging / "kombi_request.xml").write_bytes(content)
            (staging / "receipt.json").write_text(json.dumps(receipt))
            for number, file in enumerate(_documents(received.message), start=1):
                safe = re.sub(r"[^\w.-]", "_", Path(file.filename).name) or "fil"
                (staging / "files" / f"{number}-{safe}").write_bytes(file.content)
            staging.rename(target)
            return receipt


def _documents(message: etree._Element) -> list[memo.File]:
    ns = {"memo": memo.NS_MEMO}
    main = message.find("memo:MessageBody/memo:MainDocument", ns)
    files = memo.decoded_files(main) if main is not None else []
    for extra in message.iterfind("memo:MessageBody/memo:AdditionalDocument", ns):
        files.extend(memo.decoded_files(extra))
    return files


def stored_messages(store: Path) -> list[str]:
    """The messageUUIDs the simulator has stored, sorted."""
    if not store.is_dir():
        return []
    return sorted(p.name for p in store.iterdir() if _MESSAGE_ID.fullmatch(p.name))


def read_message(store: Path, message_id: str) -> dict[str, Any]:
    """A stored message in the local mailbox's shape (recipient, subject, body, attachments with
    their content as bytes, delivered_at), plus the channel, sender, the address it carries for
    printing (None if none) and the MeMo XML."""
    if not _MESSAGE_ID.fullmatch(message_id):
        raise NotFound("no such message")
    folder = store / message_id
    try:
        content = (folder / "kombi_request.xml").read_bytes()
        receipt = json.loads((folder / "receipt.json").read_text())
    except FileNotFoundError as exc:
        raise NotFound("no such message") from exc
    except OSError as exc:
        raise Unavailable(f"store not readable: {type(exc).__name__}") from exc
    received = memo.parse_kombi_request(content)
    if isinstance(received, str):
        raise ContractViolation(f"a stored message is not a kombi_request: {received}")
    ns = {"memo": memo.NS_MEMO}
    main = received.message.find("memo:MessageBody/memo:MainDocument", ns)
    body = memo.decoded_files(main)[0] if main is not None else None
    attachments: list[dict[str, Any]] = []
    for extra in received.message.iterfind("memo:MessageBody/memo:AdditionalDocument", ns):
        attachments.extend(memo.file_entry(f) for f in memo.decoded_files(extra))
    header = "memo:MessageHeader/"
    address = received.text(
        f"{header}memo:Recipient/memo:AttentionData/grd:UnstructuredAddress/grd:unstructured"
    )
    return {
        "message_id": message_id,
        "recipient": {"kind": received.recipient_type.lower(), "id": received.recipient_id},
        "recipient_name": received.text(f"{header}memo:Recipient/memo:label") or None,
        "sender": {
            "cvr": received.text(f"{header}memo:Sender/memo:senderID"),
            "name": received.text(f"{header}memo:Sender/memo:label"),
        },
        "subject": received.text(f"{header}memo:label"),
        "body": body.content.decode("utf-8") if body is not None else "",
        "attachments": attachments,
        "channel": receipt["kanal"],
        "requested_channel": received.channel,
        "printed_address": address or None,
        "delivered_at": receipt["leveretTidspunkt"],
        "memo": etree.tostring(received.message, encoding="utf-8"),
    }

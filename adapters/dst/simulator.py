"""The Danmarks Statistik contract simulator (`/dst`), served with the other simulators.

- `GET /dst?xsd` serves the contract.
- `POST /dst` takes a `Levering` from the documented test sender (`X-DST-Afsender:
  boernesag-test-dst`; anything else 401). A file outside the XSD is answered 400. A valid file is
  answered with a `Kvittering`: GODKENDT, or AFVIST with reasons when it repeats an event DST has
  already accepted, or when the simulator was told to reject the next file. The same LeveringID
  with the same content gets the first receipt again; other content under a used id is 409.
- `POST /dst/afvis-naeste` (tests and the demo): the next new file is rejected with the given
  reason (`{"reason": "..."}`).
- `GET /dst/leveringer`: what was received, in order, without CPR numbers.

Files and receipts are kept under `<BS_SIMULATOR_DIR>/dst/` and read back on start, so the
simulator remembers across restarts. Nothing is random; the receipt time is the simulator's clock.
"""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from lxml import etree

from adapters.dst.client import CREDENTIAL_HEADER, NS, TEST_CREDENTIAL, XSD_FILE, schema
from adapters.simulation import ReceivedFolder, received_root, xsd_problem

_XML = "application/xml; charset=utf-8"
DEFAULT_REJECTION = "Leveringen er afvist (testafvisning)"


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _summary(root: etree._Element) -> dict[str, Any]:
    events = []
    for item in root.iterfind(_tag("Haendelse")):
        part = item.find(_tag("Underretning"))
        if part is None:
            part = item.find(_tag("Foranstaltning"))
        assert part is not None  # the XSD requires one of the two
        events.append(
            {
                "id": item.findtext(_tag("HaendelseID")),
                "forloeb": item.findtext(_tag("ForloebID")),
                "emne": item.findtext(_tag("Emne")),
                "type": item.findtext(_tag("Type")),
                "dato": item.findtext(_tag("Dato")),
                "kodelisteversion": item.findtext(_tag("Kodelisteversion")),
                "koder": {etree.QName(code).localname: code.text for code in part},
            }
        )
    return {
        "id": root.findtext(_tag("LeveringID")),
        "kommune": root.findtext(_tag("Kommune")),
        "haendelser": events,
    }


class _Reception:
    def __init__(self, folder: ReceivedFolder) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        self.reject_next: str | None = None
        self.log: list[dict[str, Any]] = folder.read_json("log.json") or []
        self.accepted_events = {
            event["id"]
            for row in self.log
            if row["status"] == "GODKENDT"
            for event in row["levering"]["haendelser"]
        }

    def receive(self, body: bytes, root: etree._Element) -> tuple[int, bytes]:
        summary = _summary(root)
        digest = hashlib.sha256(body).hexdigest()
        with self.lock:
            earlier = next((row for row in self.log if row["id"] == summary["id"]), None)
            if earlier is not None:
                if earlier["digest"] != digest:
                    return 409, b""
                return 200, (self.folder.read("kvitteringer", f"{summary['id']}.xml") or b"")
            errors = [
                (event["id"], "Hændelsen er allerede modtaget i en godkendt levering")
                for event in summary["haendelser"]
                if event["id"] in self.accepted_events
            ]
            if self.reject_next is not None:
                errors.insert(0, (None, self.reject_next))
                self.reject_next = None
            status = "AFVIST" if errors else "GODKENDT"
            received = datetime.now(UTC)
            receipt = _receipt(summary, status, errors, received)
            self.folder.write(body, "leveringer", f"{summary['id']}.xml")
            self.folder.write(receipt, "kvitteringer", f"{summary['id']}.xml")
            self.log.append(
                {
                    "id": summary["id"],
                    "digest": digest,
                    "status": status,
                    "fejl": [text for _, text in errors],
                    "modtaget": received.isoformat(),
                    "levering": summary,
                }
            )
            self.folder.write_json(self.log, "log.json")
            if status == "GODKENDT":
                self.accepted_events.update(event["id"] for event in summary["haendelser"])
            return 201, receipt


def _receipt(
    summary: dict[str, Any], status: str, errors: list[tuple[str | None, str]], at: datetime
) -> bytes:
    root = etree.Element(_tag("Kvittering"), nsmap={None: NS})
    etree.SubElement(root, _tag("LeveringID")).text = summary["id"]
    etree.SubElement(root, _tag("Status")).text = status
    etree.SubElement(root, _tag("AntalHaendelser")).text = str(len(summary["haendelser"]))
    for event_id, text in errors:
        fault = etree.SubElement(root, _tag("Fejl"))
        if event_id is not None:
            etree.SubElement(fault, _tag("HaendelseID")).text = event_id
        etree.SubElement(fault, _tag("Tekst")).text = text[:500]
    etree.SubElement(root, _tag("Modtaget")).text = at.isoformat()
    problem = xsd_problem(schema(), root)
    assert problem is None, problem
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def create_app(folder: Path | None = None) -> FastAPI:
    reception = _Reception(ReceivedFolder(received_root(folder), "dst"))
    app = FastAPI(title="DST simulator", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/dst")
    async def contract(request: Request) -> Response:
        if "xsd" not in {key.lower() for key in request.query_params}:
            return Response("Spørg efter ?xsd", status_code=404, media_type="text/plain")
        return Response(XSD_FILE.read_bytes(), media_type=_XML)

    @app.post("/dst")
    async def deliver(request: Request) -> Response:
        if request.headers.get(CREDENTIAL_HEADER) != TEST_CREDENTIAL:
            return Response("Ukendt afsender", status_code=401, media_type="text/plain")
        body = await request.body()
        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return Response("Ikke XML", status_code=400, media_type="text/plain")
        problem = "ikke en Levering" if root.tag != _tag("Levering") else None
        problem = problem or xsd_problem(schema(), root)
        if problem is not None:
            return Response(
                f"Leveringen overholder ikke XSD: {problem}",
                status_code=400,
                media_type="text/plain",
            )
        status, receipt = reception.receive(body, root)
        if status == 409:
            return Response(
                "LeveringID er brugt til en anden levering",
                status_code=409,
                media_type="text/plain",
            )
        return Response(receipt, status_code=status, media_type=_XML)

    @app.post("/dst/afvis-naeste")
    async def reject_next(request: Request) -> Response:
        body = await request.body()
        reason = DEFAULT_REJECTION
        if body:
            try:
                wanted = json.loads(body)
                if not isinstance(wanted, dict):
                    raise ValueError("not an object")
            except (ValueError, RecursionError):
                return Response(
                    'Angiv {"reason": "..."} som JSON, eller intet',
                    status_code=400,
                    media_type="text/plain",
                )
            given = wanted.get("reason")
            reason = str(given) if given else DEFAULT_REJECTION
        reception.reject_next = reason
        return Response(status_code=204)

    @app.get("/dst/leveringer")
    async def received() -> JSONResponse:
        return JSONResponse(
            [
                {key: row[key] for key in ("id", "status", "fejl", "modtaget")}
                | {
                    "kommune": row["levering"]["kommune"],
                    "haendelser": row["levering"]["haendelser"],
                }
                for row in reception.log
            ]
        )

    return app

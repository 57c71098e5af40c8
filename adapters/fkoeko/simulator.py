"""The FK-ØKO contract simulator (`/fkoeko`), served with the other simulators.

`GET /fkoeko?xsd` serves the contract; `POST /fkoeko` takes a `Postering` (validated against the
XSD, the documented test credential only) and answers a `Kvittering`: the same PosteringID
with the same content gets the first receipt again, with other content 409. `GET
/fkoeko/posteringer?bevilling=...` reads posted amounts back. Postings are kept as JSON Lines
under `BS_SIMULATOR_DIR` when set. A posting with `Tekst` "AFVIS" is refused as a business
rejection (for tests of that path); the receipt time is the simulator's clock.

Faults for tests (`POST /fkoeko/faults`, JSON, the test credential): `{"unavailable": n}`
answers the next n postings with 503 without booking them; `{"late": n, "late_seconds": s}`
books the next n postings and answers only after s seconds, as a slow finance system does (a
client that gave up sends the same posting again and gets the first receipt); `{"short": n}`
books the next n postings 1.00 kr. lower than sent, for tests of the matching.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from lxml import etree

from adapters.fkoeko.client import CREDENTIAL_HEADER, NS, TEST_CREDENTIAL, XSD_FILE, schema

_XML = "application/xml; charset=utf-8"


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


class _Ledger:
    def __init__(self, folder: Path | None) -> None:
        self.lock = threading.Lock()
        self.file = folder / "fkoeko" / "postings.jsonl" if folder else None
        self.rows: dict[str, dict[str, Any]] = {}
        if self.file and self.file.exists():
            for line in self.file.read_text().splitlines():
                row = json.loads(line)
                self.rows[row["posting_id"]] = row

    def post(self, row: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            existing = self.rows.get(row["posting_id"])
            if existing is not None:
                same = existing["digest"] == row["digest"]
                return (200, existing) if same else (409, existing)
            row["reference"] = f"FK{len(self.rows) + 1:08d}"
            row["received_at"] = datetime.now(UTC).isoformat()
            self.rows[row["posting_id"]] = row
            if self.file:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                with self.file.open("a") as out:
                    out.write(json.dumps(row) + "\n")
            return 201, row


def _receipt(row: dict[str, Any], posted: bool, reason: str | None = None) -> bytes:
    root = etree.Element(_tag("Kvittering"), nsmap={None: NS})
    etree.SubElement(root, _tag("PosteringID")).text = row["posting_id"]
    etree.SubElement(root, _tag("Status")).text = "BOGFOERT" if posted else "AFVIST"
    if posted:
        etree.SubElement(root, _tag("Bogfoeringsnummer")).text = row["reference"]
    if reason:
        etree.SubElement(root, _tag("Aarsag")).text = reason
    etree.SubElement(root, _tag("Modtaget")).text = row.get(
        "received_at", datetime.now(UTC).isoformat()
    )
    assert schema().validate(root), schema().error_log
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def create_app(folder: Path | None = None) -> FastAPI:
    chosen = folder or (
        Path(os.environ["BS_SIMULATOR_DIR"]) if os.environ.get("BS_SIMULATOR_DIR") else None
    )
    ledger = _Ledger(chosen)
    faults = {"unavailable": 0, "late": 0, "late_seconds": 0.0, "short": 0}
    app = FastAPI(title="FK-ØKO simulator", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/fkoeko")
    async def contract(request: Request) -> Response:
        if "xsd" not in request.query_params:
            return Response("Ask for ?xsd", status_code=404, media_type="text/plain")
        return Response(XSD_FILE.read_bytes(), media_type=_XML)

    @app.post("/fkoeko")
    async def post(request: Request) -> Response:
        if request.headers.get(CREDENTIAL_HEADER) != TEST_CREDENTIAL:
            return Response("Ukendt afsender", status_code=401, media_type="text/plain")
        body = await request.body()
        try:
            root = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            return Response("Ikke XML", status_code=400, media_type="text/plain")
        if root.tag != _tag("Postering") or not schema().validate(root):
            return Response(
                "Posteringen overholder ikke XSD", status_code=400, media_type="text/plain"
            )

        def find(name: str) -> str:
            return root.findtext(_tag(name)) or ""

        row = {
            "posting_id": find("PosteringID"),
            "grant_id": find("BevillingID"),
            "amount": find("Beloeb"),
            "posting_date": find("Bogfoeringsdato"),
            "income_type": find("Indkomstart") or None,
            "target": find("Maalsystem"),
            "digest": hashlib.sha256(body).hexdigest(),
        }
        if faults["unavailable"] > 0:
            faults["unavailable"] -= 1
            return Response("FK-ØKO er midlertidigt utilgængelig", status_code=503)
        if find("Tekst") == "AFVIS":
            return Response(
                _receipt(row, posted=False, reason="Kontoen er spærret"), media_type=_XML
            )
        if faults["short"] > 0 and row["posting_id"] not in ledger.rows:
            faults["short"] -= 1
            row["amount"] = f"{Decimal(find('Beloeb')) - 1:.2f}"
        status, kept = ledger.post(row)
        if faults["late"] > 0:
            faults["late"] -= 1
            await asyncio.sleep(float(faults["late_seconds"]))
        if status == 409:
            return Response("PosteringID er brugt til en anden postering", status_code=409)
        return Response(_receipt(kept, posted=True), status_code=status, media_type=_XML)

    @app.get("/fkoeko/posteringer")
    async def read_back(request: Request) -> Response:
        if request.headers.get(CREDENTIAL_HEADER) != TEST_CREDENTIAL:
            return Response("Ukendt afsender", status_code=401, media_type="text/plain")
        grant = request.query_params.get("bevilling", "")
        root = etree.Element(_tag("Posteringer"), nsmap={None: NS})
        for row in ledger.rows.values():
            if row["grant_id"] != grant:
                continue
            item = etree.SubElement(root, _tag("Bogfoert"))
            etree.SubElement(item, _tag("PosteringID")).text = row["posting_id"]
            etree.SubElement(item, _tag("Bogfoeringsnummer")).text = row["reference"]
            etree.SubElement(item, _tag("BevillingID")).text = row["grant_id"]
            etree.SubElement(item, _tag("Beloeb")).text = row["amount"]
            etree.SubElement(item, _tag("Bogfoeringsdato")).text = row["posting_date"]
            if row.get("income_type"):
                etree.SubElement(item, _tag("Indkomstart")).text = row["income_type"]
            if row.get("target"):
                etree.SubElement(item, _tag("Maalsystem")).text = row["target"]
        return Response(
            etree.tostring(root, xml_declaration=True, encoding="utf-8"), media_type=_XML
        )

    @app.post("/fkoeko/faults")
    async def set_faults(request: Request) -> Response:
        if request.headers.get(CREDENTIAL_HEADER) != TEST_CREDENTIAL:
            return Response("Ukendt afsender", status_code=401, media_type="text/plain")
        try:
            wanted = json.loads(await request.body())
            if not isinstance(wanted, dict):
                raise ValueError("not an object")
            counts = {
                name: max(0, int(wanted.get(name, 0))) for name in ("unavailable", "late", "short")
            }
            late_seconds = min(60.0, max(0.0, float(wanted.get("late_seconds", 0))))
        except (ValueError, TypeError, OverflowError, RecursionError):
            return Response(
                "Fejlene angives som et JSON-objekt med tal",
                status_code=400,
                media_type="text/plain",
            )
        faults.update(counts)
        faults["late_seconds"] = late_seconds
        return Response(json.dumps(faults), media_type="application/json")

    return app

"""The CPR event feed: moves, births, deaths and custody changes, read in order.

There is no public contract for it; this is our documented feed, modelled on CPR Hændelser
(SF1320) as delivered through the Beskedfordeler: an ordered list of events, each with its own
id and a rising sequence number, read with "everything after sequence N". See
`adapters/cpr/EVENTS.md` for the format and `events.schema.json` for its JSON Schema.

The client raises only `adapters.errors`; the simulator (`create_app`) is served with the
other simulators and accepts the documented test credential only.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from adapters.errors import ContractViolation, Rejected, Unavailable

EventType = Literal["flytning", "foedsel", "doedsfald", "foraeldremyndighed"]
CREDENTIAL_HEADER = "X-Beskedfordeler-Credential"
TEST_CREDENTIAL = "boernesag-test-abonnement"  # documented: the simulator accepts only this
SCHEMA_FILE = Path(__file__).with_name("events.schema.json")


class CprEvent(BaseModel):
    """One event. `personnummer` is the person it is about; `kommunekode` the new municipality
    of a move; `morPersonnummer` the mother of a newborn."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    id: str = Field(min_length=1, max_length=64)
    sekvens: int = Field(ge=1)
    type: EventType
    personnummer: str = Field(pattern=r"^\d{10}$")
    dato: date
    kommunekode: str | None = Field(default=None, pattern=r"^\d{3,4}$")
    morPersonnummer: str | None = Field(default=None, pattern=r"^\d{10}$")


class FeedPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    haendelser: list[CprEvent]
    sidsteSekvens: int


@dataclass(frozen=True)
class FeedSettings:
    endpoint: str
    credential: str = TEST_CREDENTIAL
    timeout_seconds: float = 10.0


OnCall = Callable[[dict[str, Any]], None]


class CprEventFeed:
    """Reads the feed. `on_call` is told of every call (operation, outcome, duration), never of
    the events' content, so nothing personal reaches the log."""

    def __init__(self, settings: FeedSettings, *, on_call: OnCall | None = None) -> None:
        self.settings = settings
        self.on_call = on_call

    def fetch(self, after: int, limit: int = 100) -> FeedPage:
        outcome = "ok"
        try:
            response = httpx.get(
                self.settings.endpoint,
                params={"efter": after, "antal": limit},
                headers={CREDENTIAL_HEADER: self.settings.credential},
                timeout=self.settings.timeout_seconds,
            )
        except httpx.HTTPError as exc:
            outcome = "unavailable"
            raise Unavailable(f"CPR-hændelser svarer ikke: {type(exc).__name__}") from None
        finally:
            if self.on_call:
                self.on_call({"system": "cpr-events", "operation": "fetch", "outcome": outcome})
        if response.status_code >= 500:
            raise Unavailable(f"CPR-hændelser svarede {response.status_code}")
        if response.status_code in (401, 403):
            raise Rejected("CPR-hændelser afviste abonnementet")
        if response.status_code != 200:
            raise ContractViolation(f"CPR-hændelser svarede uventet {response.status_code}")
        try:
            return FeedPage.model_validate(response.json())
        except (ValueError, ValidationError, RecursionError) as exc:
            # Not the error's text: pydantic quotes the values, which may be CPR numbers.
            raise ContractViolation(
                f"CPR-hændelser svarede uden for formatet ({type(exc).__name__})"
            ) from None


# -- the simulator ---------------------------------------------------------------------------


class _Store:
    """The published events, in order, kept in a JSON Lines file so a restart keeps them."""

    def __init__(self, folder: Path | None) -> None:
        self.lock = threading.Lock()
        self.file = folder / "cpr-events.jsonl" if folder else None
        self.events: list[CprEvent] = []
        if self.file and self.file.exists():
            for line in self.file.read_text().splitlines():
                self.events.append(CprEvent.model_validate_json(line))

    def publish(self, data: dict[str, Any]) -> CprEvent:
        with self.lock:
            existing = next((e for e in self.events if e.id == data.get("id")), None)
            if existing is not None:
                return existing
            event = CprEvent.model_validate({**data, "sekvens": len(self.events) + 1})
            self.events.append(event)
            if self.file:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                with self.file.open("a") as out:
                    out.write(event.model_dump_json() + "\n")
            return event

    def after(self, sequence: int, limit: int) -> FeedPage:
        with self.lock:
            page = [e for e in self.events if e.sekvens > sequence][:limit]
            last = self.events[-1].sekvens if self.events else 0
        return FeedPage(haendelser=page, sidsteSekvens=last)


def _fault(status: int, text: str) -> JSONResponse:
    return JSONResponse({"fejl": text}, status_code=status)


def create_app(folder: Path | None = None) -> FastAPI:
    """`GET /cpr-haendelser?efter=N&antal=M` reads; `POST /cpr-haendelser` publishes an event
    (for tests and the demo, standing in for CPR). `GET /cpr-haendelser?schema` serves the
    JSON Schema."""
    chosen = folder or (
        Path(os.environ["BS_SIMULATOR_DIR"]) if os.environ.get("BS_SIMULATOR_DIR") else None
    )
    store = _Store(chosen)
    app = FastAPI(title="CPR event feed simulator", openapi_url=None, docs_url=None)

    @app.get("/cpr-haendelser")
    async def read(request: Request) -> Response:
        if "schema" in request.query_params:
            return Response(SCHEMA_FILE.read_bytes(), media_type="application/schema+json")
        if request.headers.get(CREDENTIAL_HEADER) != TEST_CREDENTIAL:
            return _fault(401, "Ukendt abonnement")
        try:
            after = int(request.query_params.get("efter", "0"))
            limit = min(int(request.query_params.get("antal", "100")), 1000)
        except ValueError:
            return _fault(400, "efter og antal skal være heltal")
        return JSONResponse(json.loads(store.after(after, limit).model_dump_json()))

    @app.post("/cpr-haendelser")
    async def publish(request: Request) -> Response:
        if request.headers.get(CREDENTIAL_HEADER) != TEST_CREDENTIAL:
            return _fault(401, "Ukendt abonnement")
        try:
            data = json.loads(await request.body())
            if not isinstance(data, dict):
                raise ValueError("en hændelse er et JSON-objekt")
            event = store.publish(data)
        except RecursionError:
            return _fault(400, "Hændelsen overholder ikke formatet: for dybt indlejret JSON")
        except (ValueError, ValidationError) as exc:
            return _fault(400, f"Hændelsen overholder ikke formatet: {exc}")
        return JSONResponse(json.loads(event.model_dump_json()), status_code=201)

    return app

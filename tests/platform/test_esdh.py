"""Journalising on the running stack: a submitted document reaches SF2900 as a PDF/A with its
metadata and gets its SF1470 index entry; a late answer and its retry file once; an SF2900
outage shows as failed and recovers; a withdrawn document leaves the index; the case page shows
each document's status."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from api.esdh.queue import withdraw
from api.testdata.cpr import SLOW as CPR_SLOW
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_underretning import ASSESSMENT, open_task, receive, report
from workers.esdh import transaction_id

# A late SF2900 answer comes after 12 s (the workers' timeout is 10 s), then the retry's backoff.
SLOW_WAIT = 120.0


def _simulators(platform: Platform) -> Path:
    return platform.stack.root / "data" / "simulators"


def _assessed_case(caseworker: ApiClient, cpr: str | None = None) -> tuple[str, str]:
    """A received underretning whose 24-hour assessment is submitted: (case id, task key)."""
    case_id = receive(caseworker, report(cpr))["case_id"]
    task = open_task(caseworker, case_id, "24-timers vurdering")
    assert caseworker.post(f"/api/tasks/{task['id']}/claim").status_code == 200
    done = caseworker.post(f"/api/tasks/{task['id']}/complete", {**ASSESSMENT, "outcome": "close"})
    assert done.status_code == 204, done.text
    return case_id, str(task["id"])


def _esdh_entry(
    caseworker: ApiClient, case_id: str, source_key: str, status: str
) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        entries = caseworker.get(f"/api/cases/{case_id}").json()["esdh"]
        entry = next((e for e in entries if e["source_key"] == source_key), None)
        return entry if entry is not None and entry["status"] == status else None

    return eventually(find, timeout=SLOW_WAIT, what=f"document {source_key} {status}")


def _filed(platform: Platform, document_id: str) -> Path:
    return _simulators(platform) / "sf2900" / str(transaction_id(uuid.UUID(document_id), "sf2900"))


def _indexed(platform: Platform, document_id: str) -> dict[str, Any] | None:
    path = _simulators(platform) / "sf1470" / "documents" / f"{document_id}.json"
    return dict(json.loads(path.read_text())) if path.is_file() else None


def _journal_note(caseworker: ApiClient, case_id: str, title: str) -> str:
    response = caseworker.post(
        f"/api/cases/{case_id}/journal-notes",
        {"title": title, "text": "Skolen ringede: barnet er glad og kommer til tiden."},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_submitted_document_is_filed_as_pdfa_and_indexed(
    platform: Platform, caseworker: ApiClient
) -> None:
    """The 24-hour assessment goes to SF2900 as a PDF/A with its Sag- og Dokumentstandard
    metadata, then into SF1470 with its case's journal; the case page says so."""
    case_id, task_key = _assessed_case(caseworker)
    entry = _esdh_entry(caseworker, case_id, task_key, "indexed")
    assert entry["source"] == "form_document" and entry["kind"] == "ics"
    assert entry["filed_at"] and entry["indexed_at"] and entry["last_error"] is None
    assert entry["status_label"] == "Journaliseret og indekseret"
    filed = _filed(platform, entry["document_id"])
    pdf = (filed / "document.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.7")
    assert b'pdfaid:part="2"' in pdf and b'pdfaid:conformance="B"' in pdf
    assert b"/GTS_PDFA1" in pdf and b"/FontFile2" in pdf
    metadata = json.loads((filed / "metadata.json").read_text())
    assert metadata["id"] == entry["document_id"] and metadata["case"] == case_id
    assert (metadata["kle_subject"], metadata["action_facet"]) == ("34.10.10", "G01")
    assert (metadata["document_type"], metadata["direction"]) == ("Notat", "Internt")
    assert metadata["title"] == entry["title"] and metadata["sender"] == "90100001"
    assert len(list(filed.glob("request-*.xml"))) == 1
    indexed = _indexed(platform, entry["document_id"])
    assert indexed is not None and indexed["classes"] == ["34.10.10", "G01"]
    case_index = json.loads(
        (_simulators(platform) / "sf1470" / "cases" / f"{case_id}.json").read_text()
    )
    assert entry["document_id"] in case_index["journal"]


def test_journal_note_is_journalised_and_a_withdrawn_one_leaves_the_index(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A journal note is filed and indexed; withdrawn (no API removes documents yet, so the test
    withdraws it in the case store), it is taken out of SF1470 with fjern."""
    case_id = receive(caseworker, report())["case_id"]
    note_id = _journal_note(caseworker, case_id, "Telefonsamtale med skolen")
    entry = _esdh_entry(caseworker, case_id, note_id, "indexed")
    assert entry["kind"] == "journalnotat" and _indexed(platform, entry["document_id"])
    with platform.db.begin() as conn:
        assert withdraw(conn, source="journal_note", source_key=note_id)
    _esdh_entry(caseworker, case_id, note_id, "removed")
    assert _indexed(platform, entry["document_id"]) is None


def test_a_late_answer_and_its_retry_file_once(platform: Platform, caseworker: ApiClient) -> None:
    """SF2900 answers the first sending after the workers' timeout; the retry names the same
    AnvenderTransaktionsID and gets the first receipt: two requests, one filed document."""
    case_id, task_key = _assessed_case(caseworker, CPR_SLOW)
    entry = _esdh_entry(caseworker, case_id, task_key, "indexed")
    filed = _filed(platform, entry["document_id"])
    assert len(list(filed.glob("request-*.xml"))) == 2
    assert len(list(filed.glob("document.*"))) == 1
    receipts = {(filed / "receipt.xml").read_bytes()}
    assert len(receipts) == 1


def test_sf2900_down_shows_failed_then_recovers(platform: Platform, caseworker: ApiClient) -> None:
    """With the simulators stopped the document is retried and shows as failed with its error,
    on the case page and in /health; when SF2900 is back it is filed and indexed."""
    case_id = receive(caseworker, report())["case_id"]
    open_task(caseworker, case_id, "24-timers vurdering")  # the CPR lookup is done
    simulators = platform.stack.apps["simulators"]
    simulators.stop()
    try:
        note_id = _journal_note(caseworker, case_id, "Møde med forældrene")
        failed = _esdh_entry(caseworker, case_id, note_id, "failed")
        assert failed["attempts"] >= 3 and "Unavailable" in failed["last_error"]
        assert failed["filed_at"] is None
        health = httpx.get(f"http://127.0.0.1:{platform.stack.ports.api}/health", timeout=10)
        assert health.json()["esdh"]["status"] == "FAILING"
        assert health.json()["esdh"]["documents"]["failed"] >= 1
    finally:
        platform.stack.start_app("simulators")
    entry = _esdh_entry(caseworker, case_id, note_id, "indexed")
    assert entry["last_error"] is None and entry["attempts"] == 0
    assert len(list(_filed(platform, entry["document_id"]).glob("document.*"))) == 1

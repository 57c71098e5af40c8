"""Case transfer between the two demo municipalities (BL § 132) through SF2900, on the real engine:
a family moves from Demo Nord (901) to Demo Syd (902); the package arrives with the summary, the
documents and the open decisions; Syd's process starts by message and its caseworker takes the
case over; neither municipality sees the other's case; a refused package is shown and loses
nothing; a retried send delivers nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from adapters.sf2900 import Sf2900Client, Sf2900Settings
from adapters.sf2900.transfer import Sf2900Inbox
from api.cases import case_file
from api.cases.tables import measure
from api.org.tables import municipality
from api.transfers.tables import transfer_in, transfer_out
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_flytning import HANDOVER, SUMMARY, move
from tests.platform.test_investigation import complete, instances, start_underretning, task_named
from tests.platform.test_sagsafslutning import status_of
from workers.transfers import deliver

SYD_CVR = "90200002"
TAKE_OVER = {"responsible": "Team Syd, modtagelsen", "meeting_needed": True}
REVIEW = {
    "assessment": "Familiebehandlingen fortsætter; vi følger op om tre måneder.",
    "next_step": "continue",
}


@pytest.fixture(scope="module")
def syd(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "caseworker2")
    yield client
    client.close()


@pytest.fixture(scope="module")
def sf2900_base(platform: Platform) -> str:
    return f"http://127.0.0.1:{platform.stack.ports.simulators}/sf2900"


@pytest.fixture
def inbox(sf2900_base: str) -> Iterator[Sf2900Inbox]:
    reader = Sf2900Inbox(sf2900_base)
    yield reader
    reader.close()


def transfers(client: ApiClient, case_id: str) -> dict[str, Any]:
    response = client.get(f"/api/cases/{case_id}/transfers")
    assert response.status_code == 200, response.text
    return dict(response.json())


def sent_package(client: ApiClient, case_id: str, status: str) -> dict[str, Any]:
    def find() -> dict[str, Any] | None:
        return next((p for p in transfers(client, case_id)["sent"] if p["status"] == status), None)

    return eventually(find, what=f"a {status} package")


def open_indsats(platform: Platform, case_id: str) -> None:
    """An open støttende indsats on the case (as a granted § 32 decision leaves it)."""
    with platform.db.begin() as conn:
        conn.execute(
            insert(measure).values(
                id=uuid.uuid4(),
                case_id=uuid.UUID(case_id),
                kind="indsats",
                legal_basis="BL § 32, stk. 1, nr. 3",
                decision_instance_key=uuid.uuid4().int % 2**62,
                started_on=date.today() - timedelta(days=40),
            )
        )


def documents_of(platform: Platform, case_id: str) -> list[str]:
    with platform.db.connect() as conn:
        return [s.title for s in case_file.sources(conn, uuid.UUID(case_id))]


def received_case(platform: Platform, package_id: str) -> str:
    def find() -> str | None:
        with platform.db.connect() as conn:
            found = conn.execute(
                select(transfer_in.c.case_id).where(transfer_in.c.id == uuid.UUID(package_id))
            ).scalar()
        return str(found) if found else None

    return eventually(find, what="the received case")


def test_a_family_moving_from_nord_to_syd(
    platform: Platform, caseworker: ApiClient, syd: ApiClient, inbox: Sf2900Inbox
) -> None:
    case_id, _ = start_underretning(caseworker, "close")
    open_indsats(platform, case_id)
    move(platform, case_id, "902", uuid.uuid4().hex)
    complete(caseworker, task_named(caseworker, case_id, "Sagsresumé til den nye kommune"), SUMMARY)
    package = sent_package(caseworker, case_id, "sent")

    # At SF2900: the documents on the transfer sag, then the følgeseddel with the summary.
    entries = [e for e in inbox.entries(SYD_CVR) if str(e.package_id) == package["id"]]
    assert [e.object_type for e in entries][-1] == "FORMULAR"
    form = inbox.form(SYD_CVR, entries[-1].transaction_id)
    assert form.summary_pdf.startswith(b"%PDF") and form.sender_cvr == "90100001"
    manifest = form.manifest
    assert str(manifest.sender_case_id) == case_id and manifest.receiver_cvr == SYD_CVR
    assert len(manifest.documents) == package["documents"] == len(entries) - 1 >= 2
    assert [(i.kind, i.legal_basis) for i in manifest.open_items] == [
        ("indsats", "BL § 32, stk. 1, nr. 3")
    ]
    first = inbox.document(SYD_CVR, entries[0].transaction_id)
    assert first.content.startswith(b"%PDF") and first.title == manifest.documents[0].title

    # Syd: a new case of its own, linked to Nord's, started by message.
    syd_case = received_case(platform, package["id"])
    assert syd_case != case_id
    (started,) = eventually(lambda: instances(platform, syd_case, "sagsmodtagelse"))
    arrived = transfers(syd, syd_case)["received"][0]
    assert arrived["from_municipality"] == "Demo Nord Kommune"
    assert arrived["sender_case_id"] == case_id
    assert arrived["documents"] == [d.title for d in manifest.documents]
    assert [i["kind"] for i in arrived["open_items"]] == ["indsats"]

    # The tenant boundary: each municipality sees only its own case and tasks.
    assert syd.get(f"/api/cases/{syd_case}").status_code == 200
    assert caseworker.get(f"/api/cases/{syd_case}").status_code == 404
    assert caseworker.get(f"/api/cases/{syd_case}/transfers").status_code == 404
    assert syd.get(f"/api/cases/{case_id}").status_code == 404
    assert syd.get(f"/api/cases/{case_id}/transfers").status_code == 404
    assert caseworker.get("/api/tasks", case_id=syd_case).json() == []

    # Syd's caseworker takes the case over, then reviews the ongoing decisions.
    complete(syd, task_named(syd, syd_case, "Modtag sag fra tidligere kommune"), TAKE_OVER)
    review = task_named(syd, syd_case, "Gennemgå igangværende afgørelser")
    assert transfers(syd, syd_case)["received"][0]["taken_over_at"] is not None
    complete(syd, review, REVIEW)

    # Nord hands over: the case closes and is read-only there from the handover date.
    complete(
        caseworker,
        task_named(caseworker, case_id, "Overdragelse til den nye kommune"),
        {**HANDOVER, "handover_date": date.today().isoformat()},
    )
    eventually(lambda: status_of(platform, case_id) == "transferred")
    eventually(lambda: sent_package(caseworker, case_id, "sent")["handed_over_on"] is not None)
    note = caseworker.post(
        f"/api/cases/{case_id}/journal-notes", {"title": "Efter flytning", "text": "Opkald."}
    )
    assert note.status_code == 409 and "kun læses" in note.json()["detail"]
    assert (
        syd.post(
            f"/api/cases/{syd_case}/journal-notes",
            {"title": "Modtaget", "text": "Sagen er overtaget."},
        ).status_code
        == 201
    )
    # The loop reads SF2900's queue again and again: still one case, one process.
    assert len(instances(platform, syd_case, "sagsmodtagelse")) == 1
    assert started.process_instance_key


def test_a_refused_package_is_shown_and_loses_nothing(
    platform: Platform, caseworker: ApiClient
) -> None:
    """SF2900 has no receiver for municipality 903: AFVIST; the caseworker sees why, the case
    and its documents stay, and a new attempt is a new package."""
    with platform.db.begin() as conn:
        if (
            conn.execute(select(municipality.c.id).where(municipality.c.id == "903")).first()
            is None
        ):
            conn.execute(
                insert(municipality).values(id="903", name="Demo Øst Kommune", cvr="90300003")
            )
    case_id, _ = start_underretning(caseworker, "close")
    move(platform, case_id, "903", uuid.uuid4().hex)
    complete(caseworker, task_named(caseworker, case_id, "Sagsresumé til den nye kommune"), SUMMARY)
    before = documents_of(platform, case_id)
    assert len(before) >= 3  # the underretning, the assessment and the summary
    rejection = task_named(caseworker, case_id, "Overførslen blev afvist")
    (refused,) = transfers(caseworker, case_id)["sent"]
    assert refused["status"] == "rejected"
    assert "Ingen fordelingsmodtager hos myndighed 90300003" in refused["error"]
    assert status_of(platform, case_id) == "open"
    assert documents_of(platform, case_id) == before
    complete(caseworker, rejection, {"next_step": "retry", "note": "Spurgt Serviceplatformen."})
    second = eventually(
        lambda: next(
            (
                t
                for t in caseworker.get("/api/tasks", case_id=case_id).json()
                if t["name"] == "Overførslen blev afvist" and t["id"] != rejection["id"]
            ),
            None,
        ),
        what="the second rejection",
    )
    packages = transfers(caseworker, case_id)["sent"]
    assert [p["status"] for p in packages] == ["rejected", "rejected"]
    assert packages[0]["id"] != packages[1]["id"]
    complete(caseworker, second, {"next_step": "manual", "note": "Sendes med sikker mail."})
    task_named(caseworker, case_id, "Send sagen manuelt til den nye kommune")


def test_a_retried_send_is_not_delivered_twice(
    platform: Platform, caseworker: ApiClient, sf2900_base: str, inbox: Sf2900Inbox
) -> None:
    """The job ran to SF2900 but its completion was lost: the retry sends the same package
    under the same transaction ids, and SF2900 delivers nothing new."""
    case_id, _ = start_underretning(caseworker, "close")
    move(platform, case_id, "902", uuid.uuid4().hex)
    complete(caseworker, task_named(caseworker, case_id, "Sagsresumé til den nye kommune"), SUMMARY)
    package = sent_package(caseworker, case_id, "sent")
    delivered = [e for e in inbox.entries(SYD_CVR) if str(e.package_id) == package["id"]]
    with platform.db.begin() as conn:
        row = conn.execute(
            update(transfer_out)
            .where(transfer_out.c.id == uuid.UUID(package["id"]))
            .values(status="sending", sent_at=None)
            .returning(transfer_out.c.process_instance_key)
        ).one()
    settings = Sf2900Settings(
        endpoint=sf2900_base,
        it_system_uuid="00000000-0000-4000-8000-0000000e5d40",
        variant="context",
    )
    with Sf2900Client(settings) as client:
        deliver(
            platform.db,
            client,
            case_id=uuid.UUID(case_id),
            new_municipality="902",
            instance_key=int(row.process_instance_key),
            moved_on=None,
            action_facet="G01",
            now=datetime.now(UTC),
        )
    again = [e for e in inbox.entries(SYD_CVR) if str(e.package_id) == package["id"]]
    assert [e.transaction_id for e in again] == [e.transaction_id for e in delivered]
    (only,) = transfers(caseworker, case_id)["sent"]
    assert only["id"] == package["id"] and only["status"] == "sent"
    assert len(received_case(platform, package["id"])) == 36

"""Case transfer between the two demo municipalities (BL § 132) through SF2900, on the real engine:
a family moves from Demo Nord (901) to Demo Syd (902); the package arrives with the summary, the
documents and the open decisions; Syd's process starts by message and its caseworker takes the
case over; neither municipality sees the other's case; a refused package is shown and loses
nothing; a retried send delivers nothing twice."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select, update

from adapters.errors import Unavailable
from adapters.sagdok import SagDokCase, SagDokDocument
from adapters.sf2900 import Sf2900Client, Sf2900Settings
from adapters.sf2900.transfer import (
    Manifest,
    ManifestDocument,
    ReceivedForm,
    Sf2900Inbox,
    TransferForm,
)
from api.calendar.working_days import COPENHAGEN
from api.cases import case_file, moves
from api.cases.decisions import end_continued
from api.cases.moves import MOVED
from api.cases.tables import case, measure, person
from api.org.tables import municipality
from api.projector import tables as rm
from api.testdata.cpr import synthetic_cpr
from api.transfers import receiving, sending
from api.transfers.tables import transfer_in, transfer_out
from api.web.case_data import chronology
from api.web.session import COOKIE
from tests.adapters.sagdok_samples import IT_SYSTEM
from tests.adapters.serving import free_port
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.readmodel import rows
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_cpr_events import outcome_of, publish
from tests.platform.test_dst import measure_events
from tests.platform.test_flytning import HANDOVER, SUMMARY, move
from tests.platform.test_investigation import (
    ASSESSMENT,
    complete,
    instances,
    start_underretning,
    task_named,
)
from tests.platform.test_sagsafslutning import status_of
from workers.transfers import deliver, receive_once

SYD_CVR = "90200002"
CLOSE = {**ASSESSMENT, "outcome": "close"}
NO_VIEW: dict[str, Any] = {"processes": []}
unborn_child = person.alias("unborn_child")
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
def operator(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "operator")
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
    platform: Platform,
    caseworker: ApiClient,
    syd: ApiClient,
    inbox: Sf2900Inbox,
    operator: ApiClient,
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
    dst_is_told_the_move_once_on_each_side(platform, operator, case_id, syd_case)


def dst_is_told_the_move_once_on_each_side(
    platform: Platform, operator: ApiClient, nord_case: str, syd_case: str
) -> None:
    """Nord's running § 32 indsats ends on the handover date and Nord's next DST file carries
    SLUT with the reason `flyttet`; Syd continues it from the take-over (BL § 132) and Syd's
    next file carries START under the same paragraph. A retried handover or take-over job
    notes nothing twice, and the next run sends neither again."""
    with platform.db.connect() as conn:
        (ended,) = conn.execute(
            select(measure).where(measure.c.case_id == uuid.UUID(nord_case))
        ).all()
        (continued,) = conn.execute(
            select(measure).where(measure.c.case_id == uuid.UUID(syd_case))
        ).all()
        package = conn.execute(
            select(transfer_in.c.id, transfer_in.c.taken_over_at).where(
                transfer_in.c.case_id == uuid.UUID(syd_case)
            )
        ).one()
    assert ended.ended_on == date.today()
    assert (continued.decision_instance_key, continued.transfer_id) == (None, package.id)
    assert (continued.kind, continued.legal_basis) == ("indsats", "BL § 32, stk. 1, nr. 3")
    assert continued.ended_on is None
    (end,) = measure_events(platform, ended.id)["end"]
    (start,) = measure_events(platform, continued.id)["start"]
    assert (end.code, end.occurred_on) == (MOVED, date.today())
    assert start.occurred_on == continued.started_on
    assert continued.started_on == package.taken_over_at.astimezone(COPENHAGEN).date()

    # Each case page's chronology says why.
    with platform.db.connect() as conn:
        nord_titles = {e.title for e in chronology(conn, uuid.UUID(nord_case), [], NO_VIEW, {})}
        syd_titles = {e.title for e in chronology(conn, uuid.UUID(syd_case), [], NO_VIEW, {})}
    assert "Støttende indsats afsluttet ved flytning" in nord_titles
    assert "Støttende indsats videreført efter flytning" in syd_titles
    assert "Støttende indsats startet" not in syd_titles

    # Both jobs retried (their completions lost): nothing more is noted.
    with platform.db.begin() as conn:
        moves.end_measures(conn, uuid.UUID(nord_case), date.today() + timedelta(days=1))
        again = receiving.take_over(conn, package.id, date.today() + timedelta(days=1))
    assert again == [continued.id]
    assert [e.id for e in measure_events(platform, ended.id)["end"]] == [end.id]
    assert [e.id for e in measure_events(platform, continued.id)["start"]] == [start.id]
    with platform.db.connect() as conn:
        rows_now = {
            r.id: (r.started_on, r.ended_on)
            for r in conn.execute(
                select(measure.c.id, measure.c.started_on, measure.c.ended_on).where(
                    measure.c.case_id.in_([uuid.UUID(nord_case), uuid.UUID(syd_case)])
                )
            )
        }
    assert rows_now == {
        ended.id: (ended.started_on, ended.ended_on),
        continued.id: (continued.started_on, None),
    }

    assert operator.post("/api/dst/koersler").status_code == 202

    def delivered() -> bool:
        found = measure_events(platform, ended.id)["end"]
        found += measure_events(platform, continued.id)["start"]
        return all(e.delivered_at is not None for e in found)

    eventually(delivered, what="the move reported to DST by both municipalities")
    ((nord_file, sent_end),) = dst_files_with(platform, end.id)
    ((syd_file, sent_start),) = dst_files_with(platform, start.id)
    assert (nord_file["kommune"], nord_file["status"]) == ("901", "GODKENDT")
    assert (sent_end["type"], sent_end["emne"], sent_end["forloeb"], sent_end["dato"]) == (
        "SLUT",
        "INDSATS",
        str(ended.id),
        date.today().isoformat(),
    )
    assert sent_end["koder"] == {"Paragraf": "BL32-1-3", "Aarsag": "05"}
    assert (syd_file["kommune"], syd_file["status"]) == ("902", "GODKENDT")
    assert (sent_start["type"], sent_start["forloeb"], sent_start["dato"]) == (
        "START",
        str(continued.id),
        continued.started_on.isoformat(),
    )
    assert sent_start["koder"] == {"Paragraf": "BL32-1-3"}

    # The next run sends neither again.
    runs_before = dst_runs(platform)
    assert operator.post("/api/dst/koersler").status_code == 202
    eventually(
        lambda: any(
            r.state == "COMPLETED" for k, r in dst_runs(platform).items() if k not in runs_before
        ),
        what="the next DST run done",
    )
    assert len(dst_files_with(platform, end.id)) == len(dst_files_with(platform, start.id)) == 1


def dst_runs(platform: Platform) -> dict[int, Any]:
    return {
        r.process_instance_key: r
        for r in rows(platform.db, rm.process_instance, bpmn_process_id="dst_levering")
    }


def dst_files_with(platform: Platform, event_id: uuid.UUID) -> list[tuple[dict[str, Any], Any]]:
    """(the file, the event as sent) for every file DST's simulator got with the event."""
    files = httpx.get(
        f"http://127.0.0.1:{platform.stack.ports.simulators}/dst/leveringer", timeout=10
    ).json()
    return [
        (file, event)
        for file in files
        for event in file["haendelser"]
        if event["id"] == str(event_id)
    ]


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
        it_system_uuid=IT_SYSTEM,
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


def _package_by_hand(
    *, receiver_in_manifest: str = SYD_CVR
) -> tuple[list[SagDokDocument], TransferForm]:
    """A package from Nord, built by hand: one document and the følgeseddel."""
    package_id = uuid.uuid4()
    sag = SagDokCase(
        case_id=uuid.uuid4(),
        case_number="901-2026-HAND01",
        title="Børnesag 901-2026-HAND01",
        kle_subject="34.10.10",
        action_facet="G01",
        municipality_cvr="90100001",
        child_cpr=synthetic_cpr(uuid.uuid4().hex),
    )
    documents = [
        SagDokDocument(
            document_id=uuid.uuid4(),
            case=sag,
            title="Underretning",
            document_type="Notat",
            direction="Udgaaende",
            letter_date=date.today(),
            registered_at=datetime.now(UTC),
            filename="underretning.pdf",
            content=b"%PDF-1.7\n% underretning\n",
        )
    ]
    form = TransferForm(
        case=sag,
        manifest=Manifest(
            package_id=package_id,
            sender_cvr="90100001",
            sender_municipality="Demo Nord Kommune",
            receiver_cvr=receiver_in_manifest,
            sender_case_id=sag.case_id,
            sender_case_number=sag.case_number,
            child_cpr=sag.child_cpr,
            moved_on=date.today(),
            documents=tuple(
                ManifestDocument(d.document_id, d.title, d.letter_date) for d in documents
            ),
        ),
        title="Overdragelse ved flytning",
        summary_pdf=b"%PDF-1.7\n% resume\n",
    )
    return documents, form


def send_documents_of(
    client: Sf2900Client, documents: list[SagDokDocument], form: TransferForm
) -> None:
    for document in documents:
        client.send_document(
            document,
            transaction_id=uuid.uuid5(form.manifest.package_id, str(document.document_id)),
            routing_cvr=SYD_CVR,
            case_suggestion=form.manifest.package_id,
        )


def test_an_incomplete_package_waits_for_its_documents(
    platform: Platform, sf2900_base: str, inbox: Sf2900Inbox
) -> None:
    documents, form = _package_by_hand()
    client = Sf2900Client(
        Sf2900Settings(endpoint=sf2900_base, it_system_uuid=IT_SYSTEM, variant="context")
    )
    # The følgeseddel first, alone (it is normally sent last).
    client.send_transfer_form(
        form, transaction_id=uuid.uuid5(form.manifest.package_id, "foelgeseddel")
    )
    assert receive_once(platform.db, inbox, "34.10.10") == 0
    with platform.db.connect() as conn:
        assert not receiving.known(conn, form.manifest.package_id)
    send_documents_of(client, documents, form)  # the rest arrives: now it is taken
    syd_case = received_case(platform, str(form.manifest.package_id))
    assert eventually(lambda: instances(platform, syd_case, "sagsmodtagelse"))
    client.close()


def test_a_package_that_cannot_be_a_case_here_is_refused_and_writes_nothing(
    platform: Platform,
) -> None:
    """A manifest naming another receiving municipality, or neither a child nor an unborn
    child's mother: the package is left in SF2900's queue (the loop logs why) and nothing is
    written."""
    _, form = _package_by_hand(receiver_in_manifest="90100001")
    received = ReceivedForm(
        form_id=form.manifest.package_id,
        sender_cvr="90100001",
        title=form.title,
        summary_pdf=form.summary_pdf,
        manifest=form.manifest,
    )
    nobody = replace(
        received, manifest=replace(form.manifest, receiver_cvr=SYD_CVR, child_cpr=None)
    )
    for refused, why in (
        (received, "another receiving"),
        (nobody, "neither a child nor an unborn child's mother"),
    ):
        with platform.db.begin() as conn, pytest.raises(receiving.NotForUs, match=why):
            receiving.receive(
                conn, municipality_id="902", form=refused, documents=[], kle_subject="34.10.10"
            )
    with platform.db.connect() as conn:
        assert not receiving.known(conn, form.manifest.package_id)


def test_sf2900_down_keeps_the_package_for_the_retry(
    platform: Platform, caseworker: ApiClient, sf2900_base: str, inbox: Sf2900Inbox
) -> None:
    """SF2900 unreachable: the job fails (and is retried by the engine); the package stays
    `sending` under its id, and the retry delivers it under the same transaction ids."""
    case_id, _ = start_underretning(caseworker, "close")
    move(platform, case_id, "902", uuid.uuid4().hex)
    complete(caseworker, task_named(caseworker, case_id, "Sagsresumé til den nye kommune"), SUMMARY)
    sent_package(caseworker, case_id, "sent")  # the flytning's own package
    another_instance = uuid.uuid4().int % 2**52
    options: dict[str, Any] = {
        "case_id": uuid.UUID(case_id),
        "new_municipality": "902",
        "instance_key": another_instance,
        "moved_on": date.today(),
        "action_facet": "G01",
        "now": datetime.now(UTC),
    }
    down = Sf2900Settings(
        endpoint=f"http://127.0.0.1:{free_port()}/sf2900",
        it_system_uuid=IT_SYSTEM,
        variant="context",
        timeout_seconds=2.0,
    )
    with Sf2900Client(down) as client, pytest.raises(Unavailable):
        deliver(platform.db, client, **options)
    with platform.db.connect() as conn:
        (kept,) = conn.execute(
            select(transfer_out.c.id, transfer_out.c.status).where(
                transfer_out.c.process_instance_key == str(another_instance)
            )
        ).all()
    assert kept.status == "sending"
    up = Sf2900Settings(endpoint=sf2900_base, it_system_uuid=IT_SYSTEM, variant="context")
    with Sf2900Client(up) as client:
        deliver(platform.db, client, **options)
    with platform.db.connect() as conn:
        status = conn.execute(
            select(transfer_out.c.status).where(transfer_out.c.id == kept.id)
        ).scalar()
    assert status == "sent"
    assert any(
        e.object_type == "FORMULAR" and e.package_id == kept.id for e in inbox.entries(SYD_CVR)
    )


def test_an_unborn_childs_case_moves_with_the_mother(
    platform: Platform, caseworker: ApiClient, syd: ApiClient, inbox: Sf2900Inbox
) -> None:
    """A case opened before the birth, on the mother's CPR number: her move takes it to Syd,
    packed under her number and flagged unborn, and Syd's case is the unborn child's under the
    same mother, shown as "Ufødt barn" with her."""
    mother = synthetic_cpr(uuid.uuid4().hex, birth_date=date(1995, 8, 17), female=True)
    termin = date.today() + timedelta(days=60)
    created = caseworker.post(
        "/api/underretninger",
        {
            "unborn": True,
            "mother_cpr": mother,
            "expected_birth_date": termin.isoformat(),
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "professional",
            "reporter_organisation": "Jordemoderen",
            "concern": "Moderen har et misbrug og ingen bolig.",
        },
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    complete(caseworker, task_named(caseworker, case_id, "24-timers vurdering"), CLOSE)
    event_id = uuid.uuid4().hex
    publish(
        platform,
        id=event_id,
        type="flytning",
        personnummer=mother,
        dato=date.today().isoformat(),
        kommunekode="902",
    )
    eventually(lambda: outcome_of(platform, event_id) == "flytning:1")
    complete(caseworker, task_named(caseworker, case_id, "Sagsresumé til den nye kommune"), SUMMARY)
    package = sent_package(caseworker, case_id, "sent")

    (form_entry,) = [
        e
        for e in inbox.entries(SYD_CVR)
        if str(e.package_id) == package["id"] and e.object_type == "FORMULAR"
    ]
    manifest = inbox.form(SYD_CVR, form_entry.transaction_id).manifest
    assert (manifest.child_cpr, manifest.unborn_mother_cpr) == (None, mother)
    assert manifest.expected_birth_date == termin

    syd_case = received_case(platform, package["id"])
    eventually(lambda: instances(platform, syd_case, "sagsmodtagelse"))
    child = syd.get(f"/api/cases/{syd_case}").json()["child"]
    assert child["unborn"] is True and child["expected_birth_date"] == termin.isoformat()
    with platform.db.connect() as conn:
        mother_of_child = conn.execute(
            select(person.c.cpr)
            .select_from(case)
            .join(unborn_child, unborn_child.c.id == case.c.child_id)
            .join(person, person.c.id == unborn_child.c.unborn_mother_id)
            .where(case.c.id == uuid.UUID(syd_case))
        ).scalar()
    assert mother_of_child == mother
    token = syd.http.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(
        base_url=f"http://127.0.0.1:{platform.stack.ports.api}",
        cookies={COOKIE: token},
        headers={"accept": "text/html"},
        timeout=60,
    ) as page:
        shown = html.unescape(page.get(f"/sager/{syd_case}").text)
    assert "Ufødt barn" in shown
    assert f"{mother[:6]}-{mother[6:]}" in shown or mother in shown
    complete(syd, task_named(syd, syd_case, "Modtag sag fra tidligere kommune"), TAKE_OVER)
    eventually(lambda: transfers(syd, syd_case)["received"][0]["taken_over_at"] is not None)


def test_a_case_without_a_key_person_is_not_packed(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A child with neither a CPR number nor a mother with one (anonymised) has nothing to
    send the package under: the sender refuses to build it."""
    case_id, _ = start_underretning(caseworker, "close")
    with platform.db.begin() as conn:
        conn.execute(
            update(person)
            .where(
                person.c.id
                == select(case.c.child_id).where(case.c.id == uuid.UUID(case_id)).scalar_subquery()
            )
            .values(cpr=None, cpr_status="anonymised", cpr_data=None)
        )
    with platform.db.begin() as conn, pytest.raises(sending.NoKeyPerson):
        sending.build(
            conn,
            case_id=uuid.UUID(case_id),
            package=sending.Package(uuid.uuid4(), "sending", SYD_CVR),
            moved_on=None,
            action_facet="G01",
            now=datetime.now(UTC),
        )


def test_the_receivers_own_grant_replaces_the_continued_measure(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A measure continued after a move runs until the receiving municipality decides
    otherwise: its own granted § 32 decision starts a new indsats and ends the continued one
    the same day (DST: SLUT, ended after a decision), once; a continued anbringelse stays."""
    case_id = to_decision(caseworker, "stoettende_indsats")
    package_id = uuid.uuid4()
    taken_over = date.today() - timedelta(days=10)
    with platform.db.begin() as conn:
        conn.execute(
            insert(transfer_in).values(
                id=package_id,
                case_id=uuid.UUID(case_id),
                municipality_id="901",
                sender_cvr=SYD_CVR,
                sender_municipality="Demo Syd Kommune",
                sender_case_id=uuid.uuid4(),
                sender_case_number="902-2026-HAND02",
                summary_pdf=b"%PDF-1.7\n% resume\n",
                open_items=[
                    {
                        "kind": "indsats",
                        "title": "Støttende indsats",
                        "legal_basis": "BL § 32, stk. 1, nr. 3",
                        "since": "2026-01-05",
                    },
                    {
                        "kind": "anbringelse",
                        "title": "Anbringelse",
                        "legal_basis": "BL § 46",
                        "since": "2026-02-01",
                    },
                ],
            )
        )
        indsats, anbringelse = receiving.take_over(conn, package_id, taken_over)
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), DECISION)

    def own() -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(measure).where(
                    measure.c.case_id == uuid.UUID(case_id), measure.c.transfer_id.is_(None)
                )
            ).first()

    granted = eventually(own, what="the receiver's own indsats")
    with platform.db.connect() as conn:
        ended = {
            r.id: r.ended_on
            for r in conn.execute(select(measure).where(measure.c.transfer_id == package_id))
        }
    assert ended == {indsats: granted.started_on, anbringelse: None}
    (end,) = measure_events(platform, indsats)["end"]
    assert (end.occurred_on, end.code) == (granted.started_on, "")
    with platform.db.begin() as conn:  # the step retried: nothing more
        assert end_continued(conn, case_id=uuid.UUID(case_id), kind="indsats", on=date.today()) == 0
    assert [e.id for e in measure_events(platform, indsats)["end"]] == [end.id]
    assert "end" not in measure_events(platform, anbringelse)

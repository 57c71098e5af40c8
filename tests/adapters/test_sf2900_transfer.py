"""A case transfer through SF2900 (BL § 132): documents and the følgeseddel routed to another
municipality, delivered there as FordelingsobjektModtagRequest, read by the receiving side."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from adapters.errors import ContractViolation, Rejected, Unavailable
from adapters.sagdok import SagDokDocument
from adapters.sf2900 import Sf2900Client, Sf2900Settings
from adapters.sf2900.simulator import create_app
from adapters.sf2900.transfer import (
    Manifest,
    ManifestDocument,
    OpenItem,
    Sf2900Inbox,
    TransferForm,
    manifest_xml,
    parse_manifest,
)
from api.testdata.cpr import synthetic_cpr
from tests.adapters.sagdok_samples import CHILD, IT_SYSTEM, sample_document
from tests.adapters.serving import free_port, serve

RECEIVER = "90200002"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder: Path = tmp_path_factory.mktemp("simulators")
    with serve(create_app(folder=folder)) as url:
        yield f"{url}/sf2900"


@pytest.fixture
def sf2900(base: str) -> Iterator[Sf2900Client]:
    settings = Sf2900Settings(endpoint=base, it_system_uuid=IT_SYSTEM, variant="context")
    with Sf2900Client(settings) as client:
        yield client


@pytest.fixture
def inbox(base: str) -> Iterator[Sf2900Inbox]:
    reader = Sf2900Inbox(base, timeout_seconds=5.0)
    yield reader
    reader.close()


def _package(receiver: str = RECEIVER) -> tuple[list[SagDokDocument], TransferForm]:
    package_id = uuid.uuid4()
    documents = [sample_document(title=f"Dokument {n}") for n in (1, 2)]
    manifest = Manifest(
        package_id=package_id,
        sender_cvr="90100001",
        sender_municipality="Demo Nord Kommune",
        receiver_cvr=receiver,
        sender_case_id=documents[0].case.case_id,
        sender_case_number=documents[0].case.case_number,
        child_cpr=CHILD,
        moved_on=date(2026, 11, 20),
        documents=tuple(ManifestDocument(d.document_id, d.title, d.letter_date) for d in documents),
        open_items=(OpenItem("indsats", "Familiebehandling", "BL § 32", date(2026, 3, 1)),),
    )
    form = TransferForm(
        case=documents[0].case,
        manifest=manifest,
        title="Overdragelse ved flytning",
        summary_pdf=b"%PDF-1.7\n% summary\n",
    )
    return documents, form


def _send(sf2900: Sf2900Client, documents: list[SagDokDocument], form: TransferForm) -> None:
    package_id = form.manifest.package_id
    for document in documents:
        sf2900.send_document(
            document,
            transaction_id=uuid.uuid5(package_id, str(document.document_id)),
            routing_cvr=form.manifest.receiver_cvr,
            case_suggestion=package_id,
        )
    sf2900.send_transfer_form(form, transaction_id=uuid.uuid5(package_id, "foelgeseddel"))


def test_a_package_arrives_at_the_receiving_municipality(
    sf2900: Sf2900Client, inbox: Sf2900Inbox
) -> None:
    documents, form = _package()
    _send(sf2900, documents, form)
    mine = [e for e in inbox.entries(RECEIVER) if e.package_id == form.manifest.package_id]
    assert [e.object_type for e in mine] == ["DOKUMENT", "DOKUMENT", "FORMULAR"]
    (entry,) = [e for e in mine if e.object_type == "FORMULAR"]
    received = inbox.form(RECEIVER, entry.transaction_id)
    assert received.manifest == form.manifest
    assert received.summary_pdf == form.summary_pdf and received.sender_cvr == "90100001"
    first = inbox.document(RECEIVER, mine[0].transaction_id)
    assert first.document_id == documents[0].document_id
    assert first.package_id == form.manifest.package_id
    assert first.content == documents[0].content and first.title == "Dokument 1"
    # Nothing of it is filed in the sender's own ESDH, nor queued for the sender.
    assert all(e.package_id != form.manifest.package_id for e in inbox.entries("90100001"))


def test_a_repeated_send_is_delivered_once(sf2900: Sf2900Client, inbox: Sf2900Inbox) -> None:
    documents, form = _package()
    _send(sf2900, documents, form)
    _send(sf2900, documents, form)  # the retried job: the same transaction ids
    mine = [e for e in inbox.entries(RECEIVER) if e.package_id == form.manifest.package_id]
    assert len(mine) == 3


def test_a_municipality_without_a_receiver_is_refused(
    sf2900: Sf2900Client, inbox: Sf2900Inbox
) -> None:
    documents, form = _package(receiver="90300003")
    with pytest.raises(Rejected, match="Ingen fordelingsmodtager hos myndighed 90300003"):
        _send(sf2900, documents, form)
    assert inbox.entries("90300003") == []


def test_the_manifest_round_trips_and_refuses_other_xml() -> None:
    _, form = _package()
    assert parse_manifest(manifest_xml(form.manifest)) == form.manifest
    with pytest.raises(ContractViolation):
        parse_manifest(etree.fromstring(b"<Overdragelse/>"))
    broken = manifest_xml(form.manifest)
    broken.remove(broken[0])  # no PakkeID
    with pytest.raises(ContractViolation, match="PakkeID"):
        parse_manifest(broken)


def test_an_unborn_childs_manifest_names_the_mother() -> None:
    """An unborn child's case goes under the mother's CPR number, flagged unborn, with the
    termin; a manifest naming both a child and an unborn child's mother is not one."""
    _, form = _package()
    mother = synthetic_cpr("transfer-mother", birth_date=date(1994, 3, 2), female=True)
    unborn = replace(
        form.manifest,
        child_cpr=None,
        unborn_mother_cpr=mother,
        expected_birth_date=date(2027, 2, 1),
    )
    xml = manifest_xml(unborn)
    ns = {"m": "https://boernesag.dk/xml/overdragelse/1"}
    assert xml.findtext("m:UfoedtMorCPR", namespaces=ns) == mother
    assert xml.findtext("m:Terminsdato", namespaces=ns) == "2027-02-01"
    assert xml.find("m:BarnCPR", namespaces=ns) is None
    assert parse_manifest(xml) == unborn
    with pytest.raises(ValueError, match="not both"):
        replace(form.manifest, unborn_mother_cpr=mother)
    both = manifest_xml(form.manifest)
    etree.SubElement(both, "{https://boernesag.dk/xml/overdragelse/1}UfoedtMorCPR").text = mother
    with pytest.raises(ContractViolation, match="not both"):
        parse_manifest(both)


def test_the_inbox_errors_are_the_adapter_errors(base: str, inbox: Sf2900Inbox) -> None:
    with pytest.raises(ContractViolation, match="404"):
        inbox.document(RECEIVER, str(uuid.uuid4()))
    gone = Sf2900Inbox(f"http://127.0.0.1:{free_port()}/sf2900", timeout_seconds=1.0)
    with pytest.raises(Unavailable):
        gone.entries(RECEIVER)
    gone.close()


def test_a_document_is_not_a_form(sf2900: Sf2900Client, inbox: Sf2900Inbox) -> None:
    documents, form = _package()
    _send(sf2900, documents, form)
    entry = next(
        e
        for e in inbox.entries(RECEIVER)
        if e.package_id == form.manifest.package_id and e.object_type == "DOKUMENT"
    )
    with pytest.raises(ContractViolation, match="FORMULAR"):
        inbox.form(RECEIVER, entry.transaction_id)


def test_a_bad_receiving_cvr_is_refused_before_sending(sf2900: Sf2900Client) -> None:
    documents, form = _package(receiver="9020000")
    with pytest.raises(ValueError, match="eight digits"):
        sf2900.send_transfer_form(form, transaction_id=uuid.uuid4())
    with pytest.raises(ValueError, match="eight digits"):
        sf2900.send_document(documents[0], transaction_id=uuid.uuid4(), routing_cvr="902")


def test_a_subject_outside_childrens_cases_is_refused_by_the_receiver(
    sf2900: Sf2900Client, inbox: Sf2900Inbox
) -> None:
    document = sample_document(kle_subject="27.24.00")
    stranger = sample_document(kle_subject="00.01.00")
    package_id = uuid.uuid4()
    sf2900.send_document(
        document, transaction_id=uuid.uuid4(), routing_cvr=RECEIVER, case_suggestion=package_id
    )
    with pytest.raises(Rejected, match=r"KLE-emnet 00\.01\.00"):
        sf2900.send_document(
            stranger, transaction_id=uuid.uuid4(), routing_cvr=RECEIVER, case_suggestion=package_id
        )
    queued = [e for e in inbox.entries(RECEIVER) if e.package_id == package_id]
    assert [e.object_id for e in queued] == [document.document_id]

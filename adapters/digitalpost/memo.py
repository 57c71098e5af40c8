"""The MeMo message (Digitaliseringsstyrelsen's format, MeMo 1.1) as SF1601 carries it.

The message is built with python-serviceplatformen's MeMo dataclasses and checked with lxml
against the vendored XSD (`contract/MeMo_core.xsd`, as published in the package's 1.1.0) before
it leaves the machine. SF1601 `KombiPostAfsend_1/memos` takes it wrapped in a
`kombi_request` whose `KombiValgKode` picks the channel: "Digital Post", "Fysisk Post"
(fjernprint: printed and posted by Digital Post's print supplier) or "Automatisk Valg" (the
service decides from its own registry).

Everything here is shared by the client, the simulator and the simulator's reader.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast
from xml.etree import ElementTree

from lxml import etree
from python_serviceplatformen.models import message as memo
from python_serviceplatformen.models import xml_util

from adapters.soap import mask_cpr

CONTRACT_DIR = Path(__file__).parent / "contract"
MEMO_XSD = CONTRACT_DIR / "MeMo_core.xsd"
FAULT_XSD = CONTRACT_DIR / "sp" / "ServiceplatformFault_1.xsd"

NS_MEMO = "https://DigitalPost.dk/MeMo-1"
NS_GRD = "https://data.gov.dk/model/core/"
NS_FAULT = "http://serviceplatformen.dk/xml/schemas/ServiceplatformFault/1/"
MESSAGE = f"{{{NS_MEMO}}}Message"
SERVICEPLATFORM_FAULT = f"{{{NS_FAULT}}}ServiceplatformFault"

# The package writes memoVersion 1.2 and no memoSchVersion; the vendored XSD is 1.1 and
# requires both attributes.
MEMO_VERSION = "1.1"
MEMO_SCHEMA_VERSION = "1.1.0"

Channel = Literal["Digital Post", "Fysisk Post", "Automatisk Valg"]
DIGITAL: Channel = "Digital Post"
PHYSICAL: Channel = "Fysisk Post"
AUTOMATIC: Channel = "Automatisk Valg"
CHANNELS: frozenset[str] = frozenset({DIGITAL, PHYSICAL, AUTOMATIC})

BODY_FILENAME = "brev.txt"
BODY_MEDIA_TYPE = "text/plain"
LANGUAGE = "da"
CASE_SYSTEM = "Børnesag"

_LETTERS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:boernesag:digitalpost:memo")


def message_uuid(idempotency_key: str) -> str:
    """The MeMo messageUUID for a letter: the same key always gives the same UUID.

    uuid5 of the key, with the version nibble set to 4: the XSD's memoUuidType admits only
    version-4 UUIDs (`…-4xxx-[89ab]xxx-…`), so a plain uuid5 would break the contract.
    """
    derived = uuid.uuid5(_LETTERS, idempotency_key)
    return str(uuid.UUID(bytes=derived.bytes, version=4))


@cache
def memo_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(MEMO_XSD), parser))


@cache
def fault_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(FAULT_XSD), parser))


def schema_error(schema: etree.XMLSchema, element: etree._Element) -> str | None:
    """None if the element is valid, else the first error, CPR numbers masked (lxml quotes the
    offending value)."""
    if schema.validate(element):
        return None
    first = schema.error_log.last_error
    return mask_cpr(first.message) if first is not None else "unknown error"


@dataclass(frozen=True)
class File:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Letter:
    """One letter as the MeMo carries it; `print_address` only where it may be printed."""

    message_uuid: str
    message_id: str
    sender_cvr: str
    sender_name: str
    recipient_type: Literal["CPR", "CVR"]
    recipient_id: str
    recipient_name: str | None
    print_address: str | None
    subject: str
    body: str
    attachments: Sequence[File]
    case_number: str | None
    created: datetime


def kombi_request(letter: Letter, channel: Channel) -> etree._Element:
    """`<kombi_request><KombiValgKode/><memo:Message/></kombi_request>`, the Message built with
    python-serviceplatformen and given the 1.1 version attributes."""
    built = xml_util.dataclass_to_xml(_message(letter))
    built.set("memoVersion", MEMO_VERSION)
    built.set("memoSchVersion", MEMO_SCHEMA_VERSION)
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    message = etree.fromstring(ElementTree.tostring(built, encoding="utf-8"), parser)
    request = etree.Element("kombi_request")
    etree.SubElement(request, "KombiValgKode").text = channel
    request.append(message)
    return request


def _message(letter: Letter) -> Any:
    attention = None
    if letter.print_address:
        attention = memo.AttentionData(
            unstructuredAddress=memo.UnstructuredAddress(unstructured=letter.print_address)
        )
    content = None
    if letter.case_number:
        content = memo.ContentData(
            caseID=memo.CaseID(caseID=letter.case_number, caseSystem=CASE_SYSTEM)
        )
    body = File(BODY_FILENAME, BODY_MEDIA_TYPE, letter.body.encode("utf-8"))
    return memo.Message(
        messageHeader=memo.MessageHeader(
            messageType="DIGITALPOST",
            messageUUID=letter.message_uuid,
            messageID=letter.message_id,
            label=letter.subject,
            mandatory=False,
            legalNotification=False,
            sender=memo.Sender(senderID=letter.sender_cvr, idType="CVR", label=letter.sender_name),
            recipient=memo.Recipient(
                recipientID=letter.recipient_id,
                idType=letter.recipient_type,
                label=letter.recipient_name,
                attentionData=attention,
            ),
            contentData=content,
        ),
        messageBody=memo.MessageBody(
            createdDateTime=letter.created.astimezone(UTC),
            mainDocument=memo.MainDocument(label=letter.subject, files=(_file(body),)),
            additionalDocuments=tuple(
                memo.AdditionalDocument(label=file.filename, files=(_file(file),))
                for file in letter.attachments
            )
            or None,
        ),
    )


def _file(file: File) -> Any:
    return memo.File(
        encodingFormat=file.media_type,
        filename=file.filename,
        language=LANGUAGE,
        content=base64.b64encode(file.content).decode("ascii"),
    )


# -- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """A well-formed kombi_request: the channel and the (not yet validated) MeMo Message."""

    channel: Channel
    message: etree._Element

    def text(self, path: str) -> str:
        return self.message.findtext(path, "", {"memo": NS_MEMO, "grd": NS_GRD}).strip()

    @property
    def message_uuid(self) -> str:
        return self.text("memo:MessageHeader/memo:messageUUID")

    @property
    def recipient_type(self) -> str:
        return self.text("memo:MessageHeader/memo:Recipient/memo:idType")

    @property
    def recipient_id(self) -> str:
        return self.text("memo:MessageHeader/memo:Recipient/memo:recipientID")


def parse_kombi_request(content: bytes) -> Received | str:
    """The request if it is a kombi_request with a known channel and one MeMo Message, else
    what is wrong (in Danish)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError:
        return "Forespørgslen er ikke XML"
    children = list(root)
    if root.tag != "kombi_request" or len(children) != 2 or children[0].tag != "KombiValgKode":
        return "Forespørgslen skal være et kombi_request med KombiValgKode og én MeMo Message"
    channel = (children[0].text or "").strip()
    if channel not in CHANNELS:
        return f"Ukendt KombiValgKode: {channel[:40]!r}"
    if children[1].tag != MESSAGE:
        return "kombi_request skal indeholde én memo:Message"
    return Received(cast(Channel, channel), children[1])


def decoded_files(document: etree._Element) -> list[File]:
    """The files of a MainDocument or AdditionalDocument, base64 decoded."""
    files = []
    for node in document.iterfind("memo:File", {"memo": NS_MEMO}):
        try:
            content = base64.b64decode(node.findtext(f"{{{NS_MEMO}}}content", ""), validate=True)
        except binascii.Error as error:
            raise ValueError("a MeMo file is not base64") from error
        files.append(
            File(
                filename=node.findtext(f"{{{NS_MEMO}}}filename", ""),
                media_type=node.findtext(f"{{{NS_MEMO}}}encodingFormat", ""),
                content=content,
            )
        )
    return files


def file_entry(file: File) -> dict[str, Any]:
    return {
        "filename": file.filename,
        "media_type": file.media_type,
        "size": len(file.content),
        "sha256": hashlib.sha256(file.content).hexdigest(),
        "content": file.content,
    }

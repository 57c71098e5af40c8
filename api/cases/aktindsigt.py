"""Aktindsigt (access to records): the request, its deadline, the letters and the redacted file.

The child and the parents or custody holders are parties and have access under forvaltningsloven
(FVL) § 9; anyone else asks under offentlighedsloven (OFL) § 7. The municipality answers with a
decision, or with a fristbrev giving the reason and the date a decision can be expected, within
7 arbejdsdage of receipt (OFL § 36, rule D19; applied to parties too).

A granted request gets the case file (`api.cases.case_file`, the same builder that makes the
appeal package for Ankestyrelsen) up to the moment of the request, through these rules and no
others. The caseworker reads the export before deciding and refuses what the rules do not cover.

1. Reporter. A private or anonymous reporter of an underretning is never disclosed: the
   document says "Undtaget" where the reporter stood, and nothing of their name, workplace or
   e-mail. A professional reporter's workplace is shown; their own name and e-mail are not
   (FVL § 15 b; OFL § 30, nr. 1).
2. Names. Names the case store holds in structured fields about third parties (every reporter's
   name, and a private or anonymous reporter's workplace and e-mail) become "[udeladt]"
   wherever they appear in the file's text: in full, and each part of a name or workplace of
   three letters or more, as whole words with their capitals. Free text is not otherwise
   interpreted, so a name that no structured field holds is not found by this rule.
3. CPR numbers. Every CPR-shaped number (ddmmåå-xxxx or ten digits starting with a real date)
   other than the requester's and the child's becomes "[CPR-nr. udeladt]".
4. Order. Documents in chronological order, numbered from 1 in the document list.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert

from api.calendar import WorkingCalendar, add_working_days
from api.cases import case_file
from api.cases.case_file import SourceDocument, local_date, local_time
from api.cases.tables import aktindsigt_request, case, form_document, person
from api.cases.workflow import queue_message
from api.documents.pdf import CaseFile, PackageDocument, document_list_lines, render_case_file
from api.org.tables import municipality, org_unit
from api.projector import tables as rm
from api.rules.catalogue import current as current_rules
from api.underretninger.service import municipality_calendar

D19_WORKING_DAYS = 7  # OFL § 36: decision or fristbrev within 7 arbejdsdage
START_MESSAGE = "aktindsigt-modtaget"
DECISION_FORM = "aktindsigt_afgoerelse"
FRISTBREV_FORM = "aktindsigt_fristbrev"
WITHHELD = "Undtaget"
NAME_REMOVED = "[udeladt]"
CPR_REMOVED = "[CPR-nr. udeladt]"
_CPR = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{2})-?(\d{4})(?!\d)")
_NAME_PART = re.compile(r"[^\W\d_]{3,}")
PARTY_BASIS = ("forvaltningslovens § 9", "forvaltningslovens § 15 b")
PUBLIC_BASIS = ("offentlighedslovens § 7", "offentlighedslovens § 30, nr. 1")
KLAGEVEJLEDNING = (
    "Klagevejledning: Du kan klage over afgørelsen inden 4 uger efter, at du har modtaget den. "
    "Klagen sendes til kommunen, som genvurderer afgørelsen og sender klagen videre til "
    "Ankestyrelsen, hvis afgørelsen fastholdes.\n"
)


def _cpr_shaped(match: re.Match[str]) -> bool:
    day, month, year = (int(g) for g in match.groups()[:3])
    try:
        date(2000 + year, month, day)
    except ValueError:
        try:
            date(1900 + year, month, day)  # 29 February of a leap year in the 1900s
        except ValueError:
            return False
    return True


@dataclass(frozen=True)
class Redaction:
    """What is removed for one requester: CPR numbers other than `keep_cprs`, and `names`."""

    keep_cprs: frozenset[str]
    names: tuple[str, ...]

    @classmethod
    def for_file(cls, sources: Iterable[SourceDocument], keep_cprs: Iterable[str]) -> Redaction:
        """Rule 2's names from the reporters of the file's underretninger."""
        names: set[str] = set()
        for source in sources:
            reporter = source.reporter
            if reporter is None:
                continue
            known = [reporter.name]
            if reporter.kind != "professional":
                known.append(reporter.organisation)
                names.add((reporter.email or "").strip())
            for value in filter(None, known):
                names.add(value.strip())
                names.update(_NAME_PART.findall(value))
        # Longest first, so a full name goes before its parts and leaves one marker.
        ordered = sorted((n for n in names if n), key=lambda n: (-len(n), n))
        return cls(frozenset(keep_cprs), tuple(ordered))

    def text(self, value: str) -> str:
        for name in self.names:
            value = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", NAME_REMOVED, value)

        def cpr(match: re.Match[str]) -> str:
            digits = match.group(0).replace("-", "")
            if digits in self.keep_cprs or not _cpr_shaped(match):
                return match.group(0)
            return CPR_REMOVED

        return _CPR.sub(cpr, value)

    def document(self, source: SourceDocument) -> PackageDocument:
        fields = list(source.fields)
        if source.reporter is not None:
            fields[1:1] = reporter_fields(source.reporter)
        return PackageDocument(
            title=source.title,
            dated=local_date(source.at),
            fields=[(label, self.text(value)) for label, value in fields],
        )


def reporter_fields(reporter: case_file.Reporter) -> list[tuple[str, str]]:
    """Rule 1: who reported, as a requester may see it."""
    if reporter.kind != "professional":
        return [("Underretter", WITHHELD)]
    fields = [("Underretter", case_file.REPORTER_TYPES["professional"])]
    if reporter.organisation:
        fields.append(("Arbejdsplads", reporter.organisation))
    return fields


def redact(sources: Sequence[SourceDocument], keep_cprs: Iterable[str]) -> list[PackageDocument]:
    """The file a requester gets: every rule applied, oldest document first."""
    redaction = Redaction.for_file(sources, keep_cprs)
    return [redaction.document(s) for s in case_file.chronological(sources)]


@dataclass(frozen=True)
class Received:
    request_id: uuid.UUID
    due_at: datetime


def d19_deadline(received_at: datetime, calendar: WorkingCalendar) -> datetime:
    return add_working_days(received_at, D19_WORKING_DAYS, calendar)


def _case_calendar(conn: Connection, case_id: uuid.UUID) -> WorkingCalendar:
    municipality_id = conn.execute(
        select(case.c.municipality_id).where(case.c.id == case_id)
    ).scalar_one()
    return municipality_calendar(conn, municipality_id)


def receive(
    conn: Connection,
    *,
    case_row: Any,
    received_at: datetime,
    requester_cpr: str,
    scope: str | None,
    user_id: uuid.UUID,
) -> Received:
    """The request and its queued engine start, in the caller's transaction.

    Correlated by the request, not the case: the engine starts no second instance for a key
    whose instance is still running, and two parents may well ask at the same time.
    """
    request_id = uuid.uuid4()
    conn.execute(
        insert(aktindsigt_request).values(
            id=request_id,
            case_id=case_row.id,
            received_at=received_at,
            requester_cpr=requester_cpr,
            scope=scope or None,
            registered_by=user_id,
        )
    )
    unit = conn.execute(select(org_unit).where(org_unit.c.id == case_row.org_unit_id)).one()
    queue_message(
        conn,
        name=START_MESSAGE,
        correlation_key=str(request_id),
        message_id=f"aktindsigt-{request_id}",
        variables={
            "caseId": str(case_row.id),
            "aktindsigtId": str(request_id),
            "municipalityId": case_row.municipality_id,
            "dutyGroup": unit.duty_group,
            "leaderGroup": unit.leader_group,
            "ruleSet": current_rules(received_at.astimezone(UTC).date()).version,
        },
    )
    calendar = municipality_calendar(conn, case_row.municipality_id)
    return Received(request_id, d19_deadline(received_at, calendar))


def get(conn: Connection, request_id: uuid.UUID) -> Any:
    return conn.execute(
        select(aktindsigt_request).where(aktindsigt_request.c.id == request_id)
    ).one()


def deadline(conn: Connection, request_id: uuid.UUID) -> datetime:
    """D19 from the case store's receipt time and the municipality's working days."""
    row = get(conn, request_id)
    return d19_deadline(row.received_at, _case_calendar(conn, row.case_id))


def _child(conn: Connection, case_id: uuid.UUID) -> Any:
    return conn.execute(
        select(person.c.cpr, person.c.cpr_data)
        .join(case, case.c.child_id == person.c.id)
        .where(case.c.id == case_id)
    ).one()


def requester_role(conn: Connection, row: Any) -> str:
    """`child`, `parent` (mother, father or custody holder in CPR) or `other`."""
    child = _child(conn, row.case_id)
    if row.requester_cpr == child.cpr:
        return "child"
    data = dict(child.cpr_data or {})
    parents = {data.get("mother_cpr"), data.get("father_cpr")}
    parents |= {c.get("holder_cpr") for c in data.get("custody", [])}
    return "parent" if row.requester_cpr in parents else "other"


def _basis(conn: Connection, row: Any) -> tuple[str, str]:
    return PUBLIC_BASIS if requester_role(conn, row) == "other" else PARTY_BASIS


def export(conn: Connection, request_id: uuid.UUID, now: datetime) -> tuple[str, CaseFile]:
    """The redacted case file as of the request: its file name and its content."""
    row = get(conn, request_id)
    head = conn.execute(
        select(case.c.case_number, municipality.c.name)
        .join(municipality, municipality.c.id == case.c.municipality_id)
        .where(case.c.id == row.case_id)
    ).one()
    keep = {row.requester_cpr} | ({c} if (c := _child(conn, row.case_id).cpr) else set())
    documents = redact(case_file.sources(conn, row.case_id, until=row.received_at), keep)
    access, withheld = _basis(conn, row)
    cover = [
        ("Sagsnummer", head.case_number),
        ("Kommune", head.name),
        ("Anmodning modtaget", local_time(row.received_at)),
        ("Aktindsigt efter", access),
        ("Udeladt efter", withheld),
        ("Antal dokumenter", str(len(documents))),
        ("Dannet", local_time(now)),
    ]
    return f"aktindsigt-{head.case_number}.pdf", CaseFile(
        case_number=head.case_number,
        heading="Aktindsigt",
        footer=f"Aktindsigt i sag {head.case_number}",
        cover=cover,
        documents=documents,
        generated_at=now,
    )


def export_pdf(
    conn: Connection, case_id: uuid.UUID, request_id: uuid.UUID, now: datetime
) -> tuple[str, bytes] | None:
    """The export of a request on this case; None when the case has no such request."""
    found = conn.execute(
        select(aktindsigt_request.c.id).where(
            aktindsigt_request.c.id == request_id, aktindsigt_request.c.case_id == case_id
        )
    ).first()
    if found is None:
        return None
    name, content = export(conn, request_id, now)
    return name, render_case_file(content)


def _instance_document(
    conn: Connection, case_id: uuid.UUID, process_instance_key: int, form_id: str
) -> dict[str, Any]:
    """This instance's submitted form: two requests on one case each have their own."""
    data = conn.execute(
        select(form_document.c.data)
        .join(rm.user_task, rm.user_task.c.user_task_key == form_document.c.user_task_key)
        .where(
            form_document.c.case_id == case_id,
            form_document.c.form_id == form_id,
            form_document.c.status == "submitted",
            rm.user_task.c.process_instance_key == process_instance_key,
        )
        .order_by(form_document.c.saved_at.desc())
    ).scalar()
    if data is None:
        raise LookupError(f"the instance has no submitted {form_id} document")
    return dict(data)


def _case_number(conn: Connection, case_id: uuid.UUID) -> str:
    return str(conn.execute(select(case.c.case_number).where(case.c.id == case_id)).scalar_one())


@dataclass(frozen=True)
class Letter:
    recipient_cpr: str
    subject: str
    body: str
    attachment: tuple[str, bytes] | None = None


def fristbrev(
    conn: Connection, request_id: uuid.UUID, process_instance_key: int
) -> tuple[Letter, date]:
    """The fristbrev (OFL § 36, stk. 2): why the decision takes longer, and when it comes."""
    row = get(conn, request_id)
    data = _instance_document(conn, row.case_id, process_instance_key, FRISTBREV_FORM)
    expected = date.fromisoformat(str(data["expected_by"]))
    body = (
        f"Vi har den {local_date(row.received_at):%d.%m.%Y} modtaget din anmodning om "
        f"aktindsigt i sag {_case_number(conn, row.case_id)}.\n\n"
        f"Vi kan ikke træffe afgørelse inden 7 arbejdsdage. Det skyldes: {data['reason']}\n\n"
        f"Vi forventer at kunne træffe afgørelse senest den {expected:%d.%m.%Y}.\n\n"
        "Har du ikke fået en afgørelse 14 dage efter, at vi modtog din anmodning, kan du klage "
        "over sagsbehandlingstiden til Ankestyrelsen.\n"
    )
    return Letter(row.requester_cpr, "Din anmodning om aktindsigt", body), expected


def decision(
    conn: Connection, request_id: uuid.UUID, process_instance_key: int, now: datetime
) -> tuple[Letter, str]:
    """The decision letter, with the redacted case file as a PDF when access is granted."""
    row = get(conn, request_id)
    data = _instance_document(conn, row.case_id, process_instance_key, DECISION_FORM)
    if data["decision"] != "grant":
        body = (
            f"Du får ikke aktindsigt i sag {_case_number(conn, row.case_id)}.\n\n"
            f"Begrundelse: {data['reasoning']}\n\n" + KLAGEVEJLEDNING
        )
        return Letter(row.requester_cpr, "Afgørelse om aktindsigt", body), "refuse"
    access, withheld = _basis(conn, row)
    name, content = export(conn, request_id, now)
    body = (
        f"Du får aktindsigt i sag {content.case_number} efter {access}. Sagens dokumenter til og "
        f"med den {local_date(row.received_at):%d.%m.%Y} er vedlagt som PDF.\n\n"
        f"Efter {withheld} har vi udeladt: hvem der har underrettet som privatperson eller "
        "anonymt, en fagpersons navn og e-mail, andre personers CPR-numre og navne på andre "
        "personer, som sagen har registreret.\n\n"
        f"Begrundelse: {data['reasoning']}\n\n"
        "Dokumentliste:\n" + "\n".join(document_list_lines(content)) + "\n\n" + KLAGEVEJLEDNING
    )
    letter = Letter(
        row.requester_cpr, "Afgørelse om aktindsigt", body, (name, render_case_file(content))
    )
    return letter, "grant"


def mark_fristbrev(
    conn: Connection, request_id: uuid.UUID, sent_at: datetime, expected: date
) -> None:
    conn.execute(
        update(aktindsigt_request)
        .where(aktindsigt_request.c.id == request_id, aktindsigt_request.c.status == "received")
        .values(status="extended", fristbrev_sent_at=sent_at, expected_by=expected)
    )


def mark_decided(
    conn: Connection, request_id: uuid.UUID, decided_at: datetime, outcome: str
) -> None:
    conn.execute(
        update(aktindsigt_request)
        .where(aktindsigt_request.c.id == request_id)
        .values(status="decided", decided_at=decided_at, decision=outcome)
    )


def aktindsigt_view(conn: Connection, case_id: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
    """The case page's requests: D19, how far each has come; never who asked (a CPR number)."""
    rows = conn.execute(
        select(aktindsigt_request)
        .where(aktindsigt_request.c.case_id == case_id)
        .order_by(aktindsigt_request.c.received_at)
    ).all()
    if not rows:
        return []
    calendar = _case_calendar(conn, case_id)
    views = []
    for r in rows:
        due = d19_deadline(r.received_at, calendar)
        views.append(
            {
                "id": str(r.id),
                "received_at": r.received_at,
                "due_at": due,
                "overdue": r.status == "received" and due < now,
                "requester": requester_role(conn, r),
                "status": r.status,
                "fristbrev_sent_at": r.fristbrev_sent_at,
                "expected_by": r.expected_by,
                "decided_at": r.decided_at,
                "decision": r.decision,
            }
        )
    return views

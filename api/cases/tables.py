"""The case store: children and parties, cases, underretninger, form documents and advis.

Personal data lives here and only here; the engine gets ids, dates and codes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from api.model import metadata

person = Table(
    "person",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    # NULL for an unborn child, who is known through the mother's CPR number until born.
    Column("cpr", Text, nullable=True, unique=True),
    Column("unborn_mother_id", UUID(as_uuid=True), ForeignKey("person.id"), nullable=True),
    Column("expected_birth_date", Date, nullable=True),
    # The last answer from CPR (SF1520), as our adapter's Person, JSON-encoded.
    Column("cpr_data", JSONB, nullable=True),
    Column("cpr_looked_up_at", DateTime(timezone=True), nullable=True),
    Column("cpr_status", Text, nullable=False, server_default="pending"),
    # An anonymised person (retention, api/retention) has neither: the case keeps no identity.
    CheckConstraint(
        "cpr IS NOT NULL OR unborn_mother_id IS NOT NULL OR cpr_status = 'anonymised'",
        name="cpr_or_unborn_mother",
    ),
    CheckConstraint(
        "cpr_status IN ('pending', 'found', 'not_found', 'anonymised')", name="known_cpr_status"
    ),
)

case = Table(
    "case",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_number", Text, nullable=False, unique=True),
    Column("municipality_id", Text, ForeignKey("municipality.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), nullable=False),
    Column("child_id", UUID(as_uuid=True), ForeignKey("person.id"), nullable=False),
    # KLE emne (brugervendt nøgle), e.g. 34.10.10: in the classification loaded from SF1510.
    Column("kle_subject", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    # Restricted cases are visible only to the users named in case_access.
    Column("restricted", Boolean, nullable=False, server_default="false"),
    Column("flags", JSONB, nullable=False, server_default="[]"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # One case per child and KLE subject within a municipality.
    UniqueConstraint("municipality_id", "child_id", "kle_subject"),
    # A team's cases (every task list joins them; migration 0029_overview_filters).
    Index("ix_case_unit", "municipality_id", "org_unit_id"),
)

case_access = Table(
    "case_access",
    metadata,
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), primary_key=True),
    Column("user_id", UUID(as_uuid=True), ForeignKey("app_user.id"), primary_key=True),
)

underretning = Table(
    "underretning",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("reporter_type", Text, nullable=False),
    Column("reporter_name", Text, nullable=True),
    Column("reporter_organisation", Text, nullable=True),
    Column("reporter_email", Text, nullable=True),
    # The professional reporter's workplace: kvittering and orientering go there by Digital Post.
    Column("reporter_cvr", Text, nullable=True),
    Column("concern", Text, nullable=False),
    Column("concerns_abuse", Boolean, nullable=False, server_default="false"),
    Column("unborn", Boolean, nullable=False, server_default="false"),
    Column("created_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint(
        "reporter_type IN ('professional', 'private', 'anonymous')", name="known_reporter_type"
    ),
    Index("ix_underretning_case", "case_id"),
)

# Commands for the engine, written in the same transaction as the data they belong to, so a
# broker outage never loses a start and a retry never starts twice (messageId dedupes).
outbox = Table(
    "outbox",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("message_name", Text, nullable=False),
    Column("correlation_key", Text, nullable=False),
    Column("message_id", Text, nullable=False, unique=True),
    Column("variables", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text, nullable=True),
    Index("ix_outbox_unsent", "next_attempt_at", postgresql_where="sent_at IS NULL"),
)

# A submitted or draft form, keyed by the user task it belongs to: a retried submission
# overwrites its draft instead of adding a second document.
form_document = Table(
    "form_document",
    metadata,
    Column("user_task_key", BigInteger, primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("form_id", Text, nullable=False),
    Column("form_key", BigInteger, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("status", Text, nullable=False),
    Column("saved_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("saved_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('draft', 'submitted')", name="known_status"),
    Index("ix_form_document_case", "case_id"),
)

# Deadline alerts (advis) for people, e.g. the team leader when D1 is breached.
advis = Table(
    "advis",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("org_unit_id", UUID(as_uuid=True), ForeignKey("org_unit.id"), nullable=False),
    Column("rule_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("for_role", Text, nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("seen_at", DateTime(timezone=True), nullable=True),
    # One advis per rule and instance: a retried job never raises a second one.
    UniqueConstraint("process_instance_key", "rule_id", "kind"),
)

# Letters sent for a case (kvittering, orientering, afgørelse): what, to whom (kind only) and when
# it was delivered. Unique per idempotency key, so a retried job never records or sends twice.
letter = Table(
    "letter",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("recipient_kind", Text, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("message_id", Text, nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=False),
    Index("ix_letter_case", "case_id"),
)

# An appeal (klage) of a decision, registered by the caseworker when it arrives.
appeal = Table(
    "appeal",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("decision_instance_key", BigInteger, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("registered_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_appeal_case", "case_id"),
)

# A partshøring (FVL § 19): what was sent to which parties, and until when they may comment (D20).
# One per sending job (idempotency key), so a retried job never sends or records a second hearing.
hearing = Table(
    "hearing",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("idempotency_key", Text, nullable=False, unique=True),
    Column("material", Text, nullable=False),
    # The parties heard: CPR numbers of the custody holders (personal data stays in the case store).
    Column("parties", JSONB, nullable=False),
    # Exempt after FVL § 19 stk. 2: nothing sent, `material` holds the reason.
    Column("exempt", Boolean, nullable=False, server_default="false"),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_reason", Text, nullable=True),
    CheckConstraint(
        "closed_reason IS NULL OR closed_reason IN ('all_answered', 'period_ended', 'exempt')",
        name="known_closed_reason",
    ),
    Index("ix_hearing_case", "case_id"),
)

# A party's comments in a hearing, registered by the caseworker when they arrive.
hearing_response = Table(
    "hearing_response",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("hearing_id", UUID(as_uuid=True), ForeignKey("hearing.id"), nullable=False),
    Column("party_index", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("comments", Text, nullable=False),
    # The party has nothing more to add: when every party says so, the hearing ends early.
    Column("final", Boolean, nullable=False, server_default="true"),
    Column("registered_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_hearing_response_hearing", "hearing_id"),
)

# A statusudtalelse requested from the child's school, daycare or health visitor during a BFU,
# sent by Digital Post to the institution's CVR; the reply is registered when it arrives.
statement_request = Table(
    "statement_request",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("process_instance_key", BigInteger, nullable=False),
    Column("institution_kind", Text, nullable=False),
    Column("institution_name", Text, nullable=False),
    Column("cvr", Text, nullable=False),
    Column("questions", Text, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("reminders_sent", Integer, nullable=False, server_default="0"),
    Column("status", Text, nullable=False, server_default="requested"),
    Column("replied_at", DateTime(timezone=True), nullable=True),
    Column("reply", Text, nullable=True),
    Column("registered_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=True),
    CheckConstraint(
        "institution_kind IN ('school', 'daycare', 'health')", name="known_institution_kind"
    ),
    CheckConstraint("status IN ('requested', 'answered', 'unanswered')", name="known_status"),
    # One request per institution kind and investigation: a retried job sends nothing twice.
    UniqueConstraint("process_instance_key", "institution_kind"),
    Index("ix_statement_request_case", "case_id"),
)

# An indsats or anbringelse the child has, from the decision that granted it to its end.
measure = Table(
    "measure",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("legal_basis", Text, nullable=False),
    # The decision that granted it here; none for a measure continued from another
    # municipality's decision after a move (BL § 132), which names its package instead.
    Column("decision_instance_key", BigInteger, nullable=True, unique=True),
    Column("transfer_id", UUID(as_uuid=True), ForeignKey("transfer_in.id"), nullable=True),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("kind IN ('indsats', 'anbringelse')", name="known_kind"),
    CheckConstraint(
        "decision_instance_key IS NOT NULL OR transfer_id IS NOT NULL",
        name="decided_or_continued",
    ),
    Index("ix_measure_case", "case_id"),
)

# A request for aktindsigt (FVL § 9 for parties, OFL § 7 for others): who asked (their CPR
# number stays here), when, and how it was answered: a fristbrev, then the decision (D19).
aktindsigt_request = Table(
    "aktindsigt_request",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("requester_cpr", Text, nullable=False),
    # What the requester asked for, in their words (optional: the whole case by default).
    Column("scope", Text, nullable=True),
    Column("status", Text, nullable=False, server_default="received"),
    Column("fristbrev_sent_at", DateTime(timezone=True), nullable=True),
    Column("expected_by", Date, nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decision", Text, nullable=True),
    Column("registered_by", UUID(as_uuid=True), ForeignKey("app_user.id"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("status IN ('received', 'extended', 'decided')", name="known_status"),
    CheckConstraint("decision IS NULL OR decision IN ('grant', 'refuse')", name="known_decision"),
    Index("ix_aktindsigt_request_case", "case_id"),
)

# Events for Danmarks Statistik (BEK 1295/2023), noted where they happen; the reporting sends
# them and stamps `delivered_at`. One per subject, event and change key, so a retried job notes
# nothing twice.
statistics_event = Table(
    "statistics_event",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("subject", Text, nullable=False),
    Column("subject_id", UUID(as_uuid=True), nullable=False),
    Column("event", Text, nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("code", Text, nullable=False, server_default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    # '' for a start or an end; a change has a key of its own (what changed and where it was
    # decided), so several changes can exist for one subject and a retried job notes each once.
    Column("change_key", Text, nullable=False, server_default=""),
    # The legal basis in effect from a start or a change of an indsats or anbringelse.
    Column("legal_basis", Text, nullable=True),
    CheckConstraint(
        "subject IN ('sag', 'underretning', 'indsats', 'anbringelse')", name="known_subject"
    ),
    CheckConstraint("event IN ('start', 'change', 'end')", name="known_event"),
    CheckConstraint("(event = 'change') = (change_key <> '')", name="keyed_change"),
    UniqueConstraint("subject_id", "subject", "event", "change_key"),
    Index("ix_statistics_event_case", "case_id"),
)

# The CPR event feed: how far we have read (one row per feed) and which events were handled, so
# an event read twice (a restart between handling and moving the cursor) is handled once.
# No personal data: the event's own id, its type and the outcome.
cpr_event_cursor = Table(
    "cpr_event_cursor",
    metadata,
    Column("feed", Text, primary_key=True),
    Column("position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

cpr_event_log = Table(
    "cpr_event_log",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("event_type", Text, nullable=False),
    Column("sequence", BigInteger, nullable=False),
    Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("outcome", Text, nullable=False),
)

# Deadlines kept outside the engine: the Børnesagsbarometer deadlines of work done before a case
# ran on the engine here (the synthetic year of `api.demo.synthetic`; history imported from the
# predecessor system). Beside the read model's deadline timers, the compliance figures
# (`api.web.compliance`) count them. One row per deadline: when it started and fell due, when
# the work was done (none: not yet), and why it was late. `rule` is the deadline rule (D5, D6,
# D8, D9) or 'samtale' (a decision, due at its moment, met by a samtale held before it).
deadline_history = Table(
    "deadline_history",
    metadata,
    Column("id", UUID(as_uuid=True), primary_key=True),
    Column("case_id", UUID(as_uuid=True), ForeignKey("case.id"), nullable=False),
    Column("rule", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    # The reason given for a late deadline ('Årsag til overskredet frist'); no personal data.
    Column("reason", Text, nullable=True),
    # Where the row came from: 'syntetisk' (api.demo.synthetic) or an import's name.
    Column("source", Text, nullable=False),
    CheckConstraint("rule IN ('D5', 'D6', 'D8', 'D9', 'samtale')", name="known_rule"),
    CheckConstraint("due_at >= started_at", name="due_after_start"),
    Index("ix_deadline_history_case", "case_id"),
)

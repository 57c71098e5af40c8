"""Job workers of a flytning (BL § 132): the handover deadline, the material, the handover."""

import uuid
from datetime import date

from pyzeebe import Job, ZeebeTaskRouter
from pyzeebe.errors import BusinessError

from adapters.digitalpost import Attachment, Recipient
from api.calendar.working_days import COPENHAGEN
from api.cases import moves
from api.cases.decisions import latest_document
from api.documents.pdf import document_list_lines, render_case_file
from api.transfers import sending
from workers import transfers
from workers.base import task
from workers.resources import resources, send_letter

router = ZeebeTaskRouter()


@task(
    router,
    "flytning.start",
    label="Beregn frist for overdragelse",
    outputs=("handoverDueAt",),
    timeout_ms=15_000,
)
def start() -> dict[str, object]:
    """D25: the new municipality is told at once; in practice within a week."""
    return {"handoverDueAt": moves.handover_due(resources().clock.now()).isoformat()}


@task(
    router,
    "flytning.send-material",
    label="Send sagen til den nye kommune",
    errors=("unknown-municipality", "transfer-rejected"),
    timeout_ms=120_000,
)
def send_material(caseId: str, newMunicipalityId: str, movedOn: str, job: Job) -> dict[str, object]:
    """The case package through SF2900 to the new municipality (`workers.transfers`); without
    SF2900, the summary and the case file as a PDF by Digital Post to its CVR. Sent once,
    however often retried."""
    res = resources()
    case_id = uuid.UUID(caseId)
    if transfers.enabled():
        try:
            transfers.send_package(
                case_id, newMunicipalityId, job.process_instance_key, transfers.moved_on(movedOn)
            )
        except moves.UnknownMunicipality:
            raise BusinessError(
                "unknown-municipality", "Den nye kommune har intet CVR-nummer i systemet"
            ) from None
        return {}
    try:
        with res.engine.begin() as conn:
            cvr = moves.receiving_cvr(conn, newMunicipalityId)
            package = moves.transfer_file(conn, case_id, res.clock.now())
    except moves.UnknownMunicipality:
        raise BusinessError(
            "unknown-municipality", "Den nye kommune har intet CVR-nummer i systemet"
        ) from None
    send_letter(
        res,
        case_id=case_id,
        kind="flytning",
        recipient=Recipient("cvr", cvr),
        subject="Overdragelse af sag ved flytning (barnets lov § 132)",
        body="Sagens akter er vedlagt som PDF.\n\nDokumentliste:\n"
        + "\n".join(document_list_lines(package))
        + "\n",
        idempotency_key=f"flytning-{job.process_instance_key}",
        attachments=[
            Attachment(
                f"overdragelse-{package.case_number}.pdf",
                "application/pdf",
                render_case_file(package),
            )
        ],
    )
    return {}


@task(router, "case.transfer", label="Overdrag sagen", timeout_ms=15_000)
def transfer(caseId: str) -> dict[str, object]:
    """Closed here; its running measures end on the handover date (DST: SLUT, `flyttet`); a
    package sent through SF2900 makes the case read-only from the handover."""
    res = resources()
    case_id = uuid.UUID(caseId)
    today = res.clock.now().astimezone(COPENHAGEN).date()
    with res.engine.begin() as conn:
        handover = latest_document(conn, case_id, "flytning_overdragelse")
        handed_over_on = date.fromisoformat(str(handover["handover_date"]))
        moves.transfer(conn, case_id, today, handed_over_on)
        sending.handed_over(conn, case_id, handed_over_on)
    return {}

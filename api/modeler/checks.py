"""The deploy check: what `POST /api/deployments` runs before anything reaches the engine.

The same checks as `make test` (bpmn/lint/run.sh), on the uploaded files: the XML is well formed,
the project's bpmnlint config passes (bpmnlint's recommended rules, camunda-compat for 8.5 and our
plugin, which checks that job types have workers and that timers name a deadline rule of the
catalogue, both through `bpmn/lint/registry.json`), and every form a user task links is in the
upload or already deployed. Each problem names the file, the element and the rule.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[2]
LINT_DIR = REPO / "bpmn" / "lint"
LINT_SCRIPT = Path(__file__).resolve().parent / "lint.js"
SUFFIXES = (".bpmn", ".dmn", ".form")
MAX_FILE_BYTES = 2_000_000
MAX_FILES = 20
LINT_TIMEOUT_SECONDS = 60

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
)


@dataclass(frozen=True)
class Upload:
    name: str
    content: bytes

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()


@dataclass(frozen=True)
class Problem:
    file: str
    element_id: str | None
    rule: str
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


class LintUnavailableError(Exception):
    """The linter cannot run here (no Node.js, or bpmn/lint not installed)."""


def parse_xml(content: bytes) -> etree._Element:
    """Parses without entities, DTDs or network access; raises etree.XMLSyntaxError."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    return etree.fromstring(content, parser)


def _xml(upload: Upload, problems: list[Problem]) -> etree._Element | None:
    try:
        root = parse_xml(upload.content)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        problems.append(
            Problem(
                upload.name,
                None,
                "xml-well-formed",
                f"XML er ikke velformet (linje {line}, kolonne {column}): {exc.msg}",
            )
        )
        return None
    if root.getroottree().docinfo.internalDTD is not None:
        problems.append(Problem(upload.name, None, "xml-well-formed", "XML med en DTD afvises"))
        return None
    expected = (
        [f"{{{BPMN_NS}}}definitions"]
        if upload.suffix == ".bpmn"
        else [f"{{{ns}}}definitions" for ns in DMN_NAMESPACES]
    )
    if root.tag not in expected:
        kind = "BPMN 2.0" if upload.suffix == ".bpmn" else "DMN 1.2/1.3"
        problems.append(
            Problem(upload.name, None, "xml-root", f"Roden er ikke <definitions> fra {kind}")
        )
        return None
    return root


def _form_id(upload: Upload, problems: list[Problem]) -> str | None:
    try:
        schema = json.loads(upload.content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(upload.name, None, "form-json", f"Formularen er ikke JSON: {exc}"))
        return None
    if not isinstance(schema, dict):
        problems.append(Problem(upload.name, None, "form-schema", "Formularen er ikke et objekt"))
        return None
    form_id = schema.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        problems.append(Problem(upload.name, None, "form-schema", "Formularen har intet id"))
        return None
    if not isinstance(schema.get("components"), list):
        problems.append(
            Problem(upload.name, form_id, "form-schema", "Formularen har ingen components-liste")
        )
        return None
    return form_id


def linked_forms(root: etree._Element) -> list[tuple[str, str]]:
    """(user task id, form id) for every user task that links a form by formId."""
    found = []
    for user_task in root.iter(f"{{{BPMN_NS}}}userTask"):
        for definition in user_task.iter(f"{{{ZEEBE_NS}}}formDefinition"):
            form_id = definition.get("formId")
            if form_id:
                found.append((user_task.get("id", ""), form_id))
    return found


def lint(files: Sequence[tuple[str, str]]) -> dict[str, list[dict[str, str | None]]]:
    """Runs bpmn/lint's config through Node on (name, xml) pairs: {name: [report]}."""
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules" / "bpmnlint").is_dir():
        raise LintUnavailableError(
            "BPMN-lint kan ikke køre: Node.js eller bpmn/lint/node_modules mangler"
        )
    payload = json.dumps({"files": [{"name": n, "xml": x} for n, x in files]})
    try:
        result = subprocess.run(
            [node, str(LINT_SCRIPT)],
            input=payload,
            capture_output=True,
            text=True,
            timeout=LINT_TIMEOUT_SECONDS,
            check=False,
            cwd=LINT_DIR,
        )
    except subprocess.TimeoutExpired as exc:
        raise LintUnavailableError("BPMN-lint svarede ikke i tide") from exc
    if result.returncode != 0:
        raise LintUnavailableError(f"BPMN-lint fejlede: {result.stderr[-500:]}")
    try:
        results = json.loads(result.stdout)["results"]
        return {entry["name"]: entry["problems"] for entry in results}
    except (ValueError, KeyError, TypeError) as exc:
        raise LintUnavailableError("BPMN-lint svarede ikke med et resultat") from exc


def _shape(uploads: Sequence[Upload]) -> list[Problem]:
    problems = []
    if not uploads:
        problems.append(Problem("", None, "files", "Ingen filer at udrulle"))
    if len(uploads) > MAX_FILES:
        problems.append(Problem("", None, "files", f"Højst {MAX_FILES} filer ad gangen"))
    seen: set[str] = set()
    for upload in uploads:
        if upload.suffix not in SUFFIXES:
            problems.append(
                Problem(upload.name, None, "file-type", "Kun .bpmn-, .dmn- og .form-filer")
            )
        if upload.name in seen:
            problems.append(Problem(upload.name, None, "files", "Filen er med to gange"))
        seen.add(upload.name)
        if len(upload.content) > MAX_FILE_BYTES:
            problems.append(
                Problem(upload.name, None, "file-size", f"Filen er over {MAX_FILE_BYTES} bytes")
            )
    return problems


def check(uploads: Sequence[Upload], deployed_form_ids: Iterable[str]) -> list[Problem]:
    """Every problem of the upload; empty means it may be deployed."""
    problems = _shape(uploads)
    if problems:
        return problems
    form_ids: dict[str, str] = {}
    models: list[tuple[Upload, etree._Element]] = []
    for upload in uploads:
        if upload.suffix == ".form":
            form_id = _form_id(upload, problems)
            if form_id is None:
                continue
            if form_id in form_ids:
                problems.append(
                    Problem(
                        upload.name,
                        form_id,
                        "form-duplicate",
                        f"Formular-id {form_id} findes også i {form_ids[form_id]}",
                    )
                )
            form_ids[form_id] = upload.name
        else:
            try:
                upload.content.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(upload.name, None, "encoding", "Filen skal være UTF-8"))
                continue
            root = _xml(upload, problems)
            if root is not None and upload.suffix == ".bpmn":
                models.append((upload, root))
    known = set(form_ids) | set(deployed_form_ids)
    for upload, root in models:
        for task_id, form_id in linked_forms(root):
            if form_id not in known:
                problems.append(
                    Problem(
                        upload.name,
                        task_id,
                        "form-exists",
                        f"Formularen {form_id} er hverken i udrulningen eller udrullet før",
                    )
                )
    if models:
        reports = lint([(u.name, u.content.decode("utf-8")) for u, _ in models])
        for upload, _ in models:
            problems += [
                Problem(upload.name, report["id"], str(report["rule"]), str(report["message"]))
                for report in reports.get(upload.name, [])
                if report["category"] == "error"
            ]
    return problems

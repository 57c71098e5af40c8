"""The modeler's element templates and deploy check, without a running stack."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import pytest

from api.modeler import checks, engine, templates
from tests.harness import models as m


def test_committed_element_templates_are_current() -> None:
    assert templates.main(["--check"]) == 0, "run python -m api.modeler.templates --write"


def test_stale_templates_fail_the_check(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry = templates.load_registry()
    changed = copy.deepcopy(registry)
    changed["jobTypes"]["cpr.lookup-person"]["label"] = "Et andet navn"
    monkeypatch.setattr(templates, "load_registry", lambda: changed)
    assert templates.main(["--check"]) == 1


def test_one_template_per_job_type_with_danish_labels() -> None:
    registry = templates.load_registry()
    built = {t["id"]: t for t in templates.build(registry)}
    assert len(built) == len(registry["jobTypes"])
    cpr = built["dk.boernesag.job.cpr.lookup-person"]
    assert cpr["name"] == "CPR-opslag"
    assert cpr["elementType"] == {"value": "bpmn:ServiceTask"}
    task_type = [p for p in cpr["properties"] if p["binding"]["type"] == "zeebe:taskDefinition"]
    assert task_type == [
        {
            "type": "Hidden",
            "value": "cpr.lookup-person",
            "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        }
    ]
    case_input = next(p for p in cpr["properties"] if p["binding"].get("name") == "caseId")
    assert case_input["label"] == "Sagens id (caseId)"
    assert "CPR_NOT_FOUND" in cpr["description"]
    bfu = built["dk.boernesag.job.deadline.compute-bfu"]
    outputs = [p["binding"]["source"] for p in bfu["properties"] if p.get("group") == "outputs"]
    assert outputs == ["=d5DueAt", "=d5bRemindersFrom"]


def test_a_variable_without_a_danish_label_stops_the_generator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = copy.deepcopy(templates.load_registry())
    registry["jobTypes"]["cpr.lookup-person"]["inputs"].append("somethingNew")
    with pytest.raises(templates.MissingLabelsError, match="somethingNew"):
        templates.build(registry)
    monkeypatch.setattr(templates, "load_registry", lambda: registry)
    assert templates.main(["--check"]) == 1
    assert "somethingNew" in capsys.readouterr().err


def _rules(uploads: list[checks.Upload], deployed: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    return {(p.file, p.element_id or "", p.rule) for p in checks.check(uploads, deployed)}


def up(name: str, text: str | bytes) -> checks.Upload:
    return checks.Upload(name, text.encode() if isinstance(text, str) else text)


def test_a_valid_process_with_its_form_passes() -> None:
    model = m.process("unit_ok", m.service_task("unit_ok_step", "platform.noop"))
    linked = m.process("unit_ok_forms", m.user_task("unit_ok_task", "unit_ok_form"))
    assert (
        _rules([up("a.bpmn", model), up("b.bpmn", linked), up("f.form", m.form("unit_ok_form"))])
        == set()
    )
    # A form deployed before counts as existing.
    assert _rules([up("b.bpmn", linked)], deployed=("unit_ok_form",)) == set()


@pytest.mark.parametrize(
    ("step", "rule"),
    [
        (m.service_task("unit_bad", "no.such-worker"), "boernesag/registered-job-types"),
        (m.timer("unit_bad", None), "boernesag/deadline-rule"),
        (m.timer("unit_bad", "D999"), "boernesag/deadline-rule"),
        (m.user_task("unit_bad", "no_such_form"), "form-exists"),
        (m.service_task("Activity_0abc123", "platform.noop"), "boernesag/readable-ids"),
    ],
)
def test_each_rule_names_its_element(step: m.Step, rule: str) -> None:
    model = m.process("unit_case", step)
    found = _rules([up("x.bpmn", model)])
    assert ("x.bpmn", step.id, rule) in found


def test_xml_and_file_problems() -> None:
    assert _rules([up("x.bpmn", "<bpmn:definitions")]) == {("x.bpmn", "", "xml-well-formed")}
    assert _rules([up("x.bpmn", "<definitions/>")]) == {("x.bpmn", "", "xml-root")}
    assert _rules([up("x.dmn", "<a><b></a>")]) == {("x.dmn", "", "xml-well-formed")}
    doctype = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'
    assert _rules([up("x.bpmn", doctype)]) == {("x.bpmn", "", "xml-well-formed")}
    assert _rules([up("x.bpmn", "<x>\xe6</x>".encode("latin-1"))]) == {("x.bpmn", "", "encoding")}
    assert _rules([up("notes.txt", "hej")]) == {("notes.txt", "", "file-type")}
    assert _rules([]) == {("", "", "files")}
    assert _rules([up("f.form", "{")]) == {("f.form", "", "form-json")}
    assert _rules([up("f.form", json.dumps({"components": []}))]) == {("f.form", "", "form-schema")}
    assert ("g.form", "dup", "form-duplicate") in _rules(
        [up("f.form", m.form("dup")), up("g.form", m.form("dup"))]
    )


def test_an_unreachable_broker_is_reported_as_unavailable() -> None:
    started = time.monotonic()
    with pytest.raises(engine.EngineUnavailableError, match="intet er udrullet"):
        engine.deploy("127.0.0.1:9", [up("x.bpmn", m.process("unit_down"))])
    assert time.monotonic() - started < engine.DEPLOY_TIMEOUT_SECONDS


def test_a_linter_that_cannot_run_or_answers_nonsense_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = [("x.bpmn", m.process("unit_lint"))]
    nonsense = tmp_path / "nonsense.js"
    nonsense.write_text("process.stdout.write('not json');\n")
    monkeypatch.setattr(checks, "LINT_SCRIPT", nonsense)
    with pytest.raises(checks.LintUnavailableError, match="ikke med et resultat"):
        checks.lint(model)
    failing = tmp_path / "failing.js"
    failing.write_text("process.exit(3);\n")
    monkeypatch.setattr(checks, "LINT_SCRIPT", failing)
    with pytest.raises(checks.LintUnavailableError, match="fejlede"):
        checks.lint(model)
    monkeypatch.setattr(checks.shutil, "which", lambda _: None)
    with pytest.raises(checks.LintUnavailableError, match="mangler"):
        checks.lint(model)

"""POST /api/deployments on the real engine: checks, the deployment, versions and the record."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from pyzeebe.errors import ProcessDefinitionNotFoundError
from sqlalchemy import insert, select

from api.auth.service import hash_password
from api.demo.seed import unit_id
from api.modeler import versions
from api.modeler.tables import deployment, deployment_file
from api.org.tables import app_user, user_role
from tests.harness import models as m
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually


@pytest.fixture(scope="module")
def analyst(platform: Platform) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "analyst")
    yield client
    client.close()


def pid(name: str) -> str:
    return f"{name}_{uuid.uuid4().hex[:8]}"


def deploy(client: ApiClient, *files: tuple[str, str | bytes]) -> httpx.Response:
    return client.http.post(
        "/api/deployments",
        files=[
            ("files", (name, content if isinstance(content, bytes) else content.encode()))
            for name, content in files
        ],
    )


def assert_not_deployed(platform: Platform, *process_ids: str) -> None:
    for process_id in process_ids:
        with pytest.raises(ProcessDefinitionNotFoundError):
            platform.engine.start(process_id)


def problems_of(response: httpx.Response) -> set[tuple[Any, ...]]:
    assert response.status_code == 422, response.text
    return {(p["file"], p["element_id"], p["rule"]) for p in response.json()["problems"]}


def test_a_good_deploy_creates_a_version_and_a_record(
    platform: Platform, analyst: ApiClient
) -> None:
    process_id, form_id = pid("modeller_ok"), pid("modeller_ok_form")
    model = m.process(
        process_id,
        m.service_task(f"{process_id}_step", "platform.noop", name="CPR-opslag"),
        m.user_task(f"{process_id}_task", form_id),
    )
    form = m.form(form_id)
    response = deploy(analyst, ("ny.bpmn", model), ("ny.form", form))
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(d["bpmn_process_id"], d["version"]) for d in body["deployed"]] == [(process_id, 1)]
    assert [f["form_id"] for f in body["forms"]] == [form_id]

    def listed() -> list[dict[str, Any]]:
        response = analyst.get(f"/api/modeler/processes/{process_id}/versions")
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    versions = eventually(listed, what="the version in the read model")
    assert versions[0]["version"] == 1
    assert versions[0]["key"] == body["deployed"][0]["key"]
    assert versions[0]["deployed_by"] == "analyst"

    # A changed model is version 2; the list is newest first.
    changed = model.replace('name="Testproces"', 'name="Testproces, ændret"')
    second = deploy(analyst, ("ny.bpmn", changed))
    assert second.status_code == 201, second.text
    assert second.json()["deployed"][0]["version"] == 2
    eventually(lambda: [v["version"] for v in listed()] == [2, 1], what="version 2 listed first")
    xml = analyst.get(f"/api/modeler/processes/{process_id}/versions/2").json()["xml"]
    assert "Testproces, ændret" in xml

    # The record: who, when, which files with their hash.
    with platform.db.connect() as conn:
        row = conn.execute(select(deployment).where(deployment.c.id == uuid.UUID(body["id"]))).one()
        files = conn.execute(
            select(deployment_file.c.name, deployment_file.c.sha256).where(
                deployment_file.c.deployment_id == row.id
            )
        ).all()
    assert row.username == "analyst"
    assert row.municipality_id == "901"
    assert str(row.deployment_key) == body["deployment_key"]
    assert sorted(files) == sorted(
        [
            ("ny.bpmn", hashlib.sha256(model.encode()).hexdigest()),
            ("ny.form", hashlib.sha256(form.encode()).hexdigest()),
        ]
    )
    listed = next(d for d in analyst.get("/api/deployments").json() if d["id"] == body["id"])
    assert listed["username"] == "analyst"
    assert {f["name"] for f in listed["files"]} == {"ny.bpmn", "ny.form"}


@pytest.mark.parametrize(
    ("make_step", "rule"),
    [
        (lambda p: m.service_task(f"{p}_step", "no.such-worker"), "boernesag/registered-job-types"),
        (lambda p: m.timer(f"{p}_wait", None), "boernesag/deadline-rule"),
        (lambda p: m.timer(f"{p}_wait", "D999"), "boernesag/deadline-rule"),
        (lambda p: m.user_task(f"{p}_task", f"{p}_missing_form"), "form-exists"),
        (lambda p: m.service_task("Activity_0abc123", "platform.noop"), "boernesag/readable-ids"),
    ],
)
def test_each_deploy_rule_rejects_with_the_element_and_deploys_nothing(
    platform: Platform, analyst: ApiClient, make_step: Any, rule: str
) -> None:
    bad_id, good_id = pid("modeller_bad"), pid("modeller_good")
    step = make_step(bad_id)
    good = m.process(good_id, m.service_task(f"{good_id}_step", "platform.noop"))
    response = deploy(analyst, ("good.bpmn", good), ("bad.bpmn", m.process(bad_id, step)))
    assert ("bad.bpmn", step.id, rule) in problems_of(response)
    assert all(p["file"] == "bad.bpmn" for p in response.json()["problems"])
    assert_not_deployed(platform, bad_id, good_id)


def test_broken_files_are_problems_not_errors(platform: Platform, analyst: ApiClient) -> None:
    good_id = pid("modeller_good")
    good = m.process(good_id, m.service_task(f"{good_id}_step", "platform.noop"))
    assert ("x.bpmn", None, "xml-well-formed") in problems_of(
        deploy(analyst, ("good.bpmn", good), ("x.bpmn", good[:200]))
    )
    assert problems_of(deploy(analyst, ("x.form", "{"))) == {("x.form", None, "form-json")}
    assert problems_of(deploy(analyst, ("x.txt", "hej"))) == {("x.txt", None, "file-type")}
    assert problems_of(deploy(analyst)) == {("", None, "files")}
    assert_not_deployed(platform, good_id)


def test_the_engine_rejecting_the_deployment_is_a_problem(
    platform: Platform, analyst: ApiClient
) -> None:
    """Two files with one process id pass every per-file check; the engine refuses them."""
    process_id = pid("modeller_twice")
    model = m.process(process_id, m.service_task(f"{process_id}_step", "platform.noop"))
    response = deploy(analyst, ("a.bpmn", model), ("b.bpmn", model.replace("Testproces", "Anden")))
    problems = response.json().get("problems", [])
    assert response.status_code == 422, response.text
    assert [p["rule"] for p in problems] == ["engine"]
    assert problems[0]["file"] == "a.bpmn"
    assert "Duplicated process id" in problems[0]["message"]
    assert_not_deployed(platform, process_id)


CAMUNDA7_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_1x2y3z4"
  targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.0.0">
  <bpmn:process id="Process_0ab12cd" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Activity_1" camunda:class="org.example.Delegate">
      <bpmn:incoming>Flow_1</bpmn:incoming></bpmn:serviceTask>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="Process_0ab12cd">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="100" y="100" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def test_valid_bpmn_from_outside_the_project_gets_problems(
    platform: Platform, analyst: ApiClient
) -> None:
    response = deploy(analyst, ("camunda7.bpmn", CAMUNDA7_MODEL))
    found = problems_of(response)
    assert ("camunda7.bpmn", "Process_0ab12cd", "boernesag/readable-ids") in found
    assert any(rule.startswith("camunda-compat/") for _, _, rule in found)
    assert_not_deployed(platform, "Process_0ab12cd")


@pytest.fixture(scope="module")
def other_analyst(platform: Platform) -> Iterator[ApiClient]:
    """An analyst of Syd (902), which does not operate the platform."""
    username = f"analyst-syd-{uuid.uuid4().hex[:6]}"
    user = uuid.uuid4()
    with platform.db.begin() as conn:
        conn.execute(
            insert(app_user).values(
                id=user,
                username=username,
                display_name="Syd Analytiker",
                municipality_id="902",
                org_unit_id=unit_id("902"),
                password_hash=hash_password("demo"),
            )
        )
        conn.execute(insert(user_role).values(user_id=user, role="analyst"))
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", username)
    yield client
    client.close()


@pytest.mark.parametrize("who", ["caseworker", "operator", "other_analyst"])
def test_only_analysts_of_the_operating_organisation_deploy(
    platform: Platform, request: pytest.FixtureRequest, who: str
) -> None:
    if who == "other_analyst":
        client = request.getfixturevalue("other_analyst")
    else:
        client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", who)
        request.addfinalizer(client.close)
    process_id = pid("modeller_denied")
    model = m.process(process_id, m.service_task(f"{process_id}_step", "platform.noop"))
    response = deploy(client, ("x.bpmn", model))
    assert response.status_code == 403, response.text
    assert_not_deployed(platform, process_id)


def test_repository_files_open_with_their_diff_against_the_deployed_version(
    platform: Platform, analyst: ApiClient
) -> None:
    assert "underretning.bpmn" in analyst.get("/api/modeler/files").json()

    def opened() -> dict[str, Any]:
        response = analyst.get("/api/modeler/files/underretning.bpmn")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["deployed"] is not None, "not in the read model yet"
        return body

    file = eventually(opened, what="underretning in the read model")
    assert file["deployed"]["bpmn_process_id"] == "underretning"
    # The stack deployed bpmn/ as it is: nothing differs.
    assert file["diff"] == ""
    assert 'id="underretning"' in file["content"]
    form = analyst.get("/api/modeler/files/afdaekning.form").json()
    assert form["deployed"]["form_id"] == "afdaekning"
    assert form["diff"] == ""
    for name in ("..%2Fpyproject.toml", "missing.bpmn", "README.md"):
        assert analyst.get(f"/api/modeler/files/{name}").status_code == 404
    assert analyst.get("/api/modeler/processes/underretning/versions/999").status_code == 404
    assert analyst.get("/api/modeler/processes/no_such_process/versions").status_code == 404
    listed = {p["bpmn_process_id"] for p in analyst.get("/api/modeler/processes").json()}
    assert "underretning" in listed


def test_readers_are_analysts_and_operators(
    platform: Platform, request: pytest.FixtureRequest
) -> None:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    operator, caseworker = ApiClient(base, "operator"), ApiClient(base, "caseworker")
    request.addfinalizer(operator.close)
    request.addfinalizer(caseworker.close)
    assert operator.get("/api/modeler/processes").status_code == 200
    assert operator.get("/api/deployments").status_code == 200
    for path in ("/api/modeler/processes", "/api/deployments", "/api/modeler/element-templates"):
        assert caseworker.get(path).status_code == 403


def test_a_form_is_known_from_its_deployment_before_the_read_model_has_it(
    platform: Platform,
) -> None:
    """A process deployed right after its form must not be refused while the form's exported
    record is still on its way to the read model (seen once in CI under load)."""
    recorded, pending = pid("only_recorded_form"), pid("only_pending_form")
    with platform.db.begin() as conn:
        for form_id, state in ((recorded, "recorded"), (pending, "pending")):
            conn.execute(
                insert(deployment).values(
                    id=uuid.uuid4(),
                    state=state,
                    user_id=uuid.uuid4(),
                    username="analyst",
                    municipality_id="901",
                    result={"deployed": [], "decisions": [], "forms": [{"form_id": form_id}]},
                )
            )
    with platform.db.connect() as conn:
        known = versions.deployed_form_ids(conn)
    assert recorded in known
    assert pending not in known, "a pending deployment may not have reached the engine"

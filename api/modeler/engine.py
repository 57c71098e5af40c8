"""Deploys uploaded resources to the broker in one request, so they land together or not at all.

Synchronous gRPC (the API's handlers run in a thread pool): the engine's answer maps to what was
deployed, to a rejection (the engine's own validation; the deploy check should have caught it
first) or to the engine being unreachable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc  # type: ignore[import-untyped]
from pyzeebe.proto.gateway_pb2 import DeployResourceRequest, Resource
from pyzeebe.proto.gateway_pb2_grpc import GatewayStub

from api.modeler.checks import Problem, Upload

DEPLOY_TIMEOUT_SECONDS = 30
# The engine names the element in its rejection, e.g. "- Element: cpr_lookup".
_ELEMENT = re.compile(r"Element: ([A-Za-z_][\w.-]*)")


@dataclass(frozen=True)
class Deployed:
    key: int
    processes: list[dict[str, Any]] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "deployment_key": str(self.key),
            "deployed": self.processes,
            "decisions": self.decisions,
            "forms": self.forms,
        }


class EngineRejectedError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


class EngineUnavailableError(Exception):
    """The broker could not be reached or did not answer; nothing is known to be deployed."""


def _rejection(details: str, uploads: Sequence[Upload]) -> list[Problem]:
    named = [u.name for u in uploads if f"'{u.name}'" in details] or [
        u.name for u in uploads if u.suffix != ".form"
    ][:1]
    element = _ELEMENT.search(details)
    return [
        Problem(
            named[0] if named else "",
            element.group(1) if element else None,
            "engine",
            f"Procesmotoren afviste udrulningen: {details.strip()[:2000]}",
        )
    ]


def deploy(gateway: str, uploads: Sequence[Upload]) -> Deployed:
    request = DeployResourceRequest(
        resources=[Resource(name=u.name, content=u.content) for u in uploads]
    )
    with grpc.insecure_channel(gateway) as channel:
        try:
            response = GatewayStub(channel).DeployResource(request, timeout=DEPLOY_TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            code = exc.code() if isinstance(exc, grpc.Call) else None
            details = (exc.details() if isinstance(exc, grpc.Call) else None) or str(exc)
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise EngineRejectedError(_rejection(details, uploads)) from exc
            raise EngineUnavailableError(
                f"Procesmotoren kunne ikke nås ({code.name if code else 'ukendt'}); "
                "intet er udrullet, prøv igen om lidt"
            ) from exc
    deployed = Deployed(key=response.key)
    for item in response.deployments:
        kind = item.WhichOneof("Metadata")
        if kind == "process":
            p = item.process
            deployed.processes.append(
                {
                    "bpmn_process_id": p.bpmnProcessId,
                    "version": p.version,
                    "key": str(p.processDefinitionKey),
                    "resource_name": p.resourceName,
                }
            )
        elif kind == "decision":
            d = item.decision
            deployed.decisions.append(
                {"decision_id": d.dmnDecisionId, "version": d.version, "key": str(d.decisionKey)}
            )
        elif kind == "form":
            f = item.form
            deployed.forms.append(
                {
                    "form_id": f.formId,
                    "version": f.version,
                    "key": str(f.formKey),
                    "resource_name": f.resourceName,
                }
            )
    return deployed

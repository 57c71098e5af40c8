"""Operator commands to the broker over the gateway's gRPC API (Zeebe 8.5).

Each command either goes through or raises: `Refused` when the engine says no (the instance is
gone, the element cannot be activated, the migration is not supported), `EngineUnavailable` when
it did not answer (nothing is known to have changed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc  # type: ignore[import-untyped]
from pyzeebe.proto import gateway_pb2 as pb
from pyzeebe.proto import gateway_pb2_grpc

from api.engine.user_tasks import EngineUnavailable

TIMEOUT_SECONDS = 10
_UNAVAILABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
}


class Refused(Exception):
    """The engine refused the command; the message is the engine's reason."""


@dataclass(frozen=True)
class Activate:
    element_id: str
    ancestor_key: int | None = None


class Commands:
    def __init__(self, channel: grpc.Channel) -> None:
        self.gateway = gateway_pb2_grpc.GatewayStub(channel)

    def _call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.gateway, method)(request, timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            code = exc.code()
            detail = str(exc.details() or code.name)
            if code in _UNAVAILABLE:
                raise EngineUnavailable(f"{code.name}: {detail}") from exc
            raise Refused(detail) from exc

    def update_job_retries(self, job_key: int, retries: int) -> None:
        self._call("UpdateJobRetries", pb.UpdateJobRetriesRequest(jobKey=job_key, retries=retries))

    def resolve_incident(self, incident_key: int) -> None:
        self._call("ResolveIncident", pb.ResolveIncidentRequest(incidentKey=incident_key))

    def cancel(self, process_instance_key: int) -> None:
        self._call(
            "CancelProcessInstance",
            pb.CancelProcessInstanceRequest(processInstanceKey=process_instance_key),
        )

    def set_variables(self, scope_key: int, variables: dict[str, Any], local: bool) -> None:
        self._call(
            "SetVariables",
            pb.SetVariablesRequest(
                elementInstanceKey=scope_key, variables=json.dumps(variables), local=local
            ),
        )

    def modify(
        self, process_instance_key: int, activate: Sequence[Activate], terminate: Sequence[int]
    ) -> None:
        request = pb.ModifyProcessInstanceRequest(
            processInstanceKey=process_instance_key,
            activateInstructions=[_activate(a) for a in activate],
            terminateInstructions=[
                pb.ModifyProcessInstanceRequest.TerminateInstruction(elementInstanceKey=key)
                for key in terminate
            ],
        )
        self._call("ModifyProcessInstance", request)

    def migrate(
        self, process_instance_key: int, target_definition_key: int, mapping: dict[str, str]
    ) -> None:
        plan = pb.MigrateProcessInstanceRequest.MigrationPlan(
            targetProcessDefinitionKey=target_definition_key,
            mappingInstructions=[
                pb.MigrateProcessInstanceRequest.MappingInstruction(
                    sourceElementId=source, targetElementId=target
                )
                for source, target in mapping.items()
            ],
        )
        self._call(
            "MigrateProcessInstance",
            pb.MigrateProcessInstanceRequest(
                processInstanceKey=process_instance_key, migrationPlan=plan
            ),
        )

    def start_at(
        self, target_definition_key: int, element_ids: Sequence[str], variables: dict[str, Any]
    ) -> int:
        """A new instance of the target version, started at the given elements."""
        response = self._call(
            "CreateProcessInstance",
            pb.CreateProcessInstanceRequest(
                processDefinitionKey=target_definition_key,
                variables=json.dumps(variables),
                startInstructions=[
                    pb.ProcessInstanceCreationStartInstruction(elementId=e) for e in element_ids
                ],
            ),
        )
        return int(response.processInstanceKey)


def _activate(a: Activate) -> Any:
    instruction = pb.ModifyProcessInstanceRequest.ActivateInstruction(elementId=a.element_id)
    if a.ancestor_key is not None:  # unset: the engine finds the flow scope itself
        instruction.ancestorElementInstanceKey = a.ancestor_key
    return instruction


@contextmanager
def commands(gateway: str) -> Iterator[Commands]:
    with grpc.insecure_channel(gateway) as channel:
        yield Commands(channel)

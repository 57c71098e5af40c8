"""Operator actions on instances and incidents, each sent to the engine and recorded in
`monitor_action` (who, what, which instances, the result for each) in the request's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select

from api.auth.principal import Principal
from api.engine.user_tasks import EngineUnavailable
from api.monitor.engine import Activate, Commands, Refused
from api.monitor.tables import monitor_action

DEFAULT_RETRIES = 3


@dataclass
class Result:
    """What came of an action, per instance key; `status` is the HTTP status to answer with."""

    action: str
    parameters: dict[str, Any]
    per_instance: dict[int, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def outcome(self) -> str:
        values = list(self.per_instance.values())
        ok = sum(v == "ok" for v in values)
        if ok == len(values):  # all of them, or a batch that (still) matches nothing
            return "ok"
        if ok:
            return "partial"
        if any(v.startswith("utilgængelig") for v in values):
            return "failed"
        return "refused"

    @property
    def status(self) -> int:
        return {"ok": 200, "partial": 200, "refused": 409, "failed": 503}[self.outcome]

    def body(self, action_id: int) -> dict[str, Any]:
        return {
            "action_id": action_id,
            "action": self.action,
            "outcome": self.outcome,
            "results": {str(k): v for k, v in self.per_instance.items()},
            **self.extra,
        }


def attempt(result: Result, key: int, command: Callable[[], Any]) -> Any:
    """Run one engine command for instance `key` and note how it went."""
    try:
        value = command()
    except Refused as exc:
        result.per_instance[key] = f"afvist: {exc}"
        return None
    except EngineUnavailable as exc:
        result.per_instance[key] = f"utilgængelig: {exc}"
        return None
    result.per_instance[key] = "ok"
    return value if value is not None else True


def record(conn: Connection, principal: Principal, result: Result) -> int:
    action_id: int = conn.execute(
        insert(monitor_action)
        .values(
            user_id=principal.user_id,
            username=principal.username,
            action=result.action,
            process_instance_keys=sorted(result.per_instance),
            parameters=result.parameters,
            outcome=result.outcome,
            results={str(k): v for k, v in result.per_instance.items()},
        )
        .returning(monitor_action.c.id)
    ).scalar_one()
    return action_id


def actions_on(conn: Connection, key: int) -> list[dict[str, Any]]:
    """Every recorded action that touched the instance, newest first."""
    rows = conn.execute(
        select(monitor_action)
        .where(monitor_action.c.process_instance_keys.contains([key]))
        .order_by(monitor_action.c.id.desc())
    )
    return [
        {
            "id": r.id,
            "at": r.at,
            "username": r.username,
            "action": r.action,
            "parameters": r.parameters,
            "outcome": r.outcome,
            "result": r.results.get(str(key)),
            "instances": len(r.process_instance_keys),
        }
        for r in rows
    ]


def retry_incident(cmd: Commands, result: Result, incident: Any, retries: int) -> None:
    """Give the failed job its retries back, then resolve: the job is activated again."""
    key = int(incident.process_instance_key)

    def both() -> None:
        if incident.job_key:
            cmd.update_job_retries(int(incident.job_key), retries)
        cmd.resolve_incident(int(incident.incident_key))

    attempt(result, key, both)


def resolve_incident(cmd: Commands, result: Result, incident: Any) -> None:
    attempt(
        result,
        int(incident.process_instance_key),
        lambda: cmd.resolve_incident(incident.incident_key),
    )


def cancel(cmd: Commands, result: Result, key: int) -> None:
    attempt(result, key, lambda: cmd.cancel(key))


def set_variables(
    cmd: Commands,
    result: Result,
    key: int,
    scope_key: int,
    variables: dict[str, Any],
    local: bool,
) -> None:
    attempt(result, key, lambda: cmd.set_variables(scope_key, variables, local))


def modify(
    cmd: Commands, result: Result, key: int, activate: Sequence[Activate], terminate: Sequence[int]
) -> None:
    attempt(result, key, lambda: cmd.modify(key, activate, terminate))

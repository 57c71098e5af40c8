"""Schemathesis against the running API's /openapi.json (issue 10, item 7): every operation, with
bounded, derandomized examples, signed in and signed out, and no answer is a server error.

Signed in, the fuzzer is a development user with every role in a municipality of its own: the
monitor's repairs and batch actions, case reads and writes, payment runs and grant revisions are
scoped to the caller's municipality, so whatever the fuzzer manages to do stays there and no
other test in the suite sees it. Deploying needs an analyst of the operating organisation
(`BS_OPERATING_MUNICIPALITY`); the fuzzer's municipality is not it, so `POST /api/deployments`
answers 403 before it reads a file and nothing is ever deployed. The operations that are not
scoped to a municipality and change what the engine does are in SIGNED_IN_EXCLUDED with the
reason; signed out, every operation runs (it must answer 401 before doing anything).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from api.audit.tables import audit_event
from api.auth.service import hash_password
from api.errors import UNSTORABLE
from api.org.tables import ROLES, app_user, municipality, org_unit, user_role
from tests.harness.api import ApiClient
from tests.harness.platform import Platform

# Operations the signed-in fuzzer leaves alone, each with why.
SIGNED_IN_EXCLUDED = {
    # Starts the nightly DST delivery process now, for every municipality at once (not scoped
    # to the caller): it would send other tests' new events to the DST simulator.
    "POST /api/dst/koersler": "starts a DST delivery of every municipality",
}

# Examples per operation and generation mode. Derandomized, so CI sees the same requests on
# every run; small, so the module stays well inside its time budget on a loaded machine.
SIGNED_IN_EXAMPLES = 20
SIGNED_OUT_EXAMPLES = 10
MODULE_BUDGET_SECONDS = 200


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


@pytest.fixture(scope="module")
def api_url(platform: Platform) -> str:
    return f"http://127.0.0.1:{platform.stack.ports.api}"


@pytest.fixture(scope="module")
def schema(api_url: str) -> Any:
    return schemathesis.openapi.from_url(f"{api_url}/openapi.json")


@dataclass(frozen=True)
class FuzzUser:
    username: str
    authorization: str


@pytest.fixture(scope="module")
def fuzz_user(platform: Platform, api_url: str) -> FuzzUser:
    """A development user with every role, in a municipality of its own, and its bearer token."""
    tag = uuid.uuid4().hex[:8]
    mid, unit, uid = f"fz-{tag}", uuid.uuid4(), uuid.uuid4()
    with platform.db.begin() as conn:
        conn.execute(insert(municipality).values(id=mid, name="Fuzz Kommune", cvr=None))
        conn.execute(
            insert(org_unit).values(
                id=unit,
                municipality_id=mid,
                name="Fuzz Team",
                duty_group=f"{mid}-modtagelse",
                leader_group=f"{mid}-modtagelse-ledere",
            )
        )
        conn.execute(
            insert(app_user).values(
                id=uid,
                username=f"fuzz-{tag}",
                display_name="Fuzz Bruger",
                municipality_id=mid,
                org_unit_id=unit,
                password_hash=hash_password("demo"),
            )
        )
        conn.execute(insert(user_role), [{"user_id": uid, "role": r} for r in ROLES])
    client = ApiClient(api_url, f"fuzz-{tag}")
    token = str(client.http.headers["Authorization"])
    client.close()
    return FuzzUser(f"fuzz-{tag}", token)


def _label(operation: Any) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _operations(schema: Any) -> list[Any]:
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 40, "the schema lost its operations"
    return found


def _fuzz(
    operation: Any, mode: GenerationMode, examples: int, headers: dict[str, str]
) -> list[str]:
    """Runs the examples; returns one line per server error (and the request to repeat it)."""
    failures: list[str] = []

    @_settings(examples)
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        try:
            response = case.call(headers=headers, timeout=60)
        except Exception as exc:  # a dropped connection is a server error too
            failures.append(f"{_label(operation)} [{mode.value}]: {exc!r}")
            return
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except (Exception, BaseExceptionGroup):
            curl = case.as_curl_command(headers={"Authorization": "..."} if headers else None)
            failures.append(
                f"{_label(operation)} [{mode.value}] {response.status_code}: "
                f"{response.text[:300]!r}\n    {curl}"
            )

    try:
        run()
    except Unsatisfiable:
        # Negative mode has nothing to break in an operation without parameters or body.
        assert mode == GenerationMode.NEGATIVE, _label(operation)
    return failures


def test_the_exclusions_name_real_operations(schema: Any) -> None:
    labels = {_label(op) for op in _operations(schema)}
    assert set(SIGNED_IN_EXCLUDED) <= labels


@pytest.mark.timeout(MODULE_BUDGET_SECONDS)
def test_signed_in_no_server_error(schema: Any, fuzz_user: FuzzUser) -> None:
    started, failures, ran = time.monotonic(), [], 0
    for operation in _operations(schema):
        if _label(operation) in SIGNED_IN_EXCLUDED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            headers = {"Authorization": fuzz_user.authorization}
            failures += _fuzz(operation, mode, SIGNED_IN_EXAMPLES, headers)
        ran += 1
    print(f"signed in: {ran} operations in {time.monotonic() - started:.0f} s")
    assert not failures, "\n".join(failures)


@pytest.mark.timeout(MODULE_BUDGET_SECONDS)
def test_signed_out_no_server_error(schema: Any) -> None:
    started, failures = time.monotonic(), []
    operations = _operations(schema)
    for operation in operations:
        failures += _fuzz(operation, GenerationMode.POSITIVE, SIGNED_OUT_EXAMPLES, {})
    print(f"signed out: {len(operations)} operations in {time.monotonic() - started:.0f} s")
    assert not failures, "\n".join(failures)


def test_a_nul_character_is_the_callers_error_and_the_attempt_is_audited(
    platform: Platform, api_url: str, fuzz_user: FuzzUser
) -> None:
    """Found by the fuzzer: PostgreSQL text cannot hold NUL, and a NUL in a form field, a path
    or a JSON string was a 500 with a traceback. Now a 422, the transaction rolled back, and
    the attempt still audited (its path escaped)."""
    signed_in = {"Authorization": fuzz_user.authorization}
    token = httpx.post(
        f"{api_url}/api/auth/token", data={"username": "fuzz\x00", "password": "x"}, timeout=30
    )
    assert token.status_code == 422 and token.json()["detail"] == UNSTORABLE
    path = httpx.get(
        f"{api_url}/api/modeler/processes/a%00b/versions", headers=signed_in, timeout=30
    )
    assert path.status_code == 422 and path.json()["detail"] == UNSTORABLE
    body = httpx.post(
        f"{api_url}/api/processes/instances/batch/cancel",
        json={"process": "underretning\x00"},
        headers=signed_in,
        timeout=30,
    )
    assert body.status_code == 422 and body.json()["detail"] == UNSTORABLE
    with platform.db.connect() as conn:
        rows = conn.execute(
            select(audit_event.c.path, audit_event.c.status_code).where(
                audit_event.c.username == fuzz_user.username, audit_event.c.status_code == 422
            )
        ).all()
    assert ("/api/modeler/processes/a\\x00b/versions", 422) in rows
    assert ("/api/processes/instances/batch/cancel", 422) in rows

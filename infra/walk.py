"""`python -m infra.walk`: the README's walk through an underretning, against a running stack.

Signs in as the development caseworker, receives an underretning about a synthetic child, finds
the 24-hour assessment in the duty queue, claims it, completes it, and shows the instance move on.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from api.testdata.cpr import synthetic_cpr


def wait(what: str, check: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    args = parser.parse_args(argv)
    http = httpx.Client(base_url=args.base_url, timeout=30)
    token = http.post("/api/auth/token", data={"username": "caseworker", "password": "demo"})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    child = synthetic_cpr(uuid.uuid4().hex)  # synthetic: never a real child's number
    received = http.post(
        "/api/underretninger",
        json={
            "child_cpr": child,
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "professional",
            "reporter_organisation": "Skolen ved Søen",
            "reporter_email": "kontoret@skolen.example",
            "concern": "Eleven kommer ofte for sent, sulten og uden madpakke.",
        },
    )
    received.raise_for_status()
    case_id = received.json()["case_id"]
    print(f"1. modtaget: sag {case_id}")

    def task() -> Any:
        tasks = http.get("/api/tasks", params={"case_id": case_id}).json()
        return next((t for t in tasks if t["name"] == "24-timers vurdering"), None)

    found = wait("the 24-hour task", task)
    queue = ", ".join(found["candidate_groups"])
    print(f"2. opgave i vagtkøen {queue}: {found['name']}, frist {found['due_at']}")
    http.post(f"/api/tasks/{found['id']}/claim").raise_for_status()
    print("3. opgaven er taget")
    done = http.post(
        f"/api/tasks/{found['id']}/complete",
        json={
            "acute_risk": "no",
            "assessment": "Skolen og forældrene samarbejder; afdækning efter § 19.",
            "outcome": "afdaekning",
        },
    )
    done.raise_for_status()
    print("4. vurderingen er afsluttet: afdækning")

    def ended() -> Any:
        detail = http.get(f"/api/processes/instances/{found['process_instance_key']}")
        if detail.status_code == 200 and any(
            e["element_id"] == "to_afdaekning" for e in detail.json()["elements"]
        ):
            return detail.json()
        return None

    instance = wait("the instance to move on", ended)
    print(
        f"5. processen gik videre til 'Til afdækning' (instans {instance['key']}, "
        f"{instance['state']})"
    )
    case = http.get(f"/api/cases/{case_id}").json()
    for deadline in case["deadlines"]:
        print(
            f"   frist {deadline['rule_id']} {deadline['label']} ({deadline['basis']}): "
            f"{deadline['state']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

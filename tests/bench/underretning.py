"""`make bench`, part 2: underretninger per second, from intake to the first user task.

Concurrent clients post underretninger through the API for a fixed time on a stack of its own
(CPR simulator, workers, projector). For each one it measures the time from the POST to the
24-hour task being in the read model, and prints the rate as a ratio to the platform baseline
measured on the same stack just before.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import create_engine, text

from api.testdata.cpr import synthetic_cpr
from infra.platform import Stack, StackOptions
from infra.stack import REPO, Ports
from tests.bench.baseline import drive


async def intake(base: str, clients: int, seconds: float) -> list[tuple[str, float]]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        token = await http.post(
            "/api/auth/token", data={"username": "caseworker", "password": "demo"}
        )
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        sent: list[tuple[str, float]] = []
        deadline = time.monotonic() + seconds

        async def one_client() -> None:
            while time.monotonic() < deadline:
                started = time.time()
                response = await http.post(
                    "/api/underretninger",
                    json={
                        "child_cpr": synthetic_cpr(uuid.uuid4().hex),
                        "received_at": datetime.now(UTC).isoformat(),
                        "reporter_type": "anonymous",
                        "concern": "Benchmark: bekymring for et barn.",
                    },
                )
                if response.status_code == 201:
                    sent.append((response.json()["underretning_id"], started))

        await asyncio.gather(*(one_client() for _ in range(clients)))
        return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    root = REPO / ".runtime" / "bench-underretning"
    shutil.rmtree(root, ignore_errors=True)
    stack = Stack(root, Ports.free(), StackOptions())
    try:
        stack.start()
        gateway = f"127.0.0.1:{stack.ports.gateway}"
        started, _, elapsed = asyncio.run(drive(gateway, args.clients, 10))
        baseline = started / elapsed
        print(f"baseline on this stack: {baseline:.1f} instances/s (two no-op steps, 10 s)")
        begin = time.monotonic()
        sent = asyncio.run(
            intake(f"http://127.0.0.1:{stack.ports.api}", args.clients, args.seconds)
        )
        db = create_engine(stack.owner_database_url)
        latencies: list[float] = []
        seen_at: list[float] = []
        wait_until = time.monotonic() + 300
        pending = dict(sent)
        with db.connect() as conn:
            while pending and time.monotonic() < wait_until:
                rows = conn.execute(
                    text(
                        "SELECT v.value, extract(epoch FROM r.projected_at) "
                        "FROM variable v JOIN user_task u ON u.process_instance_key = v.scope_key "
                        "JOIN raw_record r ON r.value_type = 'USER_TASK' AND r.intent = 'CREATED' "
                        " AND r.record_key = u.user_task_key "
                        "WHERE v.name = 'underretningId' AND v.scope_key = v.process_instance_key"
                    )
                ).fetchall()
                conn.rollback()
                for value, seen in rows:
                    key = value.strip('"')
                    if key in pending:
                        latencies.append(float(seen) - pending.pop(key))
                        seen_at.append(float(seen))
                time.sleep(1)
        total = time.monotonic() - begin
        done = len(latencies)
        # From the first POST to the last task in the read model: the whole pipeline's rate.
        span = (max(seen_at) - min(t for _, t in sent)) if seen_at else float("inf")
        rate = done / span
        print(f"clients={args.clients} seconds={args.seconds:.0f}")
        print(f"underretninger received: {len(sent)}, with the 24-hour task projected: {done}")
        print(
            f"rate: {rate:.1f} underretninger/s = {rate / baseline:.2f} x the baseline "
            f"(drained in {total:.0f} s)"
        )
        if latencies:
            q = statistics.quantiles(latencies, n=100)
            print(
                f"intake -> first user task in read model: p50={q[49] * 1000:.0f} ms "
                f"p95={q[94] * 1000:.0f} ms"
            )
    finally:
        stack.stop()
        shutil.rmtree(root / "data", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

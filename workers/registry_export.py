"""`python -m workers.registry_export`: the job types and deadline rules the BPMN linter checks.

Prints `bpmn/lint/registry.json`; `--write` writes it and `--check` fails when the committed
file is stale. The linter runs on Node without our Python, so this file is its only view of
which workers exist and which deadline rules the catalogue can label. Job types are those of
the routers `python -m workers` runs: a task registered in a module outside ROUTERS is never
served, so it must not count as registered.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from api.rules.catalogue import RULE_SETS
from workers.__main__ import ROUTERS
from workers.base import REGISTRY

REGISTRY_JSON = Path(__file__).resolve().parents[1] / "bpmn" / "lint" / "registry.json"

# Job types served by a worker but started by no BPMN model in bpmn/ or tests/fixtures/bpmn/.
USED_OUTSIDE_BPMN: tuple[str, ...] = ()

_RULE_ID = re.compile(r"^D(\d+)([a-z]*)$")


def _rule_order(rule_id: str) -> tuple[int, str, str]:
    match = _RULE_ID.match(rule_id)
    if match is None:
        return (sys.maxsize, rule_id, "")
    return (int(match.group(1)), match.group(2), rule_id)


def build() -> dict[str, object]:
    """The registry as plain JSON data, independent of registration and rule-set order."""
    served = {task.type for router in ROUTERS for task in router.tasks}
    job_types = {
        job_type: {
            "label": spec.label,
            "inputs": list(spec.inputs),
            "outputs": sorted(spec.outputs),
            "errors": list(spec.errors),
        }
        for job_type, spec in REGISTRY.items()
        if job_type in served
    }
    rule_ids = {rule.id for rule_set in RULE_SETS for rule in rule_set.rules}
    return {
        "jobTypes": job_types,
        "deadlineRules": sorted(rule_ids, key=_rule_order),
        "usedOutsideBpmn": sorted(USED_OUTSIDE_BPMN),
    }


def render() -> str:
    """Sorted keys, two-space indent, non-ASCII kept (the labels are Danish), trailing newline."""
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.registry_export", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"write {REGISTRY_JSON}")
    mode.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.write:
        REGISTRY_JSON.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = REGISTRY_JSON.read_text(encoding="utf-8") if REGISTRY_JSON.exists() else ""
        if current != text:
            print(
                f"{REGISTRY_JSON} is out of date: run python -m workers.registry_export --write",
                file=sys.stderr,
            )
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

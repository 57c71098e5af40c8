"""`python -m api.modeler.templates`: element templates for the modeler, one per job type.

Generated from the worker registry (`bpmn/lint/registry.json`, itself exported from the workers'
registrations by `python -m workers.registry_export`), so an analyst picks "CPR-opslag" from the
template list instead of typing `cpr.lookup-person`. Each template is a service task with the job
type fixed, an input mapping per variable the worker reads (prefilled with the same variable) and
an optional output mapping per variable it returns. Without output mappings Zeebe merges the
job's variables into the process as they are, which is what our models rely on; an analyst may
map one to another name.

Prints the templates; `--write` writes `api/modeler/element-templates.json` and `--check` fails
when the committed file is stale (the unit tests run it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from api.modeler.labels import VARIABLE_LABELS

REPO = Path(__file__).resolve().parents[2]
REGISTRY_JSON = REPO / "bpmn" / "lint" / "registry.json"
TEMPLATES_JSON = Path(__file__).resolve().parent / "element-templates.json"
SCHEMA = "https://unpkg.com/@camunda/zeebe-element-templates-json-schema/resources/schema.json"
ID_PREFIX = "dk.boernesag.job."


class MissingLabelsError(Exception):
    """A variable of the registry has no Danish label in api/modeler/labels.py."""


def _input(name: str) -> dict[str, Any]:
    return {
        "id": f"input.{name}",
        "label": f"{VARIABLE_LABELS[name]} ({name})",
        "description": f"Arbejderen læser variablen {name}.",
        "group": "inputs",
        "type": "String",
        "feel": "required",
        "value": f"={name}",
        "binding": {"type": "zeebe:input", "name": name},
        "constraints": {"notEmpty": True},
    }


def _output(name: str) -> dict[str, Any]:
    return {
        "id": f"output.{name}",
        "label": f"{VARIABLE_LABELS[name]} ({name})",
        "description": (
            f"Arbejderen returnerer {name}. Tom: variablen hedder {name} i processen; "
            "udfyld for at gemme den under et andet navn."
        ),
        "group": "outputs",
        "type": "String",
        "optional": True,
        "binding": {"type": "zeebe:output", "source": f"={name}"},
    }


def _template(job_type: str, spec: Mapping[str, Any]) -> dict[str, Any]:
    errors = list(spec.get("errors", []))
    description = f"Jobtype {job_type}."
    if errors:
        description += " Kan give BPMN-fejl: " + ", ".join(errors) + "."
    properties: list[dict[str, Any]] = [
        {
            "type": "Hidden",
            "value": job_type,
            "binding": {"type": "zeebe:taskDefinition", "property": "type"},
        }
    ]
    properties += [_input(name) for name in spec.get("inputs", [])]
    properties += [_output(name) for name in spec.get("outputs", [])]
    groups = [{"id": "inputs", "label": "Input"}]
    if spec.get("outputs"):
        groups.append({"id": "outputs", "label": "Output"})
    return {
        "$schema": SCHEMA,
        "name": spec["label"],
        "id": ID_PREFIX + job_type,
        "version": 1,
        "description": description,
        "category": {"id": "boernesag", "name": "Børnesag"},
        "appliesTo": ["bpmn:Task"],
        "elementType": {"value": "bpmn:ServiceTask"},
        "engines": {"camunda": "^8.5"},
        "groups": groups,
        "properties": properties,
    }


def build(registry: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One template per job type, sorted by job type; every variable must have a label."""
    job_types: Mapping[str, Mapping[str, Any]] = registry.get("jobTypes", {})
    variables = {
        name
        for spec in job_types.values()
        for name in [*spec.get("inputs", []), *spec.get("outputs", [])]
    }
    missing = sorted(variables - VARIABLE_LABELS.keys())
    if missing:
        raise MissingLabelsError(
            "variables without a Danish label in api/modeler/labels.py: " + ", ".join(missing)
        )
    return [_template(job_type, job_types[job_type]) for job_type in sorted(job_types)]


def render(registry: Mapping[str, Any]) -> str:
    return json.dumps(build(registry), indent=2, ensure_ascii=False) + "\n"


def load_registry() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REGISTRY_JSON.read_text(encoding="utf-8"))
    return data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m api.modeler.templates", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help=f"write {TEMPLATES_JSON}")
    mode.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    try:
        text = render(load_registry())
    except MissingLabelsError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.write:
        TEMPLATES_JSON.write_text(text, encoding="utf-8")
        return 0
    if args.check:
        current = TEMPLATES_JSON.read_text(encoding="utf-8") if TEMPLATES_JSON.exists() else ""
        if current != text:
            print(
                f"{TEMPLATES_JSON} is out of date: run python -m api.modeler.templates --write",
                file=sys.stderr,
            )
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

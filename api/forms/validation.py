"""Server-side validation of a submission against the exact deployed form (form-js schema).

Only what the server can check is allowed in our forms: required, pattern, length, range and
the listed options. Conditional (FEEL) requirements are refused by the form lint instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

INPUT_TYPES = {
    "textfield",
    "textarea",
    "number",
    "checkbox",
    "checklist",
    "radio",
    "select",
    "datetime",
    "taglist",
}


def _decision_form(data: dict[str, Any]) -> dict[str, str]:
    from api.finance.checks import decision_form

    return decision_form(data)


# Checks across fields that a schema cannot express, by form id: field key -> Danish message.
CROSS_CHECKS: dict[str, Callable[[dict[str, Any]], dict[str, str]]] = {
    "afgoerelse": _decision_form,
}


def fields(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every input component, also inside groups."""
    for component in schema.get("components", []):
        if component.get("type") in INPUT_TYPES and component.get("key"):
            yield component
        yield from fields(component)


def routing_keys(schema: dict[str, Any]) -> set[str]:
    """Fields marked `properties.routing = "true"`: the only values handed to the engine."""
    return {
        f["key"] for f in fields(schema) if str(f.get("properties", {}).get("routing")) == "true"
    }


def _options(field: dict[str, Any]) -> set[Any] | None:
    values = field.get("values")
    return {v["value"] for v in values} if isinstance(values, list) else None


def validate(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Field key -> Danish error message; empty when the submission is valid."""
    errors: dict[str, str] = {}
    known = {f["key"] for f in fields(schema)}
    for key in sorted(set(data) - known):
        errors[key] = "Ukendt felt"
    for field in fields(schema):
        key, kind = field["key"], field["type"]
        rules = field.get("validate", {})
        value = data.get(key)
        empty = value is None or value == "" or value == []
        if empty:
            if rules.get("required"):
                errors[key] = "Feltet skal udfyldes"
            continue
        error = _check(kind, field, rules, value)
        if error:
            errors[key] = error
    across = CROSS_CHECKS.get(str(schema.get("id", "")))
    if not errors and across is not None:
        errors.update(across(data))
    return errors


def _check(kind: str, field: dict[str, Any], rules: dict[str, Any], value: Any) -> str | None:
    if kind in ("textfield", "textarea", "datetime"):
        if not isinstance(value, str):
            return "Skal være tekst"
        if "minLength" in rules and len(value) < int(rules["minLength"]):
            return f"Mindst {rules['minLength']} tegn"
        if "maxLength" in rules and len(value) > int(rules["maxLength"]):
            return f"Højst {rules['maxLength']} tegn"
        if rules.get("pattern") and not re.fullmatch(rules["pattern"], value):
            return "Formatet er forkert"
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "Skal være et tal"
        if "min" in rules and value < rules["min"]:
            return f"Mindst {rules['min']}"
        if "max" in rules and value > rules["max"]:
            return f"Højst {rules['max']}"
    elif kind == "checkbox":
        if not isinstance(value, bool):
            return "Skal være ja eller nej"
    elif kind in ("radio", "select"):
        options = _options(field)
        if options is not None and value not in options:
            return "Vælg en af mulighederne"
    elif kind in ("checklist", "taglist"):
        options = _options(field)
        if not isinstance(value, list):
            return "Skal være en liste"
        if options is not None and not set(value) <= options:
            return "Vælg blandt mulighederne"
    return None

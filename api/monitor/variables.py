"""What an operator may write into an instance's variables: process data, never personal data.

Zeebe variables end up in the broker's log, the exporter's stream and the read model, so a name
or a value that looks like personal data is refused before anything is sent.
"""

from __future__ import annotations

import json
import re
from typing import Any

from api.logging import CPR_PATTERN, UUID_PATTERN

MAX_BYTES = 8192
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# Parts of a name that say the value is about a person.
_PERSONAL_NAMES = ("cpr", "navn", "name", "adresse", "address", "mail", "telefon", "phone")
# Set by the system; changing them would cut an instance off its case or its deadlines.
RESERVED = frozenset({"caseId"})


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (str(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, bool) or value is None:
        return []
    return [str(value)]


def problems(variables: dict[str, Any]) -> list[str]:
    """Danish reasons to refuse, one per problem; empty when the variables may be set."""
    found: list[str] = []
    if not variables:
        found.append("Angiv mindst én variabel.")
    if len(json.dumps(variables)) > MAX_BYTES:
        found.append(f"Variablerne fylder mere end {MAX_BYTES} bytes.")
    for name, value in variables.items():
        if not _NAME.match(name):
            found.append(f"'{name}' er ikke et gyldigt variabelnavn (bogstaver, tal og _).")
            continue
        if name in RESERVED:
            found.append(f"'{name}' sættes af systemet og kan ikke ændres her.")
        lowered = name.lower()
        if any(part in lowered for part in _PERSONAL_NAMES):
            found.append(f"'{name}' ligner et navn for personoplysninger; de hører ikke i Zeebe.")
        for text in _strings(value):
            if CPR_PATTERN.search(UUID_PATTERN.sub("", text)):
                found.append(f"Værdien af '{name}' ligner et CPR-nummer; det hører ikke i Zeebe.")
                break
    return found

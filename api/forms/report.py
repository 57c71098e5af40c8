"""`make forms-report`: the required fields per form (DUBU had 76 boxes; we allow 15)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from api.forms.validation import fields

FORMS = Path(__file__).resolve().parents[2] / "forms"
MAX_REQUIRED = 15


def main() -> int:
    worst = 0
    for path in sorted(FORMS.glob("*.form")):
        schema = json.loads(path.read_text())
        all_fields = list(fields(schema))
        required = [f for f in all_fields if f.get("validate", {}).get("required")]
        worst = max(worst, len(required))
        labels = ", ".join(f"{f['key']} ({f.get('label', '')})" for f in required) or "-"
        print(f"{schema['id']}: {len(required)} required of {len(all_fields)} fields: {labels}")
    print(f"largest number of required fields in one form: {worst} (limit {MAX_REQUIRED})")
    return 0 if worst <= MAX_REQUIRED else 1


if __name__ == "__main__":
    sys.exit(main())

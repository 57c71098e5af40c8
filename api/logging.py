"""structlog setup: JSON in production, console in development, CPR numbers always masked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Ten digits, optionally with a dash after the date part: anything shaped like a CPR number.
CPR_PATTERN = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")


# A UUID's groups can hold ten digits in a row ("…-4a12345678901"): such a run is part of an
# identifier, not a CPR number, and masking it would break the case id an operator looks for.
UUID_PATTERN = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)
_UUID_OR_CPR = re.compile(f"(?P<uuid>{UUID_PATTERN.pattern})|{CPR_PATTERN.pattern}")


def mask_cpr(text: str) -> str:
    """Every CPR-shaped number outside a UUID becomes its date part and -xxxx."""
    return _UUID_OR_CPR.sub(lambda m: m.group("uuid") or f"{m.group(2)}-xxxx", text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_cpr(value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask(v) for v in value)
    return value


def mask_processor(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> dict[str, Any]:
    return {key: _mask(value) for key, value in event_dict.items()}


def configure(log_format: str = "console", level: int = logging.INFO) -> None:
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            mask_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )

"""The one "now" for deadline facts: the machine's clock, or the engine's controlled clock.

In production they are the same. In the clock tests the broker's clock is moved forward, and a
delivery time or a receipt time taken from the machine would sit months before the engine's now;
so a stack started with a controlled engine clock points this at the broker's actuator.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import lru_cache

import httpx


class Clock:
    def __init__(self, engine_clock_url: str | None = None) -> None:
        self.url = engine_clock_url
        self._offset = 0.0
        self._checked = 0.0

    def now(self) -> datetime:
        if self.url and time.monotonic() - self._checked > 0.5:
            response = httpx.get(f"{self.url}/actuator/clock", timeout=5)
            response.raise_for_status()
            self._offset = response.json()["epochMilli"] / 1000 - time.time()
            self._checked = time.monotonic()
        return datetime.fromtimestamp(time.time() + self._offset, tz=UTC)


@lru_cache(maxsize=1)
def current() -> Clock:
    """The API's clock, from the settings (the engine's clock only in a controlled-clock stack)."""
    from api.settings import get_settings

    return Clock(get_settings().engine_clock_url)

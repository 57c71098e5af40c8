"""The access matrix (tests/platform/test_access.py) covers every route of the app: a new route
fails here, without a stack, until it says who may call it and how it is scoped."""

from __future__ import annotations

from tests.platform.test_access import ROUTES, app_routes


def test_every_route_has_a_matrix_entry() -> None:
    served = app_routes()
    assert [r for r in served if r not in ROUTES] == [], "add these to ROUTES in test_access.py"
    assert [r for r in ROUTES if r not in served] == [], "these routes are gone"

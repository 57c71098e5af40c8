"""The burden targets of issue 8, guarded in CI: the standard journey (underretning ->
24-timers vurdering -> BFU -> § 32 decision) in the real pages takes at most 60 typed fields
and 120 clicks, and the child's CPR number is typed once, at intake. The same journey code as
`make burden` (tests/browser/burden.py)."""

from __future__ import annotations

from tests.browser.burden import MAX_CLICKS, MAX_TYPED, run
from tests.browser.conftest import LogIn
from tests.harness.api import ApiClient


def test_the_standard_journey_stays_within_the_burden_targets(
    signed_in: LogIn, caseworker_api: ApiClient
) -> None:
    page = signed_in("caseworker")
    tally = run(page, caseworker_api)
    print(tally.table())
    assert [s.name for s in tally.steps] == [
        "Ny underretning",
        "24-timers vurdering",
        "Indhent statusudtalelser",
        "Børnesamtale",
        "Statusudtalelse modtaget (sagssiden)",
        "Børnefaglig undersøgelse",
        "Partshøring (BFU)",
        "Konklusion og anbefaling",
        "Børnesamtale før afgørelse",
        "Partshøring (afgørelse)",
        "Afgørelse",
    ]
    assert tally.typed <= MAX_TYPED
    assert tally.clicks <= MAX_CLICKS
    assert tally.child_cpr_typed_once_at_intake()
    assert tally.retyped_cpr() == []
    assert tally.problems() == []

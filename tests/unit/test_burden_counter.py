"""The burden counter of `make burden` (tests/browser/burden.py) can fail: a CPR number typed
a second time, too many typed fields or clicks. The journey itself runs in tests/browser."""

from __future__ import annotations

from typing import Any

from tests.browser.burden import MAX_CLICKS, MAX_TYPED, Hands, Step, Tally

CHILD = "0505159912"


class FakeField:
    def __init__(self, page: FakePage, label: str) -> None:
        self.page, self.label = page, label

    def fill(self, value: str) -> None:
        self.page.filled.append((self.label, value))

    def check(self) -> None:
        self.page.checked.append(self.label)


class FakePage:
    def __init__(self) -> None:
        self.filled: list[tuple[str, str]] = []
        self.checked: list[str] = []

    def get_by_label(self, label: str, exact: bool = False) -> FakeField:
        return FakeField(self, label)


def hands() -> Hands:
    page: Any = FakePage()
    return Hands(page)


def test_a_field_typed_twice_in_a_step_counts_once_and_a_check_is_a_click() -> None:
    h = hands()
    h.begin("Ny underretning")
    h.type("Bekymringen", "Kort")
    h.type("Bekymringen", "Barnet er ofte sultent.")
    h.check("Fagperson")
    h.begin("24-timers vurdering")
    h.type("Bekymringen", "Igen, i et andet trin")
    assert (h.tally.typed, h.tally.clicks) == (2, 1)
    assert [s.typed for s in h.tally.steps] == [["Bekymringen"], ["Bekymringen"]]


def test_cpr_typed_again_later_fails_with_or_without_the_dash() -> None:
    h = hands()
    h.tally.child_cpr = CHILD
    h.begin("Ny underretning")
    h.type("CPR-nummer", "050515-9912")
    assert h.tally.problems() == []
    assert h.tally.child_cpr_typed_once_at_intake()
    h.begin("Afgørelse")
    h.type("Plejefamiliens CPR-nummer", f"Se {CHILD}.")
    assert h.tally.retyped_cpr() == [CHILD]
    assert not h.tally.child_cpr_typed_once_at_intake()
    assert len(h.tally.problems()) == 2


def test_a_child_cpr_never_typed_at_intake_fails() -> None:
    tally = Tally(steps=[Step("Ny underretning", ["Bekymringen"], 1)], child_cpr=CHILD)
    assert tally.problems() == [
        "barnets CPR-nummer er ikke skrevet præcis én gang, ved modtagelsen"
    ]


def test_broken_targets_fail() -> None:
    tally = Tally(
        steps=[Step("Ny underretning", ["CPR-nummer"], 1)],
        cpr_typed=[(CHILD, "Ny underretning")],
        child_cpr=CHILD,
    )
    tally.steps.append(Step("Afgørelse", [f"felt {n}" for n in range(MAX_TYPED)], MAX_CLICKS))
    assert tally.problems() == [
        f"{MAX_TYPED + 1} felter skrevet, målet er højst {MAX_TYPED}",
        f"{MAX_CLICKS + 1} klik, målet er højst {MAX_CLICKS}",
    ]
    assert "total" in tally.table()

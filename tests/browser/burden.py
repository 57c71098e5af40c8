"""`make burden`: the caseworker's standard journey driven in the real pages, with every field
typed and every click counted (issue 8: at most 60 typed fields and 120 clicks, CPR never
retyped).

The journey: a new underretning on /underretninger/ny -> the 24-timers vurdering -> the
børnefaglig undersøgelse's tasks -> the decision process's tasks up to the § 32 decision. Each
task is claimed from Mit overblik, opened from the card and completed on its page, as a person
does it. The hands are `Hands`, a thin wrapper around the Playwright page: the journey only
types, clicks, checks and chooses through it, so nothing the user does escapes the count.

Not counted: signing in (once a day, not per case), and waiting for the engine. A person reads
the case while the next task arrives; the journey waits for it in the read model and reloads
Mit overblik, neither of which is a click. The journey asks the school for a statusudtalelse
and registers its reply on the case page, found by search, as it arrives by mail. Both
partshøringer are exempt (0 days), as the parents took part throughout; see README, Burden.

`python -m tests.browser.burden` starts a stack of its own the way the browser tests do, runs
the journey once in Debian's Chromium, prints the table and exits 1 when a target is broken.
"""

from __future__ import annotations

import re
import shutil
import sys
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from api.testdata.cpr import synthetic_cpr_of_age
from tests.browser.journey import case_of, open_task
from tests.harness.api import ApiClient

MAX_TYPED = 60
MAX_CLICKS = 120
# Ten digits, with or without the dash after the date: what a CPR number looks like typed.
CPR_SHAPED = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")
DONE = re.compile(r"/\?besked=afsluttet$")


@dataclass
class Step:
    name: str
    typed: list[str] = field(default_factory=list)  # distinct field labels, in typing order
    clicks: int = 0


@dataclass
class Tally:
    steps: list[Step] = field(default_factory=list)
    # Every CPR-shaped value typed anywhere, normalised to ten digits, with the step it was in.
    cpr_typed: list[tuple[str, str]] = field(default_factory=list)
    child_cpr: str = ""

    @property
    def typed(self) -> int:
        return sum(len(s.typed) for s in self.steps)

    @property
    def clicks(self) -> int:
        return sum(s.clicks for s in self.steps)

    def retyped_cpr(self) -> list[str]:
        """CPR numbers typed more than once (in any field, any step)."""
        counts = Counter(number for number, _ in self.cpr_typed)
        return sorted(number for number, n in counts.items() if n > 1)

    def child_cpr_typed_once_at_intake(self) -> bool:
        where = [step for number, step in self.cpr_typed if number == self.child_cpr]
        return where == [self.steps[0].name] if self.steps else False

    def problems(self) -> list[str]:
        found = []
        if self.typed > MAX_TYPED:
            found.append(f"{self.typed} felter skrevet, målet er højst {MAX_TYPED}")
        if self.clicks > MAX_CLICKS:
            found.append(f"{self.clicks} klik, målet er højst {MAX_CLICKS}")
        if self.retyped_cpr():
            found.append(f"et CPR-nummer er skrevet mere end én gang ({len(self.retyped_cpr())})")
        if not self.child_cpr_typed_once_at_intake():
            found.append("barnets CPR-nummer er ikke skrevet præcis én gang, ved modtagelsen")
        return found

    def table(self) -> str:
        width = max(len(s.name) for s in self.steps) if self.steps else 10
        lines = [f"{'step':<{width}}  typed  clicks  fields typed", "-" * (width + 40)]
        for s in self.steps:
            lines.append(
                f"{s.name:<{width}}  {len(s.typed):>5}  {s.clicks:>6}  "
                + ", ".join(_short(label) for label in s.typed)
            )
        lines.append("-" * (width + 40))
        lines.append(f"{'total':<{width}}  {self.typed:>5}  {self.clicks:>6}")
        lines.append(
            f"targets: typed <= {MAX_TYPED}, clicks <= {MAX_CLICKS}; "
            f"CPR numbers typed: {len(self.cpr_typed)}, retyped: {len(self.retyped_cpr())}; "
            f"child's CPR typed once, at intake: "
            f"{'yes' if self.child_cpr_typed_once_at_intake() else 'NO'}"
        )
        return "\n".join(lines)


def _short(label: str, width: int = 24) -> str:
    return label if len(label) <= width else label[: width - 1].rstrip(" ,(") + "…"


class Hands:
    """The user's hands on the page: every typed field, click, check and choice is counted in
    the current step. Reading the page and waiting go through `page` directly."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.tally = Tally()

    @property
    def step(self) -> Step:
        assert self.tally.steps, "start a step first"
        return self.tally.steps[-1]

    def begin(self, name: str) -> None:
        self.tally.steps.append(Step(name))

    def type(self, label: str, value: str, *, exact: bool = False) -> None:
        """Type `value` into the field labelled `label` (a field counts once per step, however
        often it is corrected)."""
        self.page.get_by_label(label, exact=exact).fill(value)
        if label not in self.step.typed:
            self.step.typed.append(label)
        for date_part, serial in CPR_SHAPED.findall(value):
            self.tally.cpr_typed.append((date_part + serial, self.step.name))

    def click(self, target: Locator) -> None:
        target.click()
        self.step.clicks += 1

    def check(self, label: str, *, exact: bool = True) -> None:
        """A radio button or checkbox: one click."""
        self.page.get_by_label(label, exact=exact).check()
        self.step.clicks += 1

    def choose(self, label: str, option: str) -> None:
        """A form-js select: one click opens the list, one picks the option."""
        field = self.page.locator(".fjs-form-field").filter(has=self.page.get_by_label(label))
        display = field.locator(".fjs-select-display")
        self.click(display)
        self.click(field.locator(".fjs-dropdownlist-item", has_text=option).first)
        expect(display).to_have_text(option)


COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _today() -> str:
    return datetime.now(COPENHAGEN).date().isoformat()


class Journey:
    """One case from the underretning to the § 32 decision, as one caseworker works it."""

    def __init__(self, page: Page, api: ApiClient) -> None:
        self.hands = Hands(page)
        self.page = page
        self.api = api  # only to wait for the engine and learn the case number, never to act
        self.case_id = ""
        self.case_number = ""

    def run(self, child_cpr: str) -> Tally:
        self.hands.tally.child_cpr = child_cpr
        self.intake(child_cpr)
        self.assessment()
        self.investigation()
        self.decision()
        return self.hands.tally

    # -- the steps ---------------------------------------------------------------------------

    def intake(self, child_cpr: str) -> None:
        h = self.hands
        h.begin("Ny underretning")
        h.click(
            self.page.get_by_role("navigation", name="Hovedmenu").get_by_role(
                "link", name="Ny underretning"
            )
        )
        h.type("CPR-nummer", f"{child_cpr[:6]}-{child_cpr[6:]}", exact=True)
        h.click(self.page.get_by_role("button", name="Find barnet"))
        # CPR's name and age for the number, before anything is typed about the report.
        expect(self.page.locator("#barnets-cpr")).to_contain_text(re.compile(r"\d+ år"))
        # "Fagperson" and the time of receipt are already chosen: the report came in just now.
        expect(self.page.get_by_label("Fagperson", exact=True)).to_be_checked()
        h.type("Underretterens navn (valgfrit)", "Lærer Hanne Holm")
        h.type("Arbejdsplads (fagperson)", "Testskolen")
        h.type("Arbejdspladsens CVR-nummer (kvittering med Digital Post)", "10000001")
        h.type(
            "Bekymringen",
            "Barnet kommer ofte uden madpakke, er træt og har meget fravær. "
            "Forældrene kommer ikke til skole-hjem-samtaler.",
        )
        h.click(self.page.get_by_role("button", name="Modtag underretning"))
        expect(self.page).to_have_url(re.compile(r"/sager/[0-9a-f-]{36}"))
        self.case_id = self.page.url.split("/sager/")[1].split("?")[0]
        self.case_number = case_of(self.api, self.case_id)["case_number"]

    def assessment(self) -> None:
        h = self.hands
        h.begin("24-timers vurdering")
        # From the case page back to the overview, where the duty queue has the task.
        self.wait_for("24-timers vurdering")
        h.click(
            self.page.get_by_role("navigation", name="Hovedmenu").get_by_role(
                "link", name="Mit overblik"
            )
        )
        self.claim_and_open("24-timers vurdering")
        h.check("Nej")
        h.type(
            "Vurdering",
            "Ingen akut fare. Vedvarende bekymring for omsorg og fravær; skal undersøges.",
        )
        h.choose("Beslutning", "Børnefaglig undersøgelse (§ 20)")
        self.complete()

    def investigation(self) -> None:
        h = self.hands
        self.start_task("Indhent statusudtalelser")
        h.type("Skole: navn", "Testskolen")
        h.type("Skole: CVR-nummer", "10000001")
        h.type(
            "Det, institutionen skal beskrive (fx trivsel, fravær, udvikling, samarbejdet med "
            "forældrene)",
            "Trivsel, fravær og samarbejdet med forældrene.",
        )
        self.complete()

        self.start_task("Børnesamtale")
        h.check("Ja")
        h.type("Dato for samtalen (åååå-mm-dd)", _today())
        h.type(
            "Barnets perspektiv eller begrundelse for at undlade samtalen",
            "Barnet fortæller, at mor ofte sover om dagen, og at det selv smører madpakke.",
        )
        self.complete()

        self.statement_received()

        self.start_task("Børnefaglig undersøgelse")
        # The child's perspective comes from the børnesamtale just held.
        expect(self.page.get_by_label("Barnets perspektiv (fra børnesamtalen)")).to_have_value(
            re.compile("smører madpakke")
        )
        h.type("3 Dagtilbud, skoleforhold og læring", "Fravær 20 % i efteråret.")
        h.type("5 Trygt omsorgsmiljø", "Mor er periodevis syg; far arbejder på skiftehold.")
        h.type("8 Familieforhold og baggrund", "To forældre med fælles forældremyndighed.")
        h.type(
            "Analyse: samspil, risiko- og beskyttelsesfaktorer",
            "Forældrene er motiverede, men belastede af mors sygdom.",
        )
        h.type(
            "Samlet vurdering (sendes i partshøring før konklusionen)",
            "Barnet har behov for en fast kontaktperson og støtte i hjemmet.",
        )
        self.complete()

        self.start_task("Partshøring", "Partshøring (BFU)")
        h.type(
            "Det, parterne høres over (eller begrundelsen for undtagelse efter § 19, stk. 2)",
            "Undtaget efter § 19, stk. 2: forældrene har deltaget i hele undersøgelsen.",
        )
        h.type(
            "Frist for bemærkninger i dage (0 = undtaget efter § 19, stk. 2; ellers normalt 7-14)",
            "0",
        )
        self.complete()

        self.start_task("Konklusion og anbefaling")
        # The conclusion comes from the BFU's overall assessment; the caseworker keeps it.
        expect(self.page.get_by_role("textbox", name="Konklusion", exact=True)).to_have_value(
            re.compile("fast kontaktperson")
        )
        h.choose("Anbefaling", "Støttende indsats (§ 32)")
        self.complete()

    def statement_received(self) -> None:
        """The school's statusudtalelse arrives by mail: the caseworker finds the case and
        registers it on the case page; the BFU document waits until then."""
        h = self.hands
        h.begin("Statusudtalelse modtaget (sagssiden)")
        nav = self.page.get_by_role("navigation", name="Hovedmenu")
        h.click(nav.get_by_role("link", name="Søg"))
        h.type("CPR-nummer, navn eller sagsnummer", self.case_number)
        h.click(self.page.get_by_role("button", name="Søg"))
        h.click(self.page.get_by_role("link", name=self.case_number, exact=True))
        form = self.page.locator("details").filter(has_text="Registrér statusudtalelse fra")
        h.click(form.locator("summary"))
        # The time of receipt is already now; only the reply itself is pasted in.
        h.type(
            "Statusudtalelsen",
            "Barnet har 20 % fravær og virker træt om morgenen; forældrene svarer sjældent.",
        )
        h.click(form.get_by_role("button", name="Registrér statusudtalelse"))
        expect(self.page.get_by_role("status")).to_contain_text("Statusudtalelsen er registreret")
        h.click(nav.get_by_role("link", name="Mit overblik"))

    def decision(self) -> None:
        h = self.hands
        self.start_task("Børnesamtale før afgørelse")
        # Prefilled from the BFU's talk: a new talk is held, its date and what the child said.
        h.type("Dato for samtalen (åååå-mm-dd)", _today())
        h.type(
            "Barnets perspektiv eller begrundelse for at undlade samtalen",
            "Barnet vil gerne have en voksen at tale med uden for hjemmet.",
        )
        self.complete()

        self.start_task("Partshøring", "Partshøring (afgørelse)")
        # Prefilled from the BFU's partshøring (the 0 days included); only the material is new.
        h.type(
            "Det, parterne høres over (eller begrundelsen for undtagelse efter § 19, stk. 2)",
            "Undtaget efter § 19, stk. 2: afgørelsen giver forældrene fuldt medhold.",
        )
        self.complete()

        self.start_task("Afgørelse")
        h.choose("Afgørelse", "Bevilget")
        h.type("Hjemmel (fx BL § 32, stk. 1, nr. 3)", "BL § 32, stk. 1, nr. 3")
        # Hovedhensyn comes from the BFU's conclusion.
        expect(self.page.get_by_label("Hovedhensyn og faktiske oplysninger")).to_have_value(
            re.compile("fast kontaktperson")
        )
        h.type("Begrundelse", "En fast kontaktperson kan støtte barnets skolegang og trivsel.")
        h.choose("Truffet af", "Kommunen")
        h.choose("Indsatstype", "Fast kontaktperson")
        h.choose("Leverandørtype", "Privat tilbud")
        h.type("Leverandør (tilbuddets eller plejefamiliens navn)", "Kontaktpersonordningen ApS")
        h.type("Leverandørens CVR-nummer (8 cifre)", "29100001")
        h.type("Pris (kr.)", "4500")
        h.choose("Prisenhed", "Pr. måned")
        h.type("Bevillingens forventede slutdato (åååå-mm-dd)", _in_a_year())
        self.complete()

    # -- moving between tasks ----------------------------------------------------------------

    def wait_for(self, task: str) -> None:
        """Until the engine has made the task and the read model shows it (not the user's time)."""
        open_task(self.api, self.case_id, task)

    def start_task(self, task: str, step: str | None = None) -> None:
        """A new step: the task appears in the duty queue of Mit overblik, where the user is
        after the last one; claimed, then opened."""
        self.hands.begin(step or task)
        self.wait_for(task)
        self.page.reload()
        self.claim_and_open(task)

    def claim_and_open(self, task: str) -> None:
        queue = self.page.get_by_role("region", name=re.compile("Teamets vagtkø"))
        card = (
            queue.locator("li.task-card")
            .filter(has_text=f"Sag {self.case_number}")
            .filter(has=self.page.get_by_role("link", name=task, exact=True))
        )
        self.hands.click(card.get_by_role("button", name=re.compile("Tag opgaven")))
        mine = self.page.get_by_role("region", name=re.compile("Mine opgaver"))
        link = (
            mine.locator("li.task-card")
            .filter(has_text=f"Sag {self.case_number}")
            .get_by_role("link", name=task, exact=True)
        )
        self.hands.click(link)
        expect(self.page.get_by_role("heading", level=1)).to_have_text(task)
        expect(self.page.locator("#task-form[data-ready=true]")).to_have_count(1)

    def complete(self) -> None:
        self.hands.click(self.page.get_by_role("button", name="Afslut opgaven"))
        expect(self.page).to_have_url(DONE)


def _in_a_year() -> str:
    today = datetime.now(COPENHAGEN).date()
    return today.replace(year=today.year + 1, day=min(today.day, 28)).isoformat()


def journey_child() -> str:
    """A fresh synthetic child of 8 (parents with custody in the CPR simulator)."""
    return synthetic_cpr_of_age(uuid.uuid4().hex, 8, datetime.now(UTC).date())


def run(page: Page, api: ApiClient) -> Tally:
    """The journey on a page already signed in as the caseworker, standing on Mit overblik."""
    return Journey(page, api).run(journey_child())


def main() -> int:
    from playwright.sync_api import sync_playwright

    from infra.platform import Stack, StackOptions
    from infra.stack import REPO, Ports
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, log_in

    root = REPO / ".runtime" / "burden"
    shutil.rmtree(root, ignore_errors=True)
    stack = Stack(root, Ports.free(), StackOptions(test_mode=True, broker_heap="384m"))
    tally: Tally | None = None
    try:
        stack.start()
        base_url = f"http://127.0.0.1:{stack.ports.api}"
        api = ApiClient(base_url, "caseworker")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(
                locale="da-DK", timezone_id="Europe/Copenhagen", base_url=base_url
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            log_in(page, base_url, "caseworker")
            tally = run(page, api)
            browser.close()
        api.close()
    finally:
        stack.stop()
        # Keep the logs (a failed run needs them), never the data.
        shutil.rmtree(root / "data", ignore_errors=True)
    assert tally is not None
    print("Burden of the standard journey (underretning -> 24-timers vurdering -> BFU -> § 32)")
    print(tally.table())
    problems = tally.problems()
    for problem in problems:
        print(f"FEJL: {problem}")
    if not problems:
        print("OK: the targets hold.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""A year of synthetic cases, grants and payments for a demo municipality, written directly to
the database (no engine: the budget and figures pages read the case store only).

Everything made here is marked synthetic: case numbers start with `SYN-`, the cases carry the
flag `syntetisk`, children's CPR numbers come from `api.testdata` (synthetic by construction) and
their names say "Syntetisk". Deterministic for a seed and a day; a municipality that already has
synthetic cases gets nothing more (so `make run` can run it every time).

Each case also gets the Børnesagsbarometer's deadlines as they went (`deadline_history`, read by
the compliance figures of the leader's page and Nøgletal): the BFU within 4 months of the case
opening (D5), the samtale before the decision, barnets plan (D6) and the first follow-up (D9)
within 3 months of the measure's start. Most were met, some were late with a reason, and those
not yet due are partly still open (`DEADLINE_MIX`).

`python -m api.demo.synthetic` seeds Demo Nord (901) for `make run`: 240 children.
"""

from __future__ import annotations

import argparse
import random
import sys
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from api.calendar.months import add_months, months_deadline
from api.calendar.working_days import COPENHAGEN
from api.cases.tables import case, deadline_history, measure, person
from api.db import make_engine
from api.finance import budget, kontostreng
from api.finance.budget_tables import budget_line
from api.finance.projection import Terms, month_of, next_month, projection
from api.finance.tables import grant_award, grant_payment, grant_revision
from api.settings import get_settings
from api.testdata.cpr import is_synthetic, synthetic_cpr

NAMESPACE = uuid.UUID("0b7c5a4e-4f0e-4d7a-9d55-3c2a1f5e6b10")
FLAG = "syntetisk"
PREFIX = "SYN-"
FIRST_NAMES = ("Alma", "Noah", "Ida", "Oscar", "Freja", "Karl", "Ella", "William", "Liva", "Emil")
# What a demo municipality buys, with a monthly price range (kr.) and the share of children.
OFFERS: tuple[tuple[str, str, str, int, int, int], ...] = (
    # kind, indsats type, provider type, price from, price to, weight
    ("indsats", "familiebehandling", "kommunal", 8_000, 18_000, 22),
    ("indsats", "kontaktperson", "privat", 6_000, 14_000, 20),
    ("indsats", "praktisk_paedagogisk_stoette", "kommunal", 5_000, 12_000, 12),
    ("indsats", "aflastning", "privat", 9_000, 20_000, 8),
    ("anbringelse", "plejefamilie", "plejefamilie", 25_000, 38_000, 16),
    ("anbringelse", "netvaerksplejefamilie", "plejefamilie", 9_000, 15_000, 6),
    ("anbringelse", "opholdssted", "privat", 55_000, 85_000, 9),
    ("anbringelse", "doegninstitution", "regional", 70_000, 110_000, 6),
    ("anbringelse", "sikret_doegninstitution", "regional", 140_000, 190_000, 1),
)
FOSTER_EXPENSES = Decimal("4300.00")  # untaxed maintenance per month
# How the deadlines went, as weights: met in time, late (done after the due time, with a
# reason), and still open (only a deadline not yet due; one already due and open is late).
DEADLINE_MIX = (("on_time", 78), ("late", 14), ("open", 8))
# A samtale held before the decision, or left out (with a reason).
SAMTALE_HELD = 0.85
LATE_REASONS = (
    "Afventede udtalelse fra skolen",
    "Sagsbehandleren var sygemeldt",
    "Forældrene aflyste mødet to gange",
    "Stor sagsmængde i teamet",
    "Afventede børnepsykiatrisk vurdering",
)
SAMTALE_REASONS = (
    "Barnet ønskede ikke at deltage",
    "Barnets alder og modenhed talte imod en samtale",
)
# The compliance measure (api.web.compliance.MEASURES) of each kept deadline rule.
MEASURE_OF = {"D5": "bfu", "samtale": "samtale", "D6": "plan", "D9": "opfoelgning"}


def _id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


def _decision_key(municipality_id: str, seed: int, i: int) -> int:
    """A made-up decision key, negative so no engine key can equal it, and distinct per
    municipality, seed and child: two municipalities seeded alike must not collide."""
    prefix = _id("decision", municipality_id, seed).int % 10**9
    return -(10**12) - prefix * 10**7 - i


def _account(indsats_type: str, provider_type: str) -> tuple[str, str, str]:
    for t, p, funktion, dranst, art in kontostreng.demo_rules():
        if (t, p) == (indsats_type, provider_type):
            return funktion, dranst, art
    raise LookupError(f"no demo kontostreng for {indsats_type} from {provider_type}")


def already_seeded(conn: Connection, municipality_id: str) -> bool:
    return (
        conn.execute(
            select(case.c.id)
            .where(case.c.municipality_id == municipality_id, case.c.case_number.like(f"{PREFIX}%"))
            .limit(1)
        ).first()
        is not None
    )


def unique_cprs(conn: Connection, count: int, key: str) -> list[str]:
    """`count` synthetic CPR numbers, none in the person table yet and no two alike."""
    taken = {r.cpr for r in conn.execute(select(person.c.cpr).where(person.c.cpr.is_not(None)))}
    found: list[str] = []
    seed = 0
    while len(found) < count:
        cpr = synthetic_cpr(f"{key}:{seed}")
        seed += 1
        if cpr in taken or not is_synthetic(cpr):
            continue
        taken.add(cpr)
        found.append(cpr)
    return found


def _deadlines(
    rng: random.Random,
    case_id: uuid.UUID,
    opened: datetime,
    decided: datetime,
    today: date,
    tally: dict[str, dict[str, int]],
) -> list[dict[str, Any]]:
    """The case's four kept deadlines as they went by `today` (nothing is done after today's
    start, and none is left open that falls due today), each counted in `tally` by its
    measure and its outcome during `today`: met (done by its due time), breached (done after
    it, or not done and due before today) or running (not done, due after today)."""
    cutoff = datetime.combine(today, time(0), UTC)
    rows: list[dict[str, Any]] = []

    def add(
        rule: str, started: datetime, due: datetime, done: datetime | None, reason: Any
    ) -> None:
        rows.append(
            {
                "id": _id("deadline", case_id, rule),
                "case_id": case_id,
                "rule": rule,
                "started_at": started,
                "due_at": due,
                "done_at": done,
                "reason": reason,
                "source": FLAG,
            }
        )

    def count(rule: str, outcome: str) -> None:
        counts = tally.setdefault(MEASURE_OF[rule], {"met": 0, "breached": 0, "running": 0})
        counts[outcome] += 1

    def deadline(rule: str, started: datetime, months: int) -> None:
        due = months_deadline(started, months)
        (how,) = rng.choices([m[0] for m in DEADLINE_MIX], [m[1] for m in DEADLINE_MIX])
        if how == "open" and due < cutoff + timedelta(days=2):
            how = "late"  # due already: an open deadline is a late one
        done: datetime | None = None
        if how == "on_time":
            span = max((min(due, cutoff) - started).days, 2)
            done = started + timedelta(days=rng.randrange(1, span), hours=rng.randrange(0, 6))
        elif how == "late":
            done = due + timedelta(days=rng.randrange(2, 45))
        if done is not None and done >= cutoff:
            done = None  # not done yet
        if done is None and cutoff <= due < cutoff + timedelta(days=1):
            # Falling due today: done in time, so no deadline turns late while it is counted.
            done = cutoff - timedelta(hours=1)
        if done is None:
            how = "open" if due >= cutoff else "late"
        else:
            how = "on_time" if done <= due else "late"
        outcome = {"on_time": "met", "late": "breached", "open": "running"}[how]
        reason = rng.choice(LATE_REASONS) if how == "late" and done is not None else None
        add(rule, started, due, done, reason)
        count(rule, outcome)

    deadline("D5", opened, 4)
    if rng.random() < SAMTALE_HELD:
        held = decided - timedelta(days=rng.randrange(1, 15), hours=rng.randrange(0, 6))
        add("samtale", decided, decided, max(held, opened), None)
        count("samtale", "met")
    else:
        add("samtale", decided, decided, None, rng.choice(SAMTALE_REASONS))
        count("samtale", "breached")
    deadline("D6", decided, 3)
    deadline("D9", decided, 3)
    return rows


def seed_year(
    conn: Connection,
    municipality_id: str,
    org_unit_id: uuid.UUID,
    *,
    children: int,
    today: date,
    seed: int = 11,
    budgets: bool = True,
) -> dict[str, Any]:
    """Cases started over the 12 months before `today`, each with one measure and its grants
    (a foster family: the fee and the untaxed expenses), a price change on every sixth, an
    end on every seventh, every month before `today`'s posted and matched, and its deadlines
    as they went (`_deadlines`). With `budgets`, this year's budget per funktion near its
    forecast. What was made, counted; under `compliance` the deadlines per measure and
    outcome (met, breached, running), as the compliance figures should count them today."""
    rng = random.Random(f"{seed}:{municipality_id}")
    # Deadlines from a generator of their own, so the grants and payments stay as they were.
    deadline_rng = random.Random(f"{seed}:{municipality_id}:frister")
    tally: dict[str, dict[str, int]] = {}
    deadlines: list[dict[str, Any]] = []
    weights = [o[5] for o in OFFERS]
    cprs = unique_cprs(conn, children, f"synthetic-year:{municipality_id}:{seed}")
    this_month = month_of(today)
    year_ago = add_months(this_month, -12)
    made: dict[str, Any] = {"cases": 0, "grants": 0, "payments": 0}
    persons: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    measures: list[dict[str, Any]] = []
    grants: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    for i, cpr in enumerate(cprs):
        kind, indsats_type, provider_type, low, high, _ = rng.choices(OFFERS, weights)[0]
        started = year_ago + timedelta(days=rng.randrange(0, (today - year_ago).days))
        opened = datetime.combine(started - timedelta(days=rng.randrange(20, 90)), time(9), UTC)
        child = _id("person", municipality_id, seed, i)
        case_id = _id("case", municipality_id, seed, i)
        measure_id = _id("measure", municipality_id, seed, i)
        name = f"{FIRST_NAMES[i % len(FIRST_NAMES)]} Syntetisk {i + 1}"
        first, last = name.rsplit(" ", 1)[0].split(" ", 1)
        persons.append(
            {
                "id": child,
                "cpr": cpr,
                "cpr_status": "found",
                "cpr_data": {"first_names": first, "last_name": last, "synthetic": True},
            }
        )
        cases.append(
            {
                "id": case_id,
                "case_number": f"{PREFIX}{municipality_id}-{seed}-{i + 1:06d}",
                "municipality_id": municipality_id,
                "org_unit_id": org_unit_id,
                "child_id": child,
                "kle_subject": "34.10.10",
                "flags": [FLAG],
                "created_at": opened,
            }
        )
        ended = started + timedelta(days=rng.randrange(60, 200)) if i % 7 == 6 else None
        if ended is not None and ended >= today:
            ended = None
        legal_basis = "BL § 32, stk. 1, nr. 3" if kind == "indsats" else "BL § 46"
        decided = datetime.combine(started, time(10), UTC)
        deadlines += _deadlines(deadline_rng, case_id, opened, decided, today, tally)
        measures.append(
            {
                "id": measure_id,
                "case_id": case_id,
                "kind": kind,
                "legal_basis": legal_basis,
                "decision_instance_key": _decision_key(municipality_id, seed, i),
                "started_on": started,
                "ended_on": ended,
                "created_at": decided,
            }
        )
        funktion, dranst, art = _account(indsats_type, provider_type)
        price = Decimal(rng.randrange(low, high, 250)).quantize(Decimal("0.01"))
        expected_end = add_months(started, rng.choice((6, 12, 12, 18, 24)))
        person_paid = provider_type in kontostreng.PERSON_PROVIDERS
        components = [("vederlag" if person_paid else "ydelse", price)]
        if person_paid:
            components.append(("omkostninger", FOSTER_EXPENSES))
        for component, amount in components:
            grant_id = _id("grant", municipality_id, seed, i, component)
            grants.append(
                {
                    "id": grant_id,
                    "case_id": case_id,
                    "measure_id": measure_id,
                    "municipality_id": municipality_id,
                    "component": component,
                    "indsats_type": indsats_type,
                    "provider_type": provider_type,
                    "provider_name": f"Syntetisk {kontostreng.PROVIDER_TYPES[provider_type]}",
                    "creditor_kind": "CPR" if person_paid else "CVR",
                    "creditor_number": synthetic_cpr(f"foster:{grant_id}")
                    if person_paid
                    else f"{29100000 + i % 90:08d}",
                    "income_type": ("B" if component == "vederlag" else "SKATTEFRI")
                    if person_paid
                    else None,
                    "service": kontostreng.INDSATS_TYPES[kind][indsats_type]
                    + (" - omkostninger" if component == "omkostninger" else ""),
                    "funktion": funktion,
                    "dranst": dranst,
                    "art": art,
                    "created_at": datetime.combine(started, time(11), UTC),
                }
            )
            history = [Terms(1, amount, "maaned", started, expected_end, started)]
            if i % 6 == 5 and component != "omkostninger":
                change = next_month(month_of(started + timedelta(days=45)))
                if change < expected_end:
                    history.append(
                        Terms(
                            2,
                            (amount * Decimal("1.08")).quantize(Decimal("0.01")),
                            "maaned",
                            started,
                            expected_end,
                            change,
                        )
                    )
            for t in history:
                revisions.append(
                    {
                        "grant_id": grant_id,
                        "revision": t.revision,
                        "price": t.price,
                        "unit": t.unit,
                        "starts_on": t.starts_on,
                        "expected_end": t.expected_end,
                        "effective_from": t.effective_from,
                        "reason": "Afgørelse" if t.revision == 1 else "Ny takst (syntetisk)",
                    }
                )
            for month, due in projection(history, ended).items():
                if month >= this_month:
                    break
                payments.append(
                    {
                        "id": _id("payment", grant_id, month),
                        "grant_id": grant_id,
                        "period": month,
                        "amount": due,
                        "posting_id": f"{grant_id}-{month:%Y-%m}",
                        "voucher": f"SYN-{grant_id.hex[:12]}-{month:%Y%m}",
                        "status": "matched",
                        "run_key": 0,
                        "reference": f"SYN{month:%Y%m}{i:06d}",
                        "posted_at": datetime.combine(month + timedelta(days=27), time(6), UTC),
                        "posted_amount": due,
                        "approver_name": "Syntetisk godkendelse",
                    }
                )
    for table, rows in (
        (person, persons),
        (case, cases),
        (measure, measures),
        (grant_award, grants),
        (grant_revision, revisions),
        (grant_payment, payments),
        (deadline_history, deadlines),
    ):
        for start in range(0, len(rows), 1000):
            conn.execute(insert(table).values(rows[start : start + 1000]))
    made.update(
        cases=len(cases),
        grants=len(grants),
        payments=len(payments),
        deadlines=len(deadlines),
        compliance=tally,
    )
    if budgets:
        made["budget_lines"] = seed_budgets(conn, municipality_id, org_unit_id, today, rng)
    return made


def seed_budgets(
    conn: Connection,
    municipality_id: str,
    org_unit_id: uuid.UUID,
    today: date,
    rng: random.Random,
) -> int:
    """This year's budget per funktion of the unit: its forecast give or take 12 %, rounded to
    10,000 kr.; a line already set is kept."""
    budget.refresh(conn, municipality_id)
    from api.auth.principal import Principal

    reader = Principal(
        uuid.UUID(int=0),
        "synthetic",
        "Syntetisk",
        municipality_id,
        org_unit_id,
        frozenset({"finance"}),
    )
    view = budget.overview(conn, reader, today.year, today)
    count = 0
    for line in view["lines"]:
        if line["org_unit_id"] != str(org_unit_id):
            continue
        forecast = Decimal(line["forecast"])
        amount = (forecast * Decimal(rng.uniform(0.88, 1.12)) / 10_000).quantize(
            Decimal(1)
        ) * 10_000
        conn.execute(
            insert(budget_line)
            .values(
                municipality_id=municipality_id,
                year=today.year,
                funktion=line["funktion"],
                org_unit_id=org_unit_id,
                amount=amount,
            )
            .on_conflict_do_nothing()
        )
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    from api.demo.seed import unit_id

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--municipality", default="901")
    parser.add_argument("--children", type=int, default=240)
    args = parser.parse_args(argv)
    today = datetime.now(COPENHAGEN).date()
    with make_engine(get_settings()).begin() as conn:
        if already_seeded(conn, args.municipality):
            print(f"synthetic year: {args.municipality} already has synthetic cases")
            return 0
        made = seed_year(
            conn, args.municipality, unit_id(args.municipality), children=args.children, today=today
        )
        from api.figures import service

        service.take_baseline_if_missing(conn, args.municipality, add_months(today, -9))
        total = conn.execute(
            select(func.count()).select_from(case).where(case.c.case_number.like(f"{PREFIX}%"))
        ).scalar()
    print(f"synthetic year for {args.municipality}: {made} ({total} synthetic cases in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

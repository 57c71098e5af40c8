"""`python -m infra.walk`: the README's walk through an underretning, against a running stack.

Signs in as the development caseworker, receives an underretning about a synthetic child, finds
the 24-hour assessment in the duty queue, claims it, completes it, and shows the instance move on.
Then the integrations: the CPR lookup with custody (SF1520), the kvittering sent by Digital Post
with its delivery time, the assessment journalised at the ESDH (SF2900) with its index entry
(SF1470), and a CPR move event that starts `flytning`; the case then goes through SF2900 to Demo
Syd Kommune, whose caseworker takes it over (BL § 132). A second case gets a § 32 decision
with its grant, whose payment for this month is posted through FK-ØKO and read back.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from adapters.cpr.events import CREDENTIAL_HEADER, TEST_CREDENTIAL
from adapters.fkoeko.client import CREDENTIAL_HEADER as FKOEKO_CREDENTIAL_HEADER
from adapters.fkoeko.client import TEST_CREDENTIAL as FKOEKO_TEST_CREDENTIAL
from api.testdata.cpr import synthetic_child_cpr


def wait(what: str, check: Any, seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--simulators-url", default="http://127.0.0.1:8100")
    args = parser.parse_args(argv)
    http = httpx.Client(base_url=args.base_url, timeout=30)
    token = http.post("/api/auth/token", data={"username": "caseworker", "password": "demo"})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    # synthetic: never a real child's number
    child = synthetic_child_cpr(uuid.uuid4().hex, datetime.now(UTC).date())
    received = http.post(
        "/api/underretninger",
        json={
            "child_cpr": child,
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "professional",
            "reporter_organisation": "Skolen ved Søen",
            "reporter_email": "kontoret@skolen.example",
            # made up for the demo, like the demo municipalities' CVR numbers
            "reporter_cvr": "29100001",
            "concern": "Eleven kommer ofte for sent, sulten og uden madpakke.",
        },
    )
    received.raise_for_status()
    case_id = received.json()["case_id"]
    print(f"1. modtaget: sag {case_id}")

    def task() -> Any:
        tasks = http.get("/api/tasks", params={"case_id": case_id}).json()
        return next((t for t in tasks if t["name"] == "24-timers vurdering"), None)

    found = wait("the 24-hour task", task)
    queue = ", ".join(found["candidate_groups"])
    print(f"2. opgave i vagtkøen {queue}: {found['name']}, frist {found['due_at']}")
    http.post(f"/api/tasks/{found['id']}/claim").raise_for_status()
    print("3. opgaven er taget")
    done = http.post(
        f"/api/tasks/{found['id']}/complete",
        json={
            "acute_risk": "no",
            "assessment": "Skolen og forældrene samarbejder; afdækning efter § 19.",
            "outcome": "afdaekning",
        },
    )
    done.raise_for_status()
    print("4. vurderingen er afsluttet: afdækning")

    def ended() -> Any:
        detail = http.get(f"/api/processes/instances/{found['process_instance_key']}")
        if detail.status_code == 200 and any(
            e["element_id"] == "to_afdaekning" for e in detail.json()["elements"]
        ):
            return detail.json()
        return None

    instance = wait("the instance to move on", ended)
    print(
        f"5. processen gik videre til 'Til afdækning' (instans {instance['key']}, "
        f"{instance['state']})"
    )
    case = http.get(f"/api/cases/{case_id}").json()
    for deadline in case["deadlines"]:
        print(
            f"   frist {deadline['rule_id']} {deadline['label']} ({deadline['basis']}): "
            f"{deadline['state']}"
        )
    integrations(http, args.simulators_url, case_id, child)
    statistics(args.base_url)
    payments(args.base_url, args.simulators_url)
    return 0


def integrations(http: httpx.Client, simulators: str, case_id: str, child: str) -> None:
    def page() -> Any:
        return http.get(f"/api/cases/{case_id}").json()

    custody = wait("the CPR answer", lambda: page()["child"]["custody"])
    print(f"6. CPR (SF1520): barnet slået op, {len(custody)} med forældremyndighed")
    kvittering = wait(
        "the kvittering",
        lambda: next(
            (
                x
                for x in page()["letters"]
                if x["kind"] == "kvittering" and x["recipient_kind"] == "cvr"
            ),
            None,
        ),
    )
    print(
        f"7. Digital Post (SF1601): kvittering til skolens CVR leveret {kvittering['delivered_at']}"
    )
    indexed = wait(
        "a journalised document",
        lambda: next((d for d in page()["esdh"] if d["status"] == "indexed"), None),
        seconds=120,
    )
    print(
        f"8. ESDH: '{indexed['title']}' journaliseret (SF2900 {indexed['filed_at']}) "
        f"og indekseret (SF1470 {indexed['indexed_at']})"
    )
    moved = httpx.post(
        f"{simulators}/cpr-haendelser",
        json={
            "id": uuid.uuid4().hex,
            "type": "flytning",
            "personnummer": child,
            "dato": datetime.now(UTC).date().isoformat(),
            "kommunekode": "902",
        },
        headers={CREDENTIAL_HEADER: TEST_CREDENTIAL},
        timeout=30,
    )
    moved.raise_for_status()
    wait(
        "flytning to start",
        lambda: any(p["bpmn_process_id"] == "flytning" for p in page()["processes"]),
    )
    print("9. CPR-hændelse: familien er flyttet til kommune 902, og flytning er startet")
    transfer(http, case_id)


def signed_in(base_url: str, username: str) -> httpx.Client:
    http = httpx.Client(base_url=base_url, timeout=30)
    token = http.post("/api/auth/token", data={"username": username, "password": "demo"})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return http


def named_task(http: httpx.Client, name: str, case_id: str | None = None) -> Any:
    params = {"case_id": case_id} if case_id else {}
    tasks = http.get("/api/tasks", params=params).json()
    return [t for t in tasks if t["name"] == name]


def transfer(http: httpx.Client, case_id: str) -> None:
    """The flytning sends the case through SF2900; Demo Syd receives it and takes it over."""
    (summary,) = wait(
        "the summary task", lambda: named_task(http, "Sagsresumé til den nye kommune", case_id)
    )
    http.post(
        f"/api/tasks/{summary['id']}/complete",
        json={
            "summary": "Underretning fra skolen; afdækning i gang, forældrene samarbejder.",
            "open_decisions": "Ingen afgørelser endnu.",
        },
    ).raise_for_status()
    sent = wait(
        "the package to be sent",
        lambda: next(
            (
                p
                for p in http.get(f"/api/cases/{case_id}/transfers").json()["sent"]
                if p["status"] == "sent"
            ),
            None,
        ),
    )
    print(
        f"10. SF2900: sagen er sendt til kommune 902 som én overførsel "
        f"({sent['documents']} dokumenter og følgeseddel med resumé)"
    )
    syd = signed_in(str(http.base_url), "caseworker2")

    def arrived() -> Any:
        for task in named_task(syd, "Modtag sag fra tidligere kommune"):
            received = syd.get(f"/api/cases/{task['case_id']}/transfers").json()["received"]
            if any(r["sender_case_id"] == case_id for r in received):
                return task
        return None

    take_over = wait("the case to arrive in Demo Syd", arrived)
    syd_case = take_over["case_id"]
    hidden = http.get(f"/api/cases/{syd_case}").status_code
    print(
        f"11. Demo Syd Kommune: ny sag {syd_case} modtaget og startet ved besked "
        f"(Demo Nord ser den ikke: HTTP {hidden})"
    )
    syd.post(
        f"/api/tasks/{take_over['id']}/complete",
        json={"responsible": "Sara Sagsbehandler", "meeting_needed": False},
    ).raise_for_status()
    wait(
        "the take-over",
        lambda: syd.get(f"/api/cases/{syd_case}/transfers").json()["received"][0]["taken_over_at"],
    )
    print("12. sagen er overtaget af Demo Syd; næste opgave: gennemgå igangværende afgørelser")
    syd.close()


def payments(base_url: str, simulators: str) -> None:
    """A § 32 decision with its grant, this month's payment posted through FK-ØKO and read
    back from the finance system (the simulator)."""

    def client(username: str) -> httpx.Client:
        http = httpx.Client(base_url=base_url, timeout=30)
        token = http.post("/api/auth/token", data={"username": username, "password": "demo"})
        token.raise_for_status()
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        return http

    http, finance = client("caseworker"), client("finance")
    today = datetime.now(UTC).date()
    received = http.post(
        "/api/underretninger",
        json={
            "child_cpr": synthetic_child_cpr(uuid.uuid4().hex, today),
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "private",
            "concern": "Barnet mangler en fast voksen at tale med.",
        },
    )
    received.raise_for_status()
    case_id = received.json()["case_id"]

    def finish(name: str, data: dict[str, Any]) -> None:
        def find() -> Any:
            tasks = http.get("/api/tasks", params={"case_id": case_id}).json()
            return next((t for t in tasks if t["name"] == name), None)

        found = wait(f"the task {name!r}", find)
        http.post(f"/api/tasks/{found['id']}/complete", json=data).raise_for_status()

    finish(
        "24-timers vurdering",
        {"acute_risk": "no", "assessment": "Behov for en kontaktperson.", "outcome": "afdaekning"},
    )
    http.post(f"/api/cases/{case_id}/decisions", json={"subject": "stoettende_indsats"})
    finish(
        "Børnesamtale før afgørelse",
        {"held": "yes", "held_on": today.isoformat(), "summary": "Barnet ønsker en kontaktperson."},
    )
    finish("Partshøring", {"material": "Undtaget: forældrene har selv søgt.", "hearing_days": 0})
    finish(
        "Afgørelse",
        {
            "decision": "grant",
            "legal_basis": "BL § 32, stk. 1, nr. 3",
            "main_facts": "Barnet og forældrene ønsker en fast kontaktperson.",
            "reasoning": "En kontaktperson kan støtte barnets skolegang og trivsel.",
            "decided_by": "kommune",
            "indsats_type": "kontaktperson",
            "provider_type": "privat",
            "provider_name": "Kontaktpersonordningen ApS (syntetisk)",
            # made up for the demo, like the demo municipalities' CVR numbers
            "provider_cvr": "29100001",
            "price": 12500,
            "price_unit": "maaned",
            "grant_expected_end": today.replace(year=today.year + 1, day=1).isoformat(),
        },
    )
    (grant,) = wait("the grant", lambda: http.get(f"/api/cases/{case_id}/grants").json())
    account = grant["kontostreng"]
    print(
        f"Bevilling: {grant['service']}, kontostreng {account['funktion']} dranst "
        f"{account['dranst']} art {account['art']}, prognose {grant['forecast_total']} kr."
    )
    period = f"{today:%Y-%m}"
    finance.post("/api/payments/runs", json={"period": period}).raise_for_status()

    def matched() -> Any:
        paid = http.get(f"/api/cases/{case_id}/grants").json()[0]["payments"]
        return next((p for p in paid if p["status"] == "matched"), None)

    paid = wait("the payment to be booked and matched", matched, seconds=90)
    booked = httpx.get(
        f"{simulators}/fkoeko/posteringer",
        params={"bevilling": grant["id"]},
        headers={FKOEKO_CREDENTIAL_HEADER: FKOEKO_TEST_CREDENTIAL},
        timeout=30,
    )
    booked.raise_for_status()
    print(
        f"FK-ØKO: udbetalingen for {period} ({paid['amount']} kr.) er bogført i OPUS som "
        f"{paid['reference']} og afstemt ({booked.text.count('<Bogfoert>')} postering i "
        f"simulatoren)"
    )


def statistics(base_url: str) -> None:
    """Danmarks Statistik: an operator asks for a run now, and the file is accepted."""
    http = httpx.Client(base_url=base_url, timeout=30)
    token = http.post("/api/auth/token", data={"username": "operator", "password": "demo"})
    token.raise_for_status()
    http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    known = {d["delivery_id"] for d in http.get("/api/dst/leveringer").json()}
    http.post("/api/dst/koersler").raise_for_status()

    def accepted() -> Any:
        found = http.get("/api/dst/leveringer").json()
        return next(
            (d for d in found if d["delivery_id"] not in known and d["status"] == "accepted"),
            None,
        )

    file = wait("an accepted DST file", accepted, seconds=120)
    print(
        f"Danmarks Statistik: levering {file['delivery_id']} med {file['event_count']} "
        "hændelser er godkendt"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

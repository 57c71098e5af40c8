"""The offer catalogue on the real stack: the sample imported by the seed, search by need,
target group, method, distance and price; a municipality's negotiated price and experiences
seen by that municipality only; the importer run again; and end to end, a § 32 decision with
an offer from the catalogue, its grant, three periods posted at FK-ØKO and a price change
that revises the forecast."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.audit.tables import audit_event
from api.finance.projection import month_of, next_month
from api.tilbud import importer
from api.tilbud.tables import tilbud_offer
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.harness.waiting import eventually
from tests.platform.test_afgoerelse import DECISION, to_decision
from tests.platform.test_investigation import complete, start_underretning, task_named
from tests.platform.test_payments import booked, grant_now, grants_of, payment, run

CONTACT_WEST = str(importer.offer_id("SYN-1007"))  # Kontaktperson Vest, 12 500 kr./måned
FJORD = str(importer.offer_id("SYN-1003"))  # Fjordgården, opholdssted
FAMILY = str(importer.offer_id("SYN-1005"))  # Familiecentret, familiebehandling
LYNG = str(importer.offer_id("SYN-1014"))  # Lyngbakken, aflastning


def _client(platform: Platform, username: str) -> Iterator[ApiClient]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", username)
    yield client
    client.close()


@pytest.fixture(scope="module")
def finance(platform: Platform) -> Iterator[ApiClient]:
    yield from _client(platform, "finance")


@pytest.fixture(scope="module")
def south(platform: Platform) -> Iterator[ApiClient]:
    yield from _client(platform, "caseworker2")


@pytest.fixture(scope="module")
def auditor(platform: Platform) -> Iterator[ApiClient]:
    yield from _client(platform, "auditor")


def offers(client: ApiClient, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/api/tilbud", **params)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["offers"])


def one(client: ApiClient, offer_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/tilbud/{offer_id}")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_search_by_need_target_group_method_distance_and_price(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Filters narrow the catalogue; distances run from the child's postcode, nearest first."""
    everything = offers(caseworker)
    assert len(everything) >= 20
    homes = offers(caseworker, need="opholdssted")
    assert homes and {o["offer_type"] for o in homes} == {"opholdssted"}
    assert all("unge" in o["target_groups"] for o in offers(caseworker, target_group="unge"))
    assert {o["id"] for o in offers(caseworker, method="mst")} == {
        str(importer.offer_id("SYN-1013")),
        str(importer.offer_id("SYN-1017")),
    }
    assert all(o["vacancies"] > 0 for o in offers(caseworker, vacant_only="true"))
    cheap = offers(caseworker, max_monthly_price="13000", sort="price")
    assert cheap and all(Decimal(o["monthly_price"]) <= 13000 for o in cheap)
    assert [Decimal(o["monthly_price"]) for o in cheap] == sorted(
        Decimal(o["monthly_price"]) for o in cheap
    )

    case_id, _ = start_underretning(caseworker, "afdaekning")

    def from_child() -> dict[str, Any]:
        answer = caseworker.get("/api/tilbud", case_id=case_id, max_km="80").json()
        assert answer["origin"].startswith("postnummer "), answer["origin"]
        return dict(answer)

    found = eventually(from_child, what="the child's postcode")
    distances = [o["distance_km"] for o in found["offers"]]
    assert distances == sorted(distances) and all(d <= 80 for d in distances)
    with platform.db.connect() as conn:
        audited = conn.execute(
            select(audit_event)
            .where(audit_event.c.username == "caseworker", audit_event.c.action == "search")
            .order_by(audit_event.c.id.desc())
        ).first()
    assert audited is not None and audited.case_ids == [uuid.UUID(case_id)]

    assert caseworker.get("/api/tilbud", need="rumrejse").status_code == 422


def test_a_case_outside_the_callers_scope_gives_no_distance_and_no_answer(
    caseworker: ApiClient, south: ApiClient
) -> None:
    case_id, _ = start_underretning(caseworker, "afdaekning")
    assert south.get("/api/tilbud", case_id=case_id).status_code == 404
    assert south.get(f"/api/tilbud/{FJORD}", case_id=case_id).status_code == 404


def test_a_negotiated_price_is_the_municipalitys_own(
    caseworker: ApiClient, leader: ApiClient, finance: ApiClient, south: ApiClient
) -> None:
    """Nord's agreed price replaces the list price for Nord only; the history is kept."""
    listed = one(caseworker, FJORD)
    assert listed["negotiated"] is False and listed["price"] == "2890.00"
    first = leader.post(
        f"/api/tilbud/{FJORD}/priser",
        {"price": "2600", "unit": "doegn", "valid_from": "2025-01-01", "note": "Rammeaftale"},
    )
    assert first.status_code == 201, first.text
    later = finance.post(
        f"/api/tilbud/{FJORD}/priser",
        {
            "price": "2650",
            "unit": "doegn",
            "valid_from": "2026-01-01",
            "note": "Pristalsregulering",
        },
    )
    assert later.status_code == 201, later.text
    future = leader.post(
        f"/api/tilbud/{FJORD}/priser",
        {"price": "2700", "unit": "doegn", "valid_from": "2099-01-01"},
    )
    assert future.status_code == 201
    nord = one(caseworker, FJORD)
    assert nord["negotiated"] is True and nord["price"] == "2650.00"
    assert nord["list_price"] == "2890.00" and nord["negotiated_from"] == "2026-01-01"
    assert [p["price"] for p in nord["price_history"]] == ["2700.00", "2650.00", "2600.00"]
    assert one(south, FJORD)["negotiated"] is False
    assert one(south, FJORD)["price_history"] == []

    assert (
        caseworker.post(
            f"/api/tilbud/{FJORD}/priser",
            {"price": "1", "unit": "doegn", "valid_from": "2026-01-01"},
        ).status_code
        == 403
    )
    bad = leader.post(
        f"/api/tilbud/{FJORD}/priser", {"price": "1", "unit": "time", "valid_from": "2026-01-01"}
    )
    assert bad.status_code == 422 and "unit" in bad.json()["detail"]["fields"]
    assert (
        leader.post(
            f"/api/tilbud/{uuid.uuid4()}/priser",
            {"price": "1", "unit": "doegn", "valid_from": "2026-01-01"},
        ).status_code
        == 404
    )


def test_experiences_are_dated_signed_rated_and_kept_in_the_municipality(
    caseworker: ApiClient, leader: ApiClient, finance: ApiClient, south: ApiClient,
    auditor: ApiClient,
) -> None:  # fmt: skip
    written = caseworker.post(
        f"/api/tilbud/{LYNG}/erfaringer",
        {"rating": 4, "text": "God kontakt til forældrene, hurtig opstart."},
    )
    assert written.status_code == 201, written.text
    assert (
        leader.post(
            f"/api/tilbud/{LYNG}/erfaringer", {"rating": 2, "text": "Lang ventetid i sommer."}
        ).status_code
        == 201
    )
    nord = one(auditor, LYNG)
    assert nord["rating"] == 3.0 and nord["experiences"] == 2
    newest, oldest = nord["experience_notes"]
    assert (oldest["signed_as"], oldest["rating"]) == ("Rikke Rådgiver", 4)
    assert newest["signed_as"] == "Lene Leder" and newest["written_at"] >= oldest["written_at"]
    assert one(south, LYNG)["experience_notes"] == [] and one(south, LYNG)["rating"] is None

    for bad, field in (
        ({"rating": 6, "text": "Fint"}, "rating"),
        ({"rating": 3, "text": "   "}, "text"),
        ({"rating": 3, "text": "Barnet 0202149911 trives"}, "text"),
    ):
        refused = caseworker.post(f"/api/tilbud/{LYNG}/erfaringer", bad)
        assert refused.status_code == 422 and field in refused.json()["detail"]["fields"]
    assert (
        finance.post(f"/api/tilbud/{LYNG}/erfaringer", {"rating": 3, "text": "Fint"}).status_code
        == 403
    )
    assert one(auditor, LYNG)["experiences"] == 2


def test_the_importer_updates_on_reimport_and_keeps_the_good_rows_of_a_bad_file(
    platform: Platform, tmp_path: Path
) -> None:
    """Run as `python -m api.tilbud.importer FILE`: exit 1 and each bad row on stderr by line
    and field; the good rows are in, and importing again updates rather than duplicates."""
    sample = importer.SAMPLE.read_text(encoding="utf-8").splitlines()
    header, provider = sample[0], sample[1]
    good = {**json.loads(sample[13]), "id": "SYN-TEST-1", "vacancies": 1}
    bad = {**good, "id": "SYN-TEST-2", "coordinates": {"lat": 12.5, "lon": 55.7}}
    path = tmp_path / "tilbud.jsonl"
    path.write_text("\n".join([header, provider, json.dumps(good), json.dumps(bad)]) + "\n")

    def run_importer() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.tilbud.importer", str(path)],
            env=platform.stack.app_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    first = run_importer()
    assert first.returncode == 1, first.stderr
    assert "linje 4, felt 'coordinates.lat'" in first.stderr
    assert "1 nye og 0 opdaterede tilbud" in first.stdout

    good["vacancies"] = 0
    path.write_text("\n".join([header, provider, json.dumps(good)]) + "\n")
    second = run_importer()
    assert second.returncode == 0, second.stderr
    assert "0 nye og 1 opdaterede tilbud" in second.stdout
    with platform.db.connect() as conn:
        rows = conn.execute(
            select(tilbud_offer).where(tilbud_offer.c.portal_id.like("SYN-TEST-%"))
        ).fetchall()
    assert [(r.portal_id, r.vacancies) for r in rows] == [("SYN-TEST-1", 0)]


def test_a_decision_with_an_offer_from_the_catalogue_is_granted_paid_and_revised(
    platform: Platform, caseworker: ApiClient, leader: ApiClient, finance: ApiClient
) -> None:
    """End to end on the real engine: the caseworker finds a contact person offer near the
    child at the negotiated price and decides on it; the grant names the offer and pays the
    negotiated price for three periods at FK-ØKO; a price change revises the forecast."""
    agreed = leader.post(
        f"/api/tilbud/{CONTACT_WEST}/priser",
        {"price": "11900", "unit": "maaned", "valid_from": "2024-01-01", "note": "Forhandlet"},
    )
    assert agreed.status_code == 201, agreed.text
    case_id = to_decision(caseworker, "stoettende_indsats")
    found = offers(caseworker, need="kontaktperson", target_group="unge", case_id=case_id)
    chosen = next(o for o in found if o["id"] == CONTACT_WEST)
    assert chosen["negotiated"] is True and chosen["price"] == "11900.00"
    assert chosen["distance_km"] is not None

    fields = {
        "indsats_type": chosen["offer_type"],
        "provider_type": chosen["provider_type"],
        "provider_name": chosen["name"],
        "provider_cvr": chosen["provider_cvr"],
        "price": float(chosen["price"]),
        "price_unit": chosen["price_unit"],
        "tilbud_id": chosen["id"],
        "grant_expected_end": date(date.today().year + 1, 12, 31).isoformat(),
    }
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), {**DECISION, **fields})
    (grant,) = eventually(lambda: grants_of(caseworker, case_id), what="the grant")
    assert grant["tilbud_id"] == CONTACT_WEST
    assert grant["provider_name"] == chosen["name"]
    assert grant["revisions"][0]["price"] == "11900.00"

    projected = {p["month"]: Decimal(p["amount"]) for p in grant["projection"]}
    first = month_of(date.fromisoformat(grant["revisions"][0]["starts_on"]))
    periods = [first, next_month(first), next_month(next_month(first))]
    for period in periods:
        run(finance, period)
        paid = payment(caseworker, case_id, period, "matched")
        assert Decimal(paid["amount"]) == projected[f"{period:%Y-%m}"]
    postings = booked(platform, grant["id"])
    assert sorted(p.posting_date for p in postings) == periods
    assert projected[f"{periods[1]:%Y-%m}"] == Decimal("11900.00")

    changed_from = next_month(periods[2])
    revised = caseworker.post(
        f"/api/grants/{grant['id']}/revisions",
        {"effective_from": changed_from.isoformat(), "price": "12400", "reason": "Ny aftale"},
    )
    assert revised.status_code == 201, revised.text
    now = grant_now(caseworker, case_id)
    after = {p["month"]: Decimal(p["amount"]) for p in now["projection"]}
    assert after[f"{changed_from:%Y-%m}"] == Decimal("12400.00")
    assert {m: a for m, a in after.items() if m < f"{changed_from:%Y-%m}"} == {
        m: a for m, a in projected.items() if m < f"{changed_from:%Y-%m}"
    }
    assert Decimal(now["forecast_total"]) > sum(projected.values())
    assert now["tilbud_id"] == CONTACT_WEST


def test_an_offer_id_that_does_not_match_the_provider_links_nothing(
    caseworker: ApiClient,
) -> None:
    """A provider typed over after choosing an offer keeps the grant, without the link."""
    case_id = to_decision(caseworker, "stoettende_indsats")
    fields = {
        "indsats_type": "familiebehandling",
        "provider_type": "privat",
        "provider_name": "En anden leverandør (syntetisk)",
        "provider_cvr": "29100001",
        "price": 9000,
        "price_unit": "maaned",
        "tilbud_id": FAMILY,
        "grant_expected_end": date(date.today().year + 1, 6, 30).isoformat(),
    }
    complete(caseworker, task_named(caseworker, case_id, "Afgørelse"), {**DECISION, **fields})
    (grant,) = eventually(lambda: grants_of(caseworker, case_id), what="the grant")
    assert grant["tilbud_id"] is None and grant["provider_name"] == fields["provider_name"]


def _browser(platform: Platform, username: str) -> httpx.Client:
    """A cookie session like a browser's, signed in on /log-ind."""
    client = httpx.Client(base_url=f"http://127.0.0.1:{platform.stack.ports.api}", timeout=30)
    signed = client.post("/log-ind", data={"username": username, "password": "demo"})
    assert signed.status_code in (200, 303), signed.text
    assert client.cookies.get("bs_session")
    return client


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_the_offer_page_takes_experiences_and_prices_with_danish_errors(
    platform: Platform,
) -> None:
    """/tilbud/{id}: a caseworker writes an experience, a leader a negotiated price; a bad
    rating, a CPR-shaped text, a bad price or date is shown at its field and saves nothing;
    a post without the CSRF token is refused; the roles decide which forms show."""
    offer = str(importer.offer_id("SYN-1012"))  # Familiehuset Ådalen, ambulant
    worker, leader = _browser(platform, "caseworker"), _browser(platform, "leader")
    try:
        page = worker.get(f"/tilbud/{offer}")
        assert page.status_code == 200 and "Gem erfaring" in page.text
        assert "Gem pris" not in page.text
        token = _csrf(page)
        bad = worker.post(
            f"/tilbud/{offer}/erfaringer",
            data={"csrf_token": token, "rating": "7", "text": "Mor 0202149911 er glad"},
        )
        assert bad.status_code == 422
        assert "Bedømmelsen skal være fra 1 til 5" in bad.text and "CPR-numre" in bad.text
        good = worker.post(
            f"/tilbud/{offer}/erfaringer",
            data={"csrf_token": token, "rating": "5", "text": "Stærke på familiesamtaler."},
        )
        assert good.status_code == 303
        shown = worker.get(good.headers["location"])
        assert "Erfaringen er gemt" in shown.text and "Rikke Rådgiver" in shown.text
        assert (
            worker.post(
                f"/tilbud/{offer}/erfaringer", data={"rating": "5", "text": "Uden token"}
            ).status_code
            == 403
        )

        page = leader.get(f"/tilbud/{offer}")
        token = _csrf(page)
        assert "Gem pris" in page.text
        wrong = leader.post(
            f"/tilbud/{offer}/priser",
            data={"csrf_token": token, "price": "mange", "unit": "maaned", "valid_from": "i går"},
        )
        assert wrong.status_code == 422 and "Skriv prisen" in wrong.text
        assert "åååå-mm-dd" in wrong.text
        saved = leader.post(
            f"/tilbud/{offer}/priser",
            data={"csrf_token": token, "price": "10500,50", "unit": "maaned",
                  "valid_from": "2026-01-01", "note": "Rammeaftale 2026"},
        )  # fmt: skip
        assert saved.status_code == 303
        assert "10.500,50 kr." in leader.get(saved.headers["location"]).text
    finally:
        worker.close()
        leader.close()
    assert one_as(platform, offer)["experiences"] == 1


def one_as(platform: Platform, offer_id: str) -> dict[str, Any]:
    client = ApiClient(f"http://127.0.0.1:{platform.stack.ports.api}", "auditor")
    try:
        found = one(client, offer_id)
    finally:
        client.close()
    assert found["price"] == "10500.50" and found["negotiated"] is True
    return found

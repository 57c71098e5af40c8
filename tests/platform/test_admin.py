"""The municipality's administration (/api/admin and /administration): every change, its
refusals with Danish messages at the field, its admin_change row, and the other municipality's
administrator, who sees none of it (404)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from api.admin.tables import admin_change, case_restriction
from api.audit.tables import audit_event
from api.auth.tables import fk_role_mapping
from api.calendar.holidays import WorkingCalendar
from api.demo.seed import unit_id
from api.org.tables import app_user, municipality
from api.testdata.cpr import synthetic_cpr
from api.underretninger.service import municipality_calendar
from api.web.session import COOKIE, csrf_token
from tests.harness.api import ApiClient
from tests.harness.platform import Platform

NORTH_UNIT = str(unit_id("901"))


@pytest.fixture(scope="module")
def api(platform: Platform) -> Iterator[dict[str, ApiClient]]:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    made = {u: ApiClient(base, u) for u in ("admin", "admin2", "caseworker", "leader")}
    yield made
    for client in made.values():
        client.close()


def last_change(platform: Platform, change: str) -> Any:
    with platform.db.connect() as conn:
        return conn.execute(
            select(admin_change)
            .where(admin_change.c.change == change)
            .order_by(admin_change.c.id.desc())
            .limit(1)
        ).first()


def count_changes(platform: Platform) -> int:
    with platform.db.connect() as conn:
        return len(conn.execute(select(admin_change.c.id)).all())


def fields(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    found: dict[str, str] = response.json()["detail"]["fields"]
    return found


def test_only_the_admin_role_gets_in(api: dict[str, ApiClient], platform: Platform) -> None:
    for user in ("caseworker", "leader"):
        assert api[user].get("/api/admin").status_code == 403
        assert api[user].post("/api/admin/units", {"name": "X"}).status_code == 403
    body = api["admin"].get("/api/admin").json()
    assert body["municipality_id"] == "901"
    assert NORTH_UNIT in {u["id"] for u in body["units"]}
    assert all(u["id"] != str(unit_id("902")) for u in body["units"])
    south = api["admin2"].get("/api/admin").json()
    assert {u["id"] for u in south["units"]} == {str(unit_id("902"))}
    assert {u["username"] for u in south["users"]} >= {"caseworker2", "admin2"}
    assert "caseworker" not in {u["username"] for u in south["users"]}
    with platform.db.connect() as conn:
        refused = conn.execute(
            select(audit_event)
            .where(audit_event.c.username == "caseworker", audit_event.c.action == "overview")
            .order_by(audit_event.c.id.desc())
        ).first()
    assert refused is not None and refused.status_code == 403


def test_units_and_duty_queues(api: dict[str, ApiClient], platform: Platform) -> None:
    admin, other = api["admin"], api["admin2"]
    new_case(api["caseworker"])  # the north unit has a running case
    before = count_changes(platform)
    bad = fields(admin.post("/api/admin/units", {"name": "", "duty_group": "902-x"}))
    assert bad["name"] == "Skriv enhedens navn."
    assert "901-" in bad["duty_group"] and "udfyldes" in bad["leader_group"]
    same = fields(
        admin.post(
            "/api/admin/units",
            {"name": "Vest", "duty_group": "901-modtagelse", "leader_group": "901-vest"},
        )
    )
    assert same == {"duty_group": "Gruppen bruges allerede af en anden enhed."}
    assert fields(
        admin.post(
            "/api/admin/units",
            {"name": "Vest", "duty_group": "901-vest", "leader_group": "901-vest"},
        )
    ) == {"leader_group": "Ledergruppen skal være en anden end vagtgruppen."}
    assert (
        "UUID"
        in fields(
            admin.post(
                "/api/admin/units",
                {"name": "V", "duty_group": "901-v", "leader_group": "901-v-l", "id": "nej"},
            )
        )["id"]
    )
    assert count_changes(platform) == before, "a refused change writes nothing"

    tag = uuid.uuid4().hex[:6]
    given = str(uuid.uuid4())
    made = admin.post(
        "/api/admin/units",
        {
            "name": "Familieteam  Vest",
            "duty_group": f"901-vest-{tag}",
            "leader_group": f"901-vest-{tag}-ledere",
            "id": given,
        },
    )
    assert made.status_code == 201, made.text
    unit = made.json()
    assert unit["id"] == given and unit["name"] == "Familieteam Vest"
    row = last_change(platform, "org_unit.create")
    assert row.subject == given and row.before is None and row.username == "admin"
    assert row.after == {
        "name": "Familieteam Vest",
        "duty_group": f"901-vest-{tag}",
        "leader_group": f"901-vest-{tag}-ledere",
    }

    changed = admin.http.put(
        f"/api/admin/units/{given}",
        json={
            "name": "Familieteam Øst",
            "duty_group": f"901-oest-{tag}",
            "leader_group": f"901-vest-{tag}-ledere",
        },
    )
    assert changed.status_code == 200, changed.text
    row = last_change(platform, "org_unit.update")
    assert row.before["name"] == "Familieteam Vest" and row.after["name"] == "Familieteam Øst"
    assert row.before["duty_group"] == f"901-vest-{tag}"
    assert row.after["duty_group"] == f"901-oest-{tag}"

    # The other municipality's administrator: as if the unit did not exist.
    for response in (
        other.http.put(f"/api/admin/units/{given}", json={"name": "Overtaget"}),
        other.http.delete(f"/api/admin/units/{given}"),
        other.http.put(f"/api/admin/units/{uuid.uuid4()}", json={"name": "Overtaget"}),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "Enheden findes ikke"}
    assert given not in {u["id"] for u in other.get("/api/admin/units").json()}

    # A unit with running cases keeps its groups: the running processes use them.
    busy = admin.http.put(
        f"/api/admin/units/{NORTH_UNIT}",
        json={
            "name": "Børne- og ungerådgivningen Nord",
            "duty_group": "901-modtagelse-ny",
            "leader_group": "901-modtagelse-ledere",
        },
    )
    assert "åbne sager" in fields(busy)["duty_group"]
    # ... and a unit with people or cases is not deleted.
    kept = admin.http.delete(f"/api/admin/units/{NORTH_UNIT}")
    assert "medarbejdere eller sager" in fields(kept)["unit"]

    # A user moves to the new team and back; each move is audited.
    moved = admin.http.put("/api/admin/users/caseworker3/org-unit", json={"org_unit_id": given})
    assert moved.status_code == 200, moved.text
    assert last_change(platform, "user.move").after == {"org_unit_id": given}
    assert (
        other.http.put(
            "/api/admin/users/caseworker3/org-unit", json={"org_unit_id": str(unit_id("902"))}
        ).status_code
        == 404
    )
    assert (
        "enheder"
        in fields(
            admin.http.put(
                "/api/admin/users/caseworker3/org-unit", json={"org_unit_id": str(unit_id("902"))}
            )
        )["org_unit_id"]
    )
    assert "medarbejdere" in fields(admin.http.delete(f"/api/admin/units/{given}"))["unit"]
    back = admin.http.put("/api/admin/users/caseworker3/org-unit", json={"org_unit_id": NORTH_UNIT})
    assert back.status_code == 200
    with platform.db.connect() as conn:
        home = conn.execute(
            select(app_user.c.org_unit_id).where(app_user.c.username == "caseworker3")
        ).scalar()
    assert str(home) == NORTH_UNIT

    assert admin.http.delete(f"/api/admin/units/{given}").status_code == 204
    row = last_change(platform, "org_unit.delete")
    assert row.subject == given and row.after is None and row.before["name"] == "Familieteam Øst"
    assert admin.http.delete(f"/api/admin/units/{given}").status_code == 404


def admin_mappings_of_901(platform: Platform, *keep: str) -> None:
    """901's FK roles mapped to admin are exactly `keep` (set up through the database)."""
    with platform.db.begin() as conn:
        conn.execute(
            sqlalchemy.delete(fk_role_mapping).where(
                fk_role_mapping.c.municipality_id == "901", fk_role_mapping.c.role == "admin"
            )
        )
        for fk in keep:
            conn.execute(
                sqlalchemy.insert(fk_role_mapping).values(
                    municipality_id="901", fk_role=fk, role="admin"
                )
            )


def test_fk_role_mapping(api: dict[str, ApiClient], platform: Platform) -> None:
    admin, other = api["admin"], api["admin2"]
    fk = f"http://kommune901.example/roles/usersystemrole/admin-{uuid.uuid4().hex[:6]}/1"
    # Another admin mapping stays, so this one may be removed (the last one may not, below).
    admin_mappings_of_901(platform, "http://kommune901.example/roles/usersystemrole/admin/1")
    assert (
        "URI"
        in fields(admin.post("/api/admin/fk-roles", {"fk_role": "ikke en uri", "role": "admin"}))[
            "fk_role"
        ]
    )
    assert fields(admin.post("/api/admin/fk-roles", {"fk_role": fk, "role": "chef"})) == {
        "role": "Vælg en af Børnesags roller."
    }
    assert admin.post("/api/admin/fk-roles", {"fk_role": fk, "role": "admin"}).status_code == 201
    row = last_change(platform, "fk_role.create")
    assert row.subject == fk and row.after == {"fk_role": fk, "role": "admin"}
    assert (
        "allerede"
        in fields(admin.post("/api/admin/fk-roles", {"fk_role": fk, "role": "admin"}))["fk_role"]
    )
    assert {"fk_role": fk, "role": "admin"} in admin.get("/api/admin/fk-roles").json()
    assert fk not in {m["fk_role"] for m in other.get("/api/admin/fk-roles").json()}
    gone = other.http.delete("/api/admin/fk-roles", params={"fk_role": fk, "role": "admin"})
    assert gone.status_code == 404
    removed = admin.http.delete("/api/admin/fk-roles", params={"fk_role": fk, "role": "admin"})
    assert removed.status_code == 204
    row = last_change(platform, "fk_role.delete")
    assert row.before == {"fk_role": fk, "role": "admin"} and row.after is None
    with platform.db.connect() as conn:
        left = conn.execute(select(fk_role_mapping).where(fk_role_mapping.c.fk_role == fk)).all()
    assert left == []
    again = admin.http.delete("/api/admin/fk-roles", params={"fk_role": fk, "role": "admin"})
    assert again.status_code == 404
    admin_mappings_of_901(platform)


def test_the_last_admin_mapping_cannot_be_removed(
    api: dict[str, ApiClient], platform: Platform
) -> None:
    """Removing the municipality's only FK role mapped to the admin role would lock it out of
    its own administration: refused at the field, nothing changed, the refusal audited."""
    admin = api["admin"]
    tag = uuid.uuid4().hex[:6]
    only = f"http://kommune901.example/roles/usersystemrole/admin-eneste-{tag}/1"
    second = f"http://kommune901.example/roles/usersystemrole/admin-anden-{tag}/1"
    admin_mappings_of_901(platform)  # as seeded: the demo admin signs in without SSO
    assert admin.post("/api/admin/fk-roles", {"fk_role": only, "role": "admin"}).status_code == 201

    def mapped() -> set[tuple[str, str]]:
        with platform.db.connect() as conn:
            rows = conn.execute(
                select(fk_role_mapping.c.fk_role, fk_role_mapping.c.role).where(
                    fk_role_mapping.c.municipality_id == "901"
                )
            ).all()
        return {(r.fk_role, r.role) for r in rows}

    def last_audit(action: str) -> Any:
        with platform.db.connect() as conn:
            return conn.execute(
                select(audit_event)
                .where(audit_event.c.username == "admin", audit_event.c.action == action)
                .order_by(audit_event.c.id.desc())
                .limit(1)
            ).one()

    before, changes = mapped(), count_changes(platform)
    refused = admin.http.delete("/api/admin/fk-roles", params={"fk_role": only, "role": "admin"})
    assert "sidste til rollen Kommunens administrator" in fields(refused)["fk_role"]
    assert mapped() == before and count_changes(platform) == changes
    assert last_audit("delete_fk_role").status_code == 422

    # Through the page: the message at the mapping's row, nothing changed, audited as 400.
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    token = admin.http.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(
        base_url=base, cookies={COOKIE: token}, headers={"accept": "text/html"}
    ) as page:
        answer = page.post(
            "/administration/roller/fjern",
            data={"csrf_token": csrf_token(token), "fk_role": only, "role": "admin"},
        )
    assert answer.status_code == 400, answer.text
    row = answer.text.split(f"<code>{only}</code>", 1)[1].split("</tr>", 1)[0]
    assert 'id="fjern-rolle-fejl"' in row and "sidste til rollen" in row
    assert 'aria-describedby="fjern-rolle-fejl"' in row
    assert mapped() == before and count_changes(platform) == changes
    assert last_audit("delete_fk_role").status_code == 400

    # With a second admin mapping, either may go; then the remaining one is the last again.
    added = admin.post("/api/admin/fk-roles", {"fk_role": second, "role": "admin"})
    assert added.status_code == 201
    removed = admin.http.delete("/api/admin/fk-roles", params={"fk_role": only, "role": "admin"})
    assert removed.status_code == 204
    assert last_change(platform, "fk_role.delete").subject == only
    again = admin.http.delete("/api/admin/fk-roles", params={"fk_role": second, "role": "admin"})
    assert "sidste" in fields(again)["fk_role"]
    assert (second, "admin") in mapped()
    # Other roles' mappings are not held back by it.
    other = f"http://kommune901.example/roles/usersystemrole/revisor-{tag}/1"
    added = admin.post("/api/admin/fk-roles", {"fk_role": other, "role": "auditor"})
    assert added.status_code == 201
    gone = admin.http.delete("/api/admin/fk-roles", params={"fk_role": other, "role": "auditor"})
    assert gone.status_code == 204
    admin_mappings_of_901(platform)  # as seeded again, for the other tests


def threshold(platform: Platform, mid: str) -> Any:
    with platform.db.connect() as conn:
        return conn.execute(
            select(
                municipality.c.payment_approval_threshold, municipality.c.approval_subjects
            ).where(municipality.c.id == mid)
        ).one()


def test_approval_rules_and_payment_threshold(
    api: dict[str, ApiClient], platform: Platform
) -> None:
    admin = api["admin"]
    start = admin.get("/api/admin/approval").json()
    south = threshold(platform, "902")
    try:
        bad = fields(
            admin.http.put(
                "/api/admin/approval",
                json={"subjects": ["anbringelse", "alt"], "payment_threshold": "mange penge"},
            )
        )
        assert bad["subjects"] == "Vælg kun blandt afgørelsestyperne på listen."
        assert "50.000" in bad["payment_threshold"]
        assert admin.get("/api/admin/approval").json() == start
        done = admin.http.put(
            "/api/admin/approval",
            json={"subjects": ["hjemgivelse", "anbringelse"], "payment_threshold": "75.000,50"},
        )
        assert done.status_code == 200, done.text
        assert done.json() == {
            "subjects": ["anbringelse", "hjemgivelse"],
            "payment_threshold": "75000.50",
        }
        now = threshold(platform, "901")
        assert str(now.payment_approval_threshold) == "75000.50"
        assert now.approval_subjects == "anbringelse,hjemgivelse"
        row = last_change(platform, "approval.update")
        assert row.before == start and row.after == done.json()
        assert threshold(platform, "902") == south, "the other municipality is untouched"
    finally:
        admin.http.put("/api/admin/approval", json=start)


def future_weekday(days_ahead: int) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    while day.weekday() >= 5 or day in WorkingCalendar().closed_days(day.year):
        day += timedelta(days=1)
    return day


def test_working_day_calendar(api: dict[str, ApiClient], platform: Platform) -> None:
    admin, other = api["admin"], api["admin2"]
    day = future_weekday(40 + uuid.uuid4().int % 200)
    saturday = day + timedelta(days=5 - day.weekday())
    christmas = date(day.year, 12, 25)
    while christmas.weekday() >= 5:
        christmas = date(christmas.year + 1, 12, 25)
    refusals = {
        "2025-13-40": "dd.mm.åååå",
        (datetime.now(UTC).date() - timedelta(days=3)).isoformat(): "efter i dag",
        saturday.isoformat(): "Lørdage og søndage",
        christmas.isoformat(): "Juledag",
    }
    for text, message in refusals.items():
        answer = admin.post("/api/admin/calendar/closing-days", {"date": text})
        assert message in fields(answer)["date"], (text, answer.text)

    assert (
        admin.post("/api/admin/calendar/closing-days", {"date": day.isoformat()}).status_code == 201
    )
    row = last_change(platform, "closing_day.create")
    assert row.subject == day.isoformat() and row.after == {"closed": True}
    assert (
        "allerede"
        in fields(admin.post("/api/admin/calendar/closing-days", {"date": day.isoformat()}))["date"]
    )
    shown = admin.get("/api/admin/calendar", year=day.year).json()
    assert shown["closed_days"][day.isoformat()] == "Kommunal lukkedag"
    # Deadlines count with it from now on, in this municipality only.
    with platform.db.connect() as conn:
        assert not municipality_calendar(conn, "901").is_working_day(day)
        assert municipality_calendar(conn, "902").is_working_day(day)
    assert (
        day.isoformat()
        not in other.get("/api/admin/calendar", year=day.year).json()["closing_days"]
    )
    assert (
        other.http.delete(f"/api/admin/calendar/closing-days/{day.isoformat()}").status_code == 404
    )

    assert (
        admin.http.delete(f"/api/admin/calendar/closing-days/{day.isoformat()}").status_code == 204
    )
    row = last_change(platform, "closing_day.delete")
    assert row.before == {"closed": True} and row.after is None
    with platform.db.connect() as conn:
        assert municipality_calendar(conn, "901").is_working_day(day)
    assert (
        admin.http.delete(f"/api/admin/calendar/closing-days/{day.isoformat()}").status_code == 404
    )


def new_case(client: ApiClient) -> tuple[str, str]:
    response = client.post(
        "/api/underretninger",
        {
            "child_cpr": synthetic_cpr(uuid.uuid4().hex),
            "received_at": datetime.now(UTC).isoformat(),
            "reporter_type": "anonymous",
            "concern": "Barnet kommer ofte sultent i skole.",
        },
    )
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    return case_id, client.get(f"/api/cases/{case_id}").json()["case_number"]


def test_restricted_cases(api: dict[str, ApiClient], platform: Platform) -> None:
    admin, other = api["admin"], api["admin2"]
    caseworker, leader = api["caseworker"], api["leader"]
    case_id, number = new_case(caseworker)
    reason = f"Ansat i forvaltningen er forælder {uuid.uuid4().hex[:8]}"

    bad = fields(
        admin.post("/api/admin/restricted-cases", {"case_number": number, "users": ["nogen"]})
    )
    assert bad == {"reason": "Skriv begrundelsen.", "users": "Ukendt brugernavn i kommunen: nogen."}
    assert (
        "mindst én"
        in fields(
            admin.post("/api/admin/restricted-cases", {"case_number": number, "reason": reason})
        )["users"]
    )
    # Another municipality's case is a case the municipality does not have, users likewise.
    south = fields(
        other.post(
            "/api/admin/restricted-cases",
            {"case_number": number, "reason": reason, "users": ["caseworker2"]},
        )
    )
    assert south == {"case_number": "Kommunen har ingen sag med det nummer."}
    assert (
        "caseworker2"
        in fields(
            admin.post(
                "/api/admin/restricted-cases",
                {"case_number": number, "reason": reason, "users": ["caseworker2"]},
            )
        )["users"]
    )
    assert caseworker.get(f"/api/cases/{case_id}").status_code == 200

    done = admin.post(
        "/api/admin/restricted-cases",
        {"case_number": number, "reason": reason, "users": ["leader"]},
    )
    assert done.status_code == 200, done.text
    assert caseworker.get(f"/api/cases/{case_id}").status_code == 404
    assert leader.get(f"/api/cases/{case_id}").status_code == 200
    listed = {r["case_number"]: r for r in admin.get("/api/admin/restricted-cases").json()}
    assert listed[number]["reason"] == reason and listed[number]["users"] == ["leader"]
    assert number not in {r["case_number"] for r in other.get("/api/admin/restricted-cases").json()}
    row = last_change(platform, "case.restrict")
    assert row.subject == case_id and row.before == {"restricted": False, "users": []}
    assert row.after["restricted"] is True and len(row.after["users"]) == 1
    with platform.db.connect() as conn:
        kept = (
            conn.execute(
                select(case_restriction.c.reason).where(
                    case_restriction.c.case_id == uuid.UUID(case_id)
                )
            )
            .scalars()
            .all()
        )
        audited = conn.execute(
            select(audit_event)
            .where(audit_event.c.username == "admin", audit_event.c.action == "restrict")
            .order_by(audit_event.c.id.desc())
        ).first()
        logged = [json.dumps([r.before, r.after]) for r in conn.execute(select(admin_change))]
    assert kept == [reason]
    assert audited.status_code == 200 and audited.case_ids == [uuid.UUID(case_id)]
    assert not any(reason in text or number in text for text in logged), "no free text in the log"

    assert (
        other.post(f"/api/admin/restricted-cases/{number}/lift", {"reason": "x"}).status_code == 404
    )
    assert fields(admin.post(f"/api/admin/restricted-cases/{number}/lift", {"reason": " "})) == {
        "reason": "Skriv begrundelsen."
    }
    assert caseworker.get(f"/api/cases/{case_id}").status_code == 404
    lifted = admin.post(
        f"/api/admin/restricted-cases/{number}/lift", {"reason": "Forholdet er ophørt"}
    )
    assert lifted.status_code == 200
    assert caseworker.get(f"/api/cases/{case_id}").status_code == 200
    row = last_change(platform, "case.lift")
    assert row.before["restricted"] is True and row.after == {"restricted": False, "users": []}
    assert (
        admin.post(f"/api/admin/restricted-cases/{number}/lift", {"reason": "igen"}).status_code
        == 404
    )


def test_the_page_posts_need_csrf_and_keep_bad_input(
    api: dict[str, ApiClient], platform: Platform
) -> None:
    base = f"http://127.0.0.1:{platform.stack.ports.api}"
    token = api["admin"].http.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(
        base_url=base, cookies={COOKIE: token}, headers={"accept": "text/html"}
    ) as page:
        shown = page.get("/administration")
        assert shown.status_code == 200 and "Kommunens administration" in shown.text
        assert 'href="/administration"' in shown.text, "the menu has the page"
        forged = page.post("/administration/lukkedage", data={"date": "2030-01-02"})
        assert forged.status_code == 403 and "Genindlæs siden" in forged.text
        bad = page.post(
            "/administration/godkendelse",
            data={
                "csrf_token": csrf_token(token),
                "payment_threshold": "1,2,3",
                "subjects": "anbringelse",
            },
        )
        assert bad.status_code == 400
        assert "Skriv beløbet i kroner" in bad.text and 'value="1,2,3"' in bad.text
        assert 'aria-invalid="true" aria-describedby="payment_threshold-error' in bad.text
    # The other municipality's administrator, through the page: 404 as for nothing at all.
    south = api["admin2"].http.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(
        base_url=base, cookies={COOKIE: south}, headers={"accept": "text/html"}
    ) as page:
        form = {"csrf_token": csrf_token(south), "name": "Overtaget", "reason": "x"}
        for path in (
            f"/administration/enheder/{NORTH_UNIT}",
            f"/administration/enheder/{NORTH_UNIT}/slet",
            "/administration/lukkedage/2031-01-02/fjern",
            "/administration/medarbejdere/caseworker",
        ):
            answer = page.post(path, data=form)
            assert answer.status_code == 404, path
            assert "Siden findes ikke" in answer.text
        made = page.post(
            "/administration/enheder",
            data={"csrf_token": csrf_token(south), "name": "Syd Vest", "duty_group": "901-x"},
        )
        assert made.status_code == 400
        assert "skal begynde med kommunekoden" in made.text and 'value="Syd Vest"' in made.text
        assert "902-" in made.text and "Overtaget" not in made.text
    leader_token = api["leader"].http.headers["Authorization"].removeprefix("Bearer ")
    with httpx.Client(
        base_url=base, cookies={COOKIE: leader_token}, headers={"accept": "text/html"}
    ) as page:
        assert page.get("/administration").status_code == 403
        assert 'href="/administration"' not in page.get("/leder").text


def test_the_change_log_is_append_only_for_the_app(
    api: dict[str, ApiClient], platform: Platform
) -> None:
    """The app's database role adds admin_change rows but cannot alter or remove them."""
    assert api["admin"].get("/api/admin/changes").status_code == 200
    assert api["admin2"].get("/api/admin/changes").json() == [], "902 changed nothing here"
    assert any(c["change"] == "case.lift" for c in api["admin"].get("/api/admin/changes").json())
    for statement in ("UPDATE admin_change SET username = 'x'", "DELETE FROM admin_change"):
        with pytest.raises(DBAPIError), platform.app_db.begin() as conn:
            conn.execute(sqlalchemy.text(statement))

"""Mit overblik keeps the user's view (`?kolleger=alle` and the filter) across claim, unclaim,
reassign and the filter actions, and never echoes what it does not know."""

from __future__ import annotations

import html
import re
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import delete, insert, select

from api.cases.tables import case
from api.org.tables import org_unit
from api.projector import tables as rm
from api.web.cards import bucket_windows
from api.web.tables import saved_filter
from tests.browser.journey import new_underretning, open_task
from tests.harness.api import ApiClient, page_client
from tests.harness.platform import Platform

VIEW = "frist=7_dage&kolleger=alle"


@pytest.fixture(scope="module")
def page(platform: Platform, leader: ApiClient) -> Iterator[httpx.Client]:
    with page_client(f"http://127.0.0.1:{platform.stack.ports.api}", leader) as client:
        yield client


def post(page: httpx.Client, path: str, **data: str) -> dict[str, list[str]]:
    """A page form's POST; the query of where it sends the browser back to."""
    answer = page.post(path, data={"csrf_token": page.headers["x-test-csrf"], **data})
    assert answer.status_code == 303, answer.text
    location = urlsplit(answer.headers["location"])
    assert location.path == "/"
    return parse_qs(location.query)


def view_of(query: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in query.items() if k != "besked"}


def test_actions_come_back_to_the_same_view(
    platform: Platform, page: httpx.Client, caseworker: ApiClient
) -> None:
    received = new_underretning(caseworker)
    task = open_task(caseworker, received["case_id"])
    want = {"frist": ["7_dage"], "kolleger": ["alle"]}

    shown = page.get(f"/?{VIEW}")
    assert shown.status_code == 200
    text = html.unescape(shown.text)
    # Every form on the page carries the view back: the cards' actions, the filter form, the
    # links to the deadline buckets and "save the filter".
    assert f'name="filtre" value="{VIEW}"' in text
    assert '<input type="hidden" name="kolleger" value="alle">' in text
    assert 'href="/?frist=overskredet&kolleger=alle"' in text

    claimed = post(page, f"/opgaver/{task['id']}/tag", filtre=VIEW)
    assert claimed["besked"] == ["taget"] and view_of(claimed) == want
    released = post(page, f"/opgaver/{task['id']}/slip", filtre=VIEW)
    assert released["besked"] == ["sluppet"] and view_of(released) == want
    unknown = post(page, f"/opgaver/{task['id']}/tildel", assignee="nobody", filtre=VIEW)
    assert unknown["besked"] == ["ukendt_kollega"] and view_of(unknown) == want
    given = post(page, f"/opgaver/{task['id']}/tildel", assignee="caseworker3", filtre=VIEW)
    assert given["besked"] == ["tildelt"] and view_of(given) == want
    refused = post(page, "/opgaver/1/tag", filtre=VIEW)
    assert refused["besked"] == ["findes_ikke"] and view_of(refused) == want

    # Saving a filter keeps the view (the filter itself holds only the criteria); so does
    # deleting one; the saved filter's link keeps `kolleger=alle` while it is shown.
    name = f"Uge {task['id']}"
    saved = post(page, "/filtre", navn=name, frist="7_dage", kolleger="alle")
    assert saved["besked"] == ["filter_gemt"] and view_of(saved) == want
    with platform.db.connect() as conn:
        row = conn.execute(select(saved_filter).where(saved_filter.c.name == name)).one()
    assert row.criteria == {"frist": "7_dage"}
    listed = html.unescape(page.get(f"/?{VIEW}").text)
    assert f'<a href="/?frist=7_dage&kolleger=alle">{name}</a>' in listed
    gone = post(page, f"/filtre/{row.id}/slet", filtre=VIEW)
    assert gone["besked"] == ["filter_slettet"] and view_of(gone) == want

    # Without the view, the default view.
    plain = post(page, f"/opgaver/{task['id']}/tildel", assignee="nobody")
    assert plain == {"besked": ["ukendt_kollega"]}


@pytest.mark.parametrize(
    "sent",
    [
        "kolleger=alle&frist=bogus&x=%3Cscript%3E",
        "kolleger=ALLE&opgave=%0D%0ALocation:%20http://evil.example",
        "%%%&&=kolleger=alle",
        "a=1&b=2&c=3&d=4&e=5&f=6&kolleger=alle",
    ],
)
def test_the_view_sent_back_is_validated_never_echoed(page: httpx.Client, sent: str) -> None:
    back = page.post(
        "/opgaver/1/tag", data={"csrf_token": page.headers["x-test-csrf"], "filtre": sent}
    )
    assert back.status_code == 303
    location = back.headers["location"]
    assert re.fullmatch(r"/\?[A-Za-z0-9_=&%.+-]*", location), location
    query = parse_qs(urlsplit(location).query)
    assert set(query) <= {"besked", "kolleger", "frist", "opgave", "flag"}
    # Unknown fields and values are dropped; a task name (free text, matched exactly against
    # the names shown) comes back encoded, without control characters.
    assert "script" not in location and "bogus" not in location
    assert not any(c in v for vs in query.values() for v in vs for c in "\r\n")
    assert query.get("kolleger") in (None, ["alle"])


def test_an_unnamed_filter_shows_the_page_in_the_same_view(page: httpx.Client) -> None:
    shown = page.post(
        "/filtre",
        data={"csrf_token": page.headers["x-test-csrf"], "navn": "", "kolleger": "alle"},
    )
    assert shown.status_code == 400
    assert "Giv filteret et navn." in shown.text
    assert '<input type="hidden" name="kolleger" value="alle">' in shown.text


@pytest.fixture(autouse=True, scope="module")
def _no_saved_filters_left(platform: Platform) -> Iterator[None]:
    yield
    with platform.db.begin() as conn:
        conn.execute(delete(saved_filter).where(saved_filter.c.name.like("Uge %")))


def test_a_filter_narrows_the_colleagues_tasks(
    platform: Platform, page: httpx.Client, caseworker: ApiClient
) -> None:
    """The leader's filtered view selects the colleagues' tasks in SQL (deadline window, task
    name); the cards are exactly those the filter matches."""
    received = new_underretning(caseworker)
    now = datetime.now(UTC)
    windows = bucket_windows(now)
    today_until, week_from = windows["i_dag"][1], windows["7_dage"][0]
    assert week_from is not None
    due: dict[str, datetime] = {
        "overskredet": now - timedelta(days=3),
        "i_dag": now + (today_until - now) / 2,
        "7_dage": week_from + timedelta(days=2),
    }
    key = secrets.randbelow(2**60) + 2**61
    tag = uuid.uuid4().hex[:6]
    name = {bucket: f"syntetisk_{bucket}_{tag}" for bucket in due}
    with platform.db.begin() as conn:
        group = conn.execute(
            select(org_unit.c.duty_group)
            .join(case, case.c.org_unit_id == org_unit.c.id)
            .where(case.c.id == received["case_id"])
        ).scalar_one()
        conn.execute(
            insert(rm.process_instance).values(
                process_instance_key=key,
                process_definition_key=key,
                bpmn_process_id="syntetisk_proces",
                version=1,
                state="ACTIVE",
                started_at=now,
                last_position=0,
                case_id=received["case_id"],
            )
        )
        conn.execute(
            insert(rm.user_task),
            [
                {
                    "user_task_key": key + n,
                    "element_instance_key": key + n,
                    "process_instance_key": key,
                    "process_definition_key": key,
                    "bpmn_process_id": "syntetisk_proces",
                    "element_id": name[bucket],
                    "assignee": "caseworker3",
                    "candidate_groups": [group],
                    "candidate_users": [],
                    "custom_headers": {},
                    "due_date": due[bucket].isoformat(),
                    "state": "CREATED",
                    "created_at": now,
                    "last_position": 0,
                }
                for n, bucket in enumerate(due, start=1)
            ],
        )

    def colleagues(query: str) -> set[str]:
        shown = page.get(f"/?{query}")
        assert shown.status_code == 200, shown.text
        team = shown.text.split('id="team"', 1)[1].split("</section>", 1)[0]
        if "frist=" in query or "opgave=" in query:
            assert "kolleger-udvalg" not in team, "a filter shows every match, not 50"
        return {n for n in re.findall(r"syntetisk_[a-z0-9_]+", team) if n in name.values()}

    try:
        assert colleagues("kolleger=alle") == set(name.values())
        for bucket in due:
            assert colleagues(f"frist={bucket}") == {name[bucket]}, bucket
        assert colleagues(f"opgave={name['7_dage']}") == {name["7_dage"]}
        assert colleagues(f"opgave={name['7_dage']}&frist=i_dag") == set()
        assert colleagues("opgave=ingen_saadan_opgave") == set()
    finally:
        with platform.db.begin() as conn:
            conn.execute(delete(rm.user_task).where(rm.user_task.c.process_instance_key == key))
            conn.execute(
                delete(rm.process_instance).where(rm.process_instance.c.process_instance_key == key)
            )

"""Single sign-on (issue 10): a real SAML round trip against the local test IdP, the refusals,
the mapping of FK Adgangsstyring privileges to roles and scope, and the login rate limit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert, select

from api.auth.service import hash_password
from api.auth.tables import sso_identity, user_kle
from api.org.tables import app_user, user_role
from api.sso.privileges import KLE_CONSTRAINT, ORG_UNIT_CONSTRAINT
from api.web.session import COOKIE, csrf_token
from tests.harness.platform import Platform
from tests.harness.saml_idp import IdpUser, form_of
from tests.harness.sso import (
    FK_CASEWORKER,
    FK_LEADER,
    FK_UNMAPPED,
    SsoApp,
    SsoMunicipality,
    new_municipality,
    run_sso_app,
)


@pytest.fixture(scope="module")
def sso(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoApp]:
    workdir: Path = tmp_path_factory.mktemp("sso")
    yield from run_sso_app(platform.stack.app_env(), workdir, dev_users=True, login_max_failures=3)


@pytest.fixture(scope="module")
def kommune(platform: Platform) -> SsoMunicipality:
    return new_municipality(platform.db)


def user(kommune: SsoMunicipality, *roles: str, kle: tuple[str, ...] = ("34.*",)) -> IdpUser:
    constraints = {ORG_UNIT_CONSTRAINT: [str(kommune.unit)]}
    if kle:
        constraints[KLE_CONSTRAINT] = list(kle)
    return IdpUser(
        subject=str(uuid.uuid4()),
        name="Test Rådgiver",
        privileges=[(kommune.cvr, list(roles), constraints)],
    )


def me(client: httpx.Client) -> dict[str, object]:
    token = client.cookies[COOKIE]
    answer = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    result: dict[str, object] = answer.json()
    return result


def test_a_signed_assertion_signs_in_with_the_mapped_roles_and_scope(
    sso: SsoApp, kommune: SsoMunicipality, platform: Platform
) -> None:
    who = user(kommune, FK_CASEWORKER, kle=("34.*", "27.10.*"))
    sso.idp.next_user, sso.idp.fault = who, None
    with sso.client() as client:
        answer = sso.sign_in(client, next="/sager")
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/sager"
        cookie = answer.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=" in cookie
        seen = me(client)
    assert seen["roles"] == ["caseworker"]
    assert seen["municipality_id"] == kommune.id
    assert seen["org_unit_id"] == str(kommune.unit)
    assert seen["kle"] == ["27.10", "34"]
    assert seen["display_name"] == "Test Rådgiver"

    # The next sign-in brings the user up to date: a new role, no KLE limit, the same user.
    again = user(kommune, FK_CASEWORKER, FK_LEADER, kle=())
    again.subject = who.subject
    sso.idp.next_user = again
    with sso.client() as client:
        assert sso.sign_in(client).status_code == 303
        seen = me(client)
    assert seen["roles"] == ["caseworker", "team_leader"]
    assert seen["kle"] == []
    with platform.db.connect() as conn:
        ids = conn.execute(
            select(sso_identity.c.user_id).where(sso_identity.c.subject == who.subject)
        ).all()
        assert len(ids) == 1
        assert conn.execute(select(user_kle).where(user_kle.c.user_id == ids[0][0])).all() == []


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        ("tampered", "ikke gyldigt signeret"),
        ("unsigned", "ikke gyldigt signeret"),
        ("expired", "udløbet"),
        ("audience", "et andet system end Børnesag"),
    ],
)
def test_a_bad_assertion_is_refused_in_danish_without_a_session(
    sso: SsoApp, kommune: SsoMunicipality, platform: Platform, fault: str, message: str
) -> None:
    who = user(kommune, FK_CASEWORKER)
    sso.idp.next_user, sso.idp.fault = who, fault  # type: ignore[assignment]
    try:
        with sso.client() as client:
            answer = sso.sign_in(client)
            assert answer.status_code == 403
            assert message in answer.text
            assert COOKIE not in client.cookies
    finally:
        sso.idp.fault = None
    assert _user_of(platform, who.subject) is None


def test_a_privilege_naming_an_unknown_role_is_refused(
    sso: SsoApp, kommune: SsoMunicipality, platform: Platform
) -> None:
    who = user(kommune, FK_CASEWORKER, FK_UNMAPPED)
    sso.idp.next_user, sso.idp.fault = who, None
    with sso.client() as client:
        answer = sso.sign_in(client)
        assert answer.status_code == 403
        assert "er ikke knyttet til en rolle i Børnesag" in answer.text
        assert COOKIE not in client.cookies
    assert _user_of(platform, who.subject) is None


def test_privileges_of_an_unknown_municipality_or_without_org_unit_are_refused(
    sso: SsoApp, kommune: SsoMunicipality
) -> None:
    stranger = user(kommune, FK_CASEWORKER)
    stranger.privileges = [("99999999", [FK_CASEWORKER], {})]
    no_unit = user(kommune, FK_CASEWORKER)
    no_unit.privileges = [(kommune.cvr, [FK_CASEWORKER], {KLE_CONSTRAINT: ["34.*"]})]
    for who, message in (
        (stranger, "ikke tilsluttet Børnesag"),
        (no_unit, "ikke afgrænset til en organisationsenhed"),
    ):
        sso.idp.next_user, sso.idp.fault = who, None
        with sso.client() as client:
            answer = sso.sign_in(client)
            assert answer.status_code == 403 and message in answer.text
            assert COOKIE not in client.cookies


def test_an_answer_is_used_once_and_only_for_a_request_of_ours(
    sso: SsoApp, kommune: SsoMunicipality
) -> None:
    sso.idp.next_user, sso.idp.fault = user(kommune, FK_CASEWORKER), None
    with sso.client() as client:
        start = client.get("/saml/login")
        page = httpx.get(start.headers["location"], timeout=30)
        action, fields = form_of(page.text)
        assert client.post(action, data=fields).status_code == 303
    with sso.client() as replay:
        answer = replay.post(action, data=fields)
        assert answer.status_code == 403 and "ikke til et log-in, vi har startet" in answer.text
        assert COOKIE not in replay.cookies
        unsolicited = replay.post(action, data={"SAMLResponse": fields["SAMLResponse"]})
        assert unsolicited.status_code == 403


def test_metadata_names_our_acs_and_signing_certificate(sso: SsoApp) -> None:
    with sso.client() as client:
        answer = client.get("/saml/metadata")
    assert answer.status_code == 200
    assert f"{sso.base}/saml/acs" in answer.text
    assert "X509Certificate" in answer.text
    assert 'AuthnRequestsSigned="true"' in answer.text


def test_dev_users_still_sign_in_in_development_and_failures_are_rate_limited(
    sso: SsoApp, kommune: SsoMunicipality, platform: Platform
) -> None:
    username = f"rate-{uuid.uuid4().hex[:8]}"
    with platform.db.begin() as conn:
        conn.execute(
            insert(app_user).values(
                id=uuid.uuid4(),
                username=username,
                display_name="Rate Test",
                municipality_id=kommune.id,
                org_unit_id=kommune.unit,
                password_hash=hash_password("rigtig"),
            )
        )
    with sso.client() as client:
        ok = client.post("/api/auth/token", data={"username": username, "password": "rigtig"})
        assert ok.status_code == 200
        for _ in range(3):
            wrong = client.post("/log-ind", data={"username": username, "password": "forkert"})
            assert wrong.status_code == 401
        blocked = client.post("/log-ind", data={"username": username, "password": "rigtig"})
        assert blocked.status_code == 429
        assert "For mange forkerte forsøg" in blocked.text
        assert COOKIE not in client.cookies
        api = client.post("/api/auth/token", data={"username": username, "password": "rigtig"})
        assert api.status_code == 429
        # Another user name from the same address is not held up.
        other = client.post("/log-ind", data={"username": "caseworker", "password": "demo"})
        assert other.status_code == 303


def _user_of(platform: Platform, subject: str) -> object:
    with platform.db.connect() as conn:
        found = conn.execute(
            select(user_role.c.role)
            .join(sso_identity, sso_identity.c.user_id == user_role.c.user_id)
            .where(sso_identity.c.subject == subject)
        ).first()
    return found


def test_logging_out_ends_the_session_here_and_at_the_idp(
    sso: SsoApp, kommune: SsoMunicipality
) -> None:
    who = user(kommune, FK_CASEWORKER)
    sso.idp.next_user, sso.idp.fault = who, None
    with sso.client() as client:
        assert sso.sign_in(client).status_code == 303
        token = client.cookies[COOKIE]
        out = client.post("/log-ud", data={"csrf_token": csrf_token(token)})
        assert out.status_code == 303
        assert out.headers["location"].startswith(f"{sso.idp.base}/slo?SAMLRequest=")
        back = httpx.get(out.headers["location"], timeout=30)
        assert back.status_code == 303, back.text
        assert back.headers["location"].startswith(f"{sso.base}/saml/logout?SAMLResponse=")
        done = client.get(back.headers["location"])
        assert done.status_code == 303 and done.headers["location"] == "/log-ind"
        gone = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 401
    assert sso.idp.logouts[-1] == who.subject

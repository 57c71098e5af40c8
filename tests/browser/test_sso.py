"""Single sign-on in the browser: the sign-in page's SSO button, the test IdP's auto-posting form,
and the caseworker's overview; a refusal shown as a Danish alert. The app runs without the
development users, as in production."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from api.sso.privileges import KLE_CONSTRAINT, ORG_UNIT_CONSTRAINT
from tests.harness.platform import Platform
from tests.harness.saml_idp import IdpUser
from tests.harness.sso import FK_CASEWORKER, FK_UNMAPPED, SsoApp, new_municipality, run_sso_app


@pytest.fixture(scope="module")
def sso(platform: Platform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoApp]:
    workdir = tmp_path_factory.mktemp("sso-browser")
    yield from run_sso_app(platform.stack.app_env(), workdir, dev_users=False)


def sign_in_with_sso(page: Page, sso: SsoApp) -> None:
    page.goto(f"{sso.base}/")
    expect(page).to_have_url(re.compile(r"/log-ind$"))
    expect(page.get_by_label("Adgangskode")).to_have_count(0)
    page.get_by_role("link", name="Log ind med kommunens fælles login").click()


def test_a_caseworker_signs_in_through_the_idp(
    anonymous: Page, sso: SsoApp, platform: Platform
) -> None:
    kommune = new_municipality(platform.db)
    sso.idp.fault = None
    sso.idp.next_user = IdpUser(
        "a7b1c2d3-0000-4000-8000-00000000b001",
        "Sif Sagsbehandler",
        [
            (
                kommune.cvr,
                [FK_CASEWORKER],
                {ORG_UNIT_CONSTRAINT: [str(kommune.unit)], KLE_CONSTRAINT: ["34.*"]},
            )
        ],
    )
    sign_in_with_sso(anonymous, sso)
    expect(anonymous).to_have_url(f"{sso.base}/")
    expect(anonymous.get_by_role("heading", level=1)).to_have_text("Mit overblik")
    expect(anonymous.get_by_text("Sif Sagsbehandler")).to_be_visible()


def test_an_unmapped_role_is_refused_with_a_danish_alert(
    anonymous: Page, sso: SsoApp, platform: Platform
) -> None:
    kommune = new_municipality(platform.db)
    sso.idp.fault = None
    sso.idp.next_user = IdpUser(
        "a7b1c2d3-0000-4000-8000-00000000b002",
        "Uno Ukendt",
        [(kommune.cvr, [FK_UNMAPPED], {ORG_UNIT_CONSTRAINT: [str(kommune.unit)]})],
    )
    sign_in_with_sso(anonymous, sso)
    expect(anonymous.get_by_role("alert")).to_contain_text("er ikke knyttet til en rolle")
    anonymous.goto(f"{sso.base}/")
    expect(anonymous).to_have_url(re.compile(r"/log-ind"))

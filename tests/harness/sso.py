"""An app with single sign-on against the test IdP, on the platform's database and Redis.

The stack's own API runs without SSO (development users); this one runs in a thread of the test
process with the same settings plus SAML, so a test drives the whole browser flow with httpx.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from saml2.metadata import entity_descriptor
from sqlalchemy import Engine, insert

from api import clock
from api.app import create_app
from api.auth.tables import fk_role_mapping
from api.org.tables import municipality, org_unit
from api.settings import Settings, get_settings
from api.sso.config import sp_config
from tests.harness.saml_idp import (
    OTHER_AUDIENCE,
    SP_CERT,
    SP_KEY,
    TestIdp,
    form_of,
    free_port,
)

FK_CASEWORKER = "http://test.boernesag.example/roles/usersystemrole/myndighedsraadgiver/1"
FK_LEADER = "http://test.boernesag.example/roles/usersystemrole/teamleder/1"
FK_UNMAPPED = "http://test.boernesag.example/roles/usersystemrole/ukendt/1"


@dataclass
class SsoMunicipality:
    id: str
    cvr: str
    unit: uuid.UUID


@dataclass
class SsoApp:
    base: str
    idp: TestIdp
    settings: Settings

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base, timeout=30)

    def sign_in(self, client: httpx.Client, next: str = "/") -> httpx.Response:
        """The browser's part: /saml/login, the IdP, and the IdP's form posted to our ACS."""
        start = client.get("/saml/login", params={"next": next})
        assert start.status_code == 303, start.text
        page = httpx.get(start.headers["location"], timeout=30)
        assert page.status_code == 200, page.text
        action, fields = form_of(page.text)
        return client.post(action, data=fields)


def settings_for(env: dict[str, str], **extra: Any) -> Settings:
    values: dict[str, Any] = {k[3:].lower(): v for k, v in env.items() if k.startswith("BS_")}
    values["database_url"] = env["DATABASE_URL"]
    values.update(extra)
    return Settings(**values)


def new_municipality(db: Engine) -> SsoMunicipality:
    """A municipality of its own (kommunekode, CVR, org unit) with the FK role mapping."""
    tag = uuid.uuid4().hex
    found = SsoMunicipality(id=f"sso-{tag[:8]}", cvr=str(int(tag[:12], 16))[-8:], unit=uuid.uuid4())
    with db.begin() as conn:
        conn.execute(insert(municipality).values(id=found.id, name="SSO Test", cvr=found.cvr))
        conn.execute(
            insert(org_unit).values(
                id=found.unit,
                municipality_id=found.id,
                name="Børn og Familie Test",
                duty_group=f"{found.id}-modtagelse",
                leader_group=f"{found.id}-modtagelse-ledere",
            )
        )
        conn.execute(
            insert(fk_role_mapping),
            [
                {"municipality_id": found.id, "fk_role": FK_CASEWORKER, "role": "caseworker"},
                {"municipality_id": found.id, "fk_role": FK_LEADER, "role": "team_leader"},
            ],
        )
    return found


def run_sso_app(env: dict[str, str], workdir: Path, **extra: Any) -> Iterator[SsoApp]:
    idp = TestIdp(workdir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings_for(
        env,
        base_url=base,
        saml_idp_metadata=str(idp.metadata_file),
        saml_sp_key=str(SP_KEY),
        saml_sp_certificate=str(SP_CERT),
        **extra,
    )
    other = settings.model_copy(update={"saml_sp_entity_id": OTHER_AUDIENCE})
    idp.trust(str(entity_descriptor(sp_config(settings))), str(entity_descriptor(sp_config(other))))
    idp.start()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    # Code that reads the settings itself (api.clock) sees the stack's, as in its own process.
    with pytest.MonkeyPatch.context() as env_patch:
        for name, value in env.items():
            if name.startswith("BS_") or name == "DATABASE_URL":
                env_patch.setenv(name, value)
        get_settings.cache_clear()
        clock.current.cache_clear()
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline, "the SSO app did not start"
            time.sleep(0.05)
        try:
            yield SsoApp(base, idp, settings)
        finally:
            server.should_exit = True
            thread.join(10)
            idp.stop()
            get_settings.cache_clear()
            clock.current.cache_clear()

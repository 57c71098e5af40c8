"""The classification on the running stack: the stack's step loaded every facet from the SF1510
simulator, a second load changes nothing, intake files new cases under the loaded KLE subject and
refuses (503) while it is not loaded, the ESDH relay checks its handlingsfacet, and
GET /api/classifications shows the kontoplan."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from adapters.sf1510 import Sf1510Client
from adapters.sf1510.data import classification as simulated
from api.auth.principal import Principal
from api.cases.tables import case, underretning
from api.classification import sync
from api.classification.service import ClassificationMissing, Facet, require
from api.classification.tables import classification
from api.demo.seed import unit_id, user_id
from api.settings import Settings
from api.underretninger.schemas import UnderretningIn
from api.underretninger.service import receive as receive_underretning
from tests.harness.api import ApiClient
from tests.harness.platform import Platform
from tests.platform.test_underretning import receive, report
from workers import esdh

FACETS: tuple[Facet, ...] = ("kle", "handlingsfacet", "funktion", "art")
CASEWORKER = Principal(
    user_id=user_id("caseworker"),
    username="caseworker",
    display_name="Sagsbehandler",
    municipality_id="901",
    org_unit_id=unit_id("901"),
    roles=frozenset({"caseworker"}),
)


def _settings(platform: Platform) -> Settings:
    """The stack's SF1510 settings (the database is not what these tests use them for)."""
    return Settings(
        database_url="postgresql://unused",
        sf1510_endpoint=f"http://127.0.0.1:{platform.stack.ports.simulators}/sf1510",
    )


def _rows(platform: Platform) -> list[Any]:
    with platform.db.connect() as conn:
        return list(conn.execute(select(classification).order_by(classification.c.id)))


@pytest.fixture
def sf1510(platform: Platform) -> Iterator[Sf1510Client]:
    with Sf1510Client(sync.client_settings(_settings(platform))) as client:
        yield client


def test_the_stack_loaded_every_facet(platform: Platform) -> None:
    """Each facet's classes are in the table with UUID, key, title, parent and validity."""
    rows = {row.id: row for row in _rows(platform)}
    expected = simulated()
    for entry in expected.classes:
        row = rows[entry.id]
        assert (row.facet, row.key, row.title) == (entry.facet.name, entry.key, entry.title)
        assert (row.parent_id, row.valid_from, row.valid_to) == (
            entry.parent,
            entry.valid_from,
            entry.valid_to,
        )
    assert {row.facet for row in rows.values()} == set(FACETS)


def test_loading_again_changes_nothing_and_repairs_a_changed_row(
    platform: Platform, sf1510: Sf1510Client
) -> None:
    """The stack's step run again leaves every row as it was; a row changed behind its back is
    put back by the next load, the others untouched."""
    before = _rows(platform)
    platform.stack.run_step("classification", [sys.executable, "-m", "api.classification.sync"])
    assert _rows(platform) == before
    wanted = sync.facets(_settings(platform))
    results = sync.sync(platform.db, sf1510, wanted)
    assert all(r.inserted == r.updated == 0 and r.unchanged > 0 for r in results.values())
    with platform.db.begin() as conn:
        conn.execute(
            update(classification)
            .where(classification.c.key == "5.28.22")
            .values(title="Forkert titel")
        )
    results = sync.sync(platform.db, sf1510, wanted)
    assert (results["funktion"].updated, results["kle"].updated) == (1, 0)
    after = {row.key: row for row in _rows(platform) if row.facet == "funktion"}
    assert after["5.28.22"].title == "Plejefamilier"


def test_a_new_case_is_filed_under_the_loaded_kle_subject(
    platform: Platform, caseworker: ApiClient
) -> None:
    """An underretning's case carries 34.10.10, the setting's default, from the classification."""
    case_id = uuid.UUID(receive(caseworker, report())["case_id"])
    with platform.db.connect() as conn:
        subject = conn.execute(select(case.c.kle_subject).where(case.c.id == case_id)).scalar()
    assert subject == "34.10.10"


def _data() -> UnderretningIn:
    return UnderretningIn.model_validate(report())


def test_intake_refuses_an_unknown_or_ended_kle_subject(platform: Platform) -> None:
    """A KLE subject that is not loaded, or whose validity has ended, stops the intake before
    anything is written."""
    with platform.db.connect() as conn:
        count = select(func.count()).select_from(underretning)
        before = conn.execute(count).scalar()
        for subject in ("34.99.99", "27.24.00"):
            with pytest.raises(ClassificationMissing, match=f"KLE-emnet {subject}"):
                receive_underretning(conn, CASEWORKER, _data(), kle_subject=subject)
        assert conn.execute(count).scalar() == before
        conn.rollback()


def test_intake_is_503_while_the_classification_is_not_loaded(
    platform: Platform, caseworker: ApiClient
) -> None:
    """Without the KLE facet the service refuses, and the API answers 503 in Danish; after the
    load it receives again."""
    with platform.db.connect() as conn:
        conn.execute(delete(classification).where(classification.c.facet == "kle"))
        with pytest.raises(ClassificationMissing, match="ikke indlæst"):
            receive_underretning(conn, CASEWORKER, _data(), kle_subject="34.10.10")
        conn.rollback()
    with platform.db.begin() as conn:
        conn.execute(delete(classification).where(classification.c.facet == "kle"))
    try:
        refused = caseworker.post("/api/underretninger", report())
        assert refused.status_code == 503
        assert "Klassifikationen fra SF1510 er ikke indlæst" in refused.json()["detail"]
    finally:
        platform.stack.run_step("classification", [sys.executable, "-m", "api.classification.sync"])
    assert caseworker.post("/api/underretninger", report()).status_code == 201


def test_the_esdh_relay_checks_its_handlingsfacet(
    platform: Platform, caseworker: ApiClient
) -> None:
    """A handlingsfacet that is not in the classification stops the document before it is
    filed, with the reason; G01 is there."""
    case_id = uuid.UUID(receive(caseworker, report())["case_id"])
    row = SimpleNamespace(case_id=case_id, withdrawn_at=None)
    relay: Any = SimpleNamespace(action_facet="X99")
    with pytest.raises(ClassificationMissing, match="Handlingsfacetten X99"):
        esdh._process(platform.db, relay, row)
    with platform.db.connect() as conn:
        facet = require(conn, facet="handlingsfacet", key="G01", at=datetime.now(UTC))
    assert facet.title == "Generelle sager"


def test_classifications_show_the_kontoplan(platform: Platform, caseworker: ApiClient) -> None:
    """GET /api/classifications?facet=funktion lists 5.28.20-24 with titles and validity; an
    ended class shows as not in effect; an unknown facet is a 422."""
    response = caseworker.get("/api/classifications", facet="funktion")
    assert response.status_code == 200
    funktioner = {entry["key"]: entry for entry in response.json()}
    assert {f"5.28.2{n}" for n in range(5)} <= set(funktioner)
    assert funktioner["5.28.21"]["title"] == "Forebyggende foranstaltninger"
    assert funktioner["5.28.21"]["parent_id"] == funktioner["5.28"]["id"]
    assert all(entry["in_effect"] for entry in funktioner.values())
    kle = {
        entry["key"]: entry for entry in caseworker.get("/api/classifications", facet="kle").json()
    }
    assert kle["34.10.10"]["in_effect"] and not kle["27.24.00"]["in_effect"]
    assert kle["27.24.00"]["valid_to"] is not None
    assert caseworker.get("/api/classifications", facet="konto").status_code == 422

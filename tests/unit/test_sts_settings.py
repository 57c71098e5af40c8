"""The OIOIDWS route from the settings (api/sts.py): which services get a token provider, the
documented TEST defaults, and a misconfigured certificate stopping the start with its setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters.sts import testcerts
from api import sts
from api.settings import Settings


def settings(**values: object) -> Settings:
    return Settings(database_url="postgresql://unused", **values)  # type: ignore[arg-type]


def test_only_services_in_the_token_variant_get_a_provider() -> None:
    chosen = settings(cpr_variant="token", esdh_variant="context", sf1510_variant="context")
    assert sts.token_provider(chosen, "sf1520") is not None
    assert all(sts.token_provider(chosen, s) is None for s in ("sf2900", "sf1470", "sf1510"))


def test_unset_entity_ids_are_the_simulators_and_set_ones_win() -> None:
    own = "http://entityid.kombit.dk/service/example/1"
    chosen = settings(sts_entity_id_sf1510=own)
    assert sts.entity_id(chosen, "sf1510") == own
    assert sts.entity_id(chosen, "sf1520") == testcerts.ENTITY_IDS["sf1520"]


def test_the_shared_client_is_one_per_configuration() -> None:
    first = sts.shared_sts_client(settings())
    assert sts.shared_sts_client(settings()) is first
    assert sts.shared_sts_client(settings(sts_municipality_cvr="90200002")) is not first


def test_a_missing_or_mismatched_certificate_names_its_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="BS_STS_CERTIFICATE"):
        sts.sts_client(settings(sts_certificate=str(tmp_path / "missing.pem")))
    with pytest.raises(ValueError, match="does not belong"):
        sts.sts_client(
            settings(
                sts_certificate=str(testcerts.MUNICIPALITY_CERTIFICATE),
                sts_certificate_key=str(testcerts.STS_KEY),
            )
        )
    with pytest.raises(ValueError, match="BS_STS_SIGNING_CERTIFICATE"):
        sts.sts_client(settings(sts_signing_certificate=str(tmp_path / "missing.pem")))

"""The kontostreng of a grant: funktion (5.28.xx), dranst and art, from the municipality's
configuration keyed by indsats type and provider type, checked against the kontoplan loaded
from SF1510 (`classification`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from adapters.fkoeko import Kontostreng
from api.classification.service import require
from api.finance.tables import kontostreng_rule

# Indsats types by measure kind (api.cases.tables.measure.kind), with their Danish names.
SUPPORT_TYPES = {
    "praktisk_paedagogisk_stoette": "Praktisk, pædagogisk eller anden støtte i hjemmet",
    "familiebehandling": "Familiebehandling",
    "doegnophold_familie": "Døgnophold for familien",
    "kontaktperson": "Fast kontaktperson",
    "aflastning": "Aflastningsophold",
}
PLACEMENT_TYPES = {
    "plejefamilie": "Anbringelse i plejefamilie",
    "netvaerksplejefamilie": "Anbringelse i netværksplejefamilie",
    "opholdssted": "Anbringelse på opholdssted",
    "doegninstitution": "Anbringelse på døgninstitution",
    "sikret_doegninstitution": "Anbringelse på sikret døgninstitution",
}
INDSATS_TYPES = {"indsats": SUPPORT_TYPES, "anbringelse": PLACEMENT_TYPES}
PROVIDER_TYPES = {
    "kommunal": "Kommunalt tilbud",
    "regional": "Regionalt tilbud",
    "privat": "Privat tilbud",
    "plejefamilie": "Plejefamilie (person)",
}
# Who is paid as a person (CPR, NemKonto) rather than a provider (CVR).
PERSON_PROVIDERS = frozenset({"plejefamilie"})

# The demo municipalities' configuration (the kontoplan of domain.md §4.5): the funktion by
# indsats type, the art by provider type (4.7 from kommuner, 4.8 regioner, 4.9 private, 5.2
# overførsler til personer). Dranst 1: drift.
_FUNKTION = {
    **dict.fromkeys(SUPPORT_TYPES, "5.28.21"),
    "plejefamilie": "5.28.22",
    "netvaerksplejefamilie": "5.28.22",
    "opholdssted": "5.28.20",
    "doegninstitution": "5.28.23",
    "sikret_doegninstitution": "5.28.24",
}
_ART = {"kommunal": "4.7", "regional": "4.8", "privat": "4.9", "plejefamilie": "5.2"}
_FOSTER = ("plejefamilie", "netvaerksplejefamilie")


def demo_rules() -> list[tuple[str, str, str, str, str]]:
    """(indsats type, provider type, funktion, dranst, art) for every combination a demo
    municipality buys: foster care from a foster family, everything else from a provider."""
    rules = []
    for indsats_type, funktion in _FUNKTION.items():
        providers = (
            ["plejefamilie"] if indsats_type in _FOSTER else ["kommunal", "regional", "privat"]
        )
        rules += [(indsats_type, p, funktion, "1", _ART[p]) for p in providers]
    return rules


def seed(conn: Connection, municipality_ids: Iterable[str]) -> None:
    """The demo configuration; idempotent, and a municipality's own changes are kept."""
    for municipality_id in municipality_ids:
        for indsats_type, provider_type, funktion, dranst, art in demo_rules():
            conn.execute(
                insert(kontostreng_rule)
                .values(
                    municipality_id=municipality_id,
                    indsats_type=indsats_type,
                    provider_type=provider_type,
                    funktion=funktion,
                    dranst=dranst,
                    art=art,
                )
                .on_conflict_do_nothing()
            )


class KontostrengMissing(LookupError):
    """The municipality has configured no kontostreng for the combination."""

    def __init__(self, municipality_id: str, indsats_type: str, provider_type: str) -> None:
        self.detail = (
            f"Kommune {municipality_id} har ingen kontostreng for indsatstypen "
            f"'{indsats_type}' købt hos '{provider_type}' (tabellen kontostreng_rule)"
            f" / no kontostreng configured for {indsats_type} from {provider_type}"
        )
        super().__init__(self.detail)


def lookup(
    conn: Connection, municipality_id: str, indsats_type: str, provider_type: str, at: datetime
) -> Kontostreng:
    """The configured kontostreng, its funktion and art in effect in the loaded kontoplan;
    KontostrengMissing or ClassificationMissing (both with a Danish message) otherwise."""
    row = conn.execute(
        select(kontostreng_rule).where(
            kontostreng_rule.c.municipality_id == municipality_id,
            kontostreng_rule.c.indsats_type == indsats_type,
            kontostreng_rule.c.provider_type == provider_type,
        )
    ).first()
    if row is None:
        raise KontostrengMissing(municipality_id, indsats_type, provider_type)
    require(conn, facet="funktion", key=row.funktion, at=at)
    require(conn, facet="art", key=row.art, at=at)
    return Kontostreng(funktion=row.funktion, dranst=row.dranst, art=row.art)

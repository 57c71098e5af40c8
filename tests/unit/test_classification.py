"""The classification's values and settings: validity, the refusal's message, and the facet
UUIDs the loader asks for by default (the simulator's)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from adapters.sf1510.data import classification
from api.classification import sync
from api.classification.service import ClassificationMissing, Entry
from api.settings import Settings

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _entry(**overrides: object) -> Entry:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "facet": "kle",
        "key": "34.10.10",
        "title": "Afdækning og børnefaglig undersøgelse",
        "parent_id": None,
        "valid_from": datetime(2024, 1, 1, tzinfo=UTC),
        "valid_to": None,
        "published": True,
    }
    values.update(overrides)
    return Entry(**values)  # type: ignore[arg-type]


def test_a_class_is_in_effect_within_its_validity_and_published() -> None:
    """Open ends count as always; the end moment itself is outside; unpublished is never."""
    assert _entry().in_effect(NOW)
    assert _entry(valid_from=None).in_effect(NOW)
    assert not _entry(valid_from=datetime(2027, 1, 1, tzinfo=UTC)).in_effect(NOW)
    assert not _entry(valid_to=NOW).in_effect(NOW)
    assert not _entry(published=False).in_effect(NOW)


def test_the_refusal_says_what_is_missing_in_danish_and_english() -> None:
    """Not loaded at all, or this key missing: two messages, both bilingual."""
    missing = ClassificationMissing("kle", "34.10.10", loaded=True)
    assert "KLE-emnet 34.10.10" in missing.detail and "KLE subject 34.10.10" in missing.detail
    empty = ClassificationMissing("handlingsfacet", "G01", loaded=False)
    assert "ikke indlæst" in empty.detail and "not loaded" in empty.detail


def test_default_facets_are_the_simulators_and_the_kle_default_is_there() -> None:
    """Under make run the loader asks the simulator for its own facets, and the intake's
    default KLE subject is among the served classes."""
    settings = Settings(database_url="postgresql://unused")
    served = classification()
    assert sync.facets(settings) == {name: facet.id for name, facet in served.facets.items()}
    kle = {c.key for c in served.classes if c.facet.name == "kle"}
    assert settings.underretning_kle_subject == "34.10.10" and "34.10.10" in kle
    assert settings.esdh_action_facet in {c.key for c in served.classes}

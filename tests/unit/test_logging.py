"""CPR numbers never reach a log line."""

from __future__ import annotations

import structlog

from api.logging import configure, mask_cpr, mask_processor


def test_mask_cpr_masks_both_spellings_and_leaves_long_keys() -> None:
    """Ten digits with or without a dash are masked; Zeebe's 16-digit keys are not."""
    assert mask_cpr("barn 0101901234 og 010190-1234") == "barn 010190-xxxx og 010190-xxxx"
    assert mask_cpr("key 2251799813685249") == "key 2251799813685249"


def test_mask_cpr_leaves_uuids_whole() -> None:
    """A case id whose groups hold ten digits in a row stays readable; a CPR beside it does not."""
    case_id = "1b2c3d4e-5f60-4a71-8b92-a0123456789b"
    assert mask_cpr(f"sag {case_id}") == f"sag {case_id}"
    split = "ab123456-7890-4a71-8b92-c0d1e2f3a4b5"
    assert mask_cpr(f"{split}: 0101901234") == f"{split}: 010190-xxxx"


def test_processor_masks_nested_values() -> None:
    """The structlog processor masks inside dicts and lists too."""
    event = mask_processor(None, "info", {"event": "x 0101901234", "extra": {"l": ["0101901234"]}})
    assert event == {"event": "x 010190-xxxx", "extra": {"l": ["010190-xxxx"]}}


def test_configured_logger_prints_masked(capsys) -> None:  # type: ignore[no-untyped-def]
    """End to end through structlog's renderer."""
    configure("json")
    structlog.get_logger("t").info("opslag", cpr="0101901234")
    assert "0101901234" not in capsys.readouterr().err
    structlog.reset_defaults()

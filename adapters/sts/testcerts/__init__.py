"""TEST ONLY: the simulator STS's identity, the test municipality's, and the simulators' entity ids.

The keys in this folder are public (they are in git); no real STS or service trusts them.
`generate.py` made them once. See adapters/sts/README.md.
"""

from __future__ import annotations

from pathlib import Path

from adapters.sts.wssecurity import Credentials

FOLDER = Path(__file__).parent
STS_CERTIFICATE = FOLDER / "sts-test.pem"
STS_KEY = FOLDER / "sts-test.key"
MUNICIPALITY_CERTIFICATE = FOLDER / "kommune-test.pem"
MUNICIPALITY_KEY = FOLDER / "kommune-test.key"
MUNICIPALITY_CVR = "90100001"
"""The test municipality 901's synthetic CVR, the claim the simulator STS expects."""

STS_ISSUER = "urn:boernesag:test:sts"
"""The simulator STS's name in the assertions it issues."""

ENTITY_IDS = {
    "sf1520": "http://entityid.boernesag.invalid/service/sf1520/4",
    "sf2900": "http://entityid.boernesag.invalid/service/sf2900/3",
    "sf1470": "http://entityid.boernesag.invalid/service/sf1470/5",
    "sf1510": "http://entityid.boernesag.invalid/service/sf1510/6",
}
"""The entity ids the simulators answer to (`.invalid`: made up). Production takes each service's
EntityId from the municipality's service agreement in KOMBIT's administration module."""


def sts_credentials() -> Credentials:
    return Credentials.load(STS_CERTIFICATE, STS_KEY)


def municipality_credentials() -> Credentials:
    return Credentials.load(MUNICIPALITY_CERTIFICATE, MUNICIPALITY_KEY)

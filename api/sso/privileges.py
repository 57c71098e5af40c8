"""The OIOSAML Basic Privilege Profile: the rights an IdP (KOMBIT's Context Handler) sends.

The attribute carries a base64 PrivilegeList: one PrivilegeGroup per scope (the municipality's
CVR number), each with the FK Adgangsstyring brugersystemroller (`Privilege`, a URI) and the
data constraints (dataafgrænsninger) they hold under, here KLE and org unit (FK Organisation
UUID). `parse` reads it; the municipality's mapping (`fk_role_mapping`) turns it into our roles
and scope in `api.sso.provision`. Every refusal is a `Refused` with a Danish message.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass

from lxml import etree

# OIOSAML 2 (as the Context Handler sends it) and OIOSAML 3's name for the same attribute.
ATTRIBUTES = (
    "dk:gov:saml:attribute:Privileges_intermediate",
    "https://data.gov.dk/model/core/eid/privilegesIntermediate",
)
SCOPE_PREFIX = "urn:dk:gov:saml:cvrNumberIdentifier:"
KLE_CONSTRAINT = "http://sts.kombit.dk/constraints/kle/1"
ORG_UNIT_CONSTRAINT = "http://sts.kombit.dk/constraints/orgenhed/1"
_KLE = re.compile(r"^\d{2}(\.\d{2}){0,2}$")
# Entities are refused outright: a privilege list is small and never needs them.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


class Refused(Exception):
    """The sign-in is refused; the message is shown to the user (Danish)."""


@dataclass(frozen=True)
class Privilege:
    cvr: str
    fk_role: str
    org_units: frozenset[uuid.UUID]
    kle: frozenset[str]


def kle_prefix(value: str) -> str:
    """'34.*' -> '34', '34.10.*' -> '34.10', '34.10.10' -> '34.10.10'; else Refused."""
    text = value.strip()
    while text.endswith(".*"):
        text = text[:-2]
    if text in ("*", "") or not _KLE.match(text):
        raise Refused(f"Rettighedernes KLE-afgrænsning '{value.strip()[:20]}' kan ikke læses.")
    return text


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def parse(encoded: str) -> list[Privilege]:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
        root = etree.fromstring(raw, _PARSER)
    except (binascii.Error, ValueError, etree.XMLSyntaxError) as exc:
        raise Refused("Rettighederne fra log-in-tjenesten kan ikke læses.") from exc
    if _local(root.tag) != "PrivilegeList":
        raise Refused("Rettighederne fra log-in-tjenesten kan ikke læses.")
    result: list[Privilege] = []
    for group in root:
        if _local(group.tag) != "PrivilegeGroup":
            continue
        scope = (group.get("Scope") or "").strip()
        if not scope.startswith(SCOPE_PREFIX):
            raise Refused("Rettighederne nævner ikke en myndighed (CVR-nummer).")
        cvr = scope.removeprefix(SCOPE_PREFIX)
        roles: list[str] = []
        units: set[uuid.UUID] = set()
        kle: set[str] = set()
        for child in group:
            name, text = _local(child.tag), (child.text or "").strip()
            if name == "Privilege" and text:
                roles.append(text)
            elif name == "Constraint":
                kind = (child.get("Name") or "").strip().lower()
                if kind == ORG_UNIT_CONSTRAINT:
                    try:
                        units.add(uuid.UUID(text))
                    except ValueError as exc:
                        raise Refused("Rettighedernes organisationsenhed kan ikke læses.") from exc
                elif kind == KLE_CONSTRAINT:
                    kle.add(kle_prefix(text))
        result.extend(
            Privilege(cvr=cvr, fk_role=r, org_units=frozenset(units), kle=frozenset(kle))
            for r in roles
        )
    if not result:
        raise Refused("Du har ingen rettigheder til Børnesag. Kontakt din administrator.")
    return result


def encode(groups: list[tuple[str, list[str], dict[str, list[str]]]]) -> str:
    """A PrivilegeList as the IdP sends it: (cvr, fk roles, {constraint name: values}) per group.
    Used by the municipality's test IdP and the tests."""
    ns = "http://itst.dk/oiosaml/basic_privilege_profile"
    root = etree.Element(f"{{{ns}}}PrivilegeList", nsmap={"bpp": ns})
    for cvr, roles, constraints in groups:
        group = etree.SubElement(root, "PrivilegeGroup", Scope=SCOPE_PREFIX + cvr)
        for role in roles:
            etree.SubElement(group, "Privilege").text = role
        for name, values in constraints.items():
            for value in values:
                etree.SubElement(group, "Constraint", Name=name).text = value
    return base64.b64encode(etree.tostring(root, xml_declaration=True, encoding="UTF-8")).decode()

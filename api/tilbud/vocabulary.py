"""The catalogue's code lists, with their Danish labels: what an offer is for (need), whom it
serves (target groups), how it works (methods), its supervision status and its price units.

Codes in the import file must come from these lists, so that search and comparison across
providers mean the same thing by the same word."""

from __future__ import annotations

from api.finance import kontostreng

# The need an offer meets is the decision form's indsats type; foster families are persons
# paid on CPR and are not catalogue offers.
OFFER_TYPES = {
    code: label
    for kind in kontostreng.INDSATS_TYPES.values()
    for code, label in kind.items()
    if code not in ("plejefamilie", "netvaerksplejefamilie")
}
PROVIDER_TYPES = {
    code: label
    for code, label in kontostreng.PROVIDER_TYPES.items()
    if code not in kontostreng.PERSON_PROVIDERS
}
TARGET_GROUPS = {
    "omsorgssvigt": "Omsorgssvigt",
    "adfaerd": "Adfærdsproblemer",
    "angst": "Angst og depression",
    "adhd": "ADHD",
    "autisme": "Autismespektrum",
    "traumer": "Traumer",
    "selvskade": "Selvskade",
    "misbrug": "Misbrug",
    "kriminalitet": "Kriminalitet",
    "udviklingshaemning": "Udviklingshæmning",
    "skolevaegring": "Skolevægring",
    "smaaboern": "Småbørn (0-6 år)",
    "unge": "Unge (14-22 år)",
}
METHODS = {
    "miljoeterapi": "Miljøterapi",
    "krap": "KRAP",
    "neuropaedagogik": "Neuropædagogik",
    "traumebevidst": "Traumebevidst pædagogik",
    "kat": "Kognitiv adfærdsterapi",
    "mst": "Multisystemisk terapi (MST)",
    "marte_meo": "Marte Meo",
    "de_utrolige_aar": "De Utrolige År",
    "systemisk": "Systemisk familiebehandling",
    "mentalisering": "Mentaliseringsbaseret arbejde",
    "low_arousal": "Low arousal",
}
TILSYN_STATUSES = {
    "godkendt": "Godkendt",
    "godkendt_med_vilkaar": "Godkendt med vilkår",
    "skaerpet_tilsyn": "Skærpet tilsyn",
}
UNITS = {"maaned": "pr. måned", "uge": "pr. uge", "doegn": "pr. døgn"}

"""The statutory deadline rules (domain.md §1.4, D1-D27): what each timer in the BPMN means.

A timer carries only its rule id (`<zeebe:property name="deadlineRule" value="D1"/>`); the label,
the legal basis and whether the deadline is hard come from here. Rules are versioned by rule set
and valid-from date, and every process instance records the rule set it runs under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Rule:
    id: str
    label: str  # Danish, as caseworkers say it
    basis: str
    hard: bool
    computation: str


@dataclass(frozen=True)
class RuleSet:
    version: str
    valid_from: date
    rules: tuple[Rule, ...]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


_RULES_2024 = (
    Rule(
        "D1",
        "24-timers vurdering af underretning",
        "BL § 136",
        True,
        "modtagelsestidspunkt + 24 timer (kalendertimer)",
    ),
    Rule(
        "D2",
        "Kvittering til fagperson",
        "tidl. SEL § 155 b",
        True,
        "modtagelsesdag + 6 hverdage, til midnat",
    ),
    Rule(
        "D3",
        "Orientering af fagperson om opfølgning",
        "tidl. SEL § 155 b, stk. 2",
        False,
        "afslutning af underretning + 14 dage (praksis)",
    ),
    Rule(
        "D4",
        "Genvurdering ved ny underretning under indsats",
        "BL § 137",
        True,
        "modtagelsestidspunkt + 24 timer",
    ),
    Rule(
        "D5",
        "Børnefaglig undersøgelse afsluttet",
        "BL § 20, stk. 3",
        True,
        "kendskabsdato + 4 måneder",
    ),
    Rule(
        "D5b",
        "Foreløbig vurdering efter overskredet BFU-frist",
        "BL § 20, stk. 3",
        True,
        "ved D5, derefter påmindelse hver 14. dag",
    ),
    Rule(
        "D5s",
        "Rykker for statusudtalelse",
        "BL § 20 (praksis)",
        False,
        "anmodning + svarfrist (7-30 dage), derefter rykker hver 7. dag, højst 2 gange",
    ),
    Rule(
        "D6",
        "Barnets plan ved anbringelse med samtykke",
        "BL § 91",
        True,
        "afgørelsesdato + 3 måneder",
    ),
    Rule(
        "D7",
        "Plan vedlagt indstilling til børn og unge-udvalget",
        "BL § 91",
        True,
        "før udvalgsmødet",
    ),
    Rule("D8", "Barnets plan ved støttende indsats", "BL § 91", True, "afgørelsesdato + 3 måneder"),
    Rule(
        "D9",
        "Første opfølgning på indsats",
        "BL § 95",
        True,
        "tidligst af undersøgelsens afslutning og indsatsstart + 3 måneder",
    ),
    Rule("D10", "Næste opfølgning", "BL § 95", False, "rådgiverens begrundede interval"),
    Rule(
        "D11",
        "Tilsynsbesøg med samtale med barnet",
        "BL § 156, stk. 5",
        True,
        "mindst 2 gange årligt",
    ),
    Rule(
        "D12",
        "Udvalgets godkendelse af formandsafgørelse",
        "BL § 143",
        True,
        "formandsafgørelse + 7 dage",
    ),
    Rule(
        "D13",
        "Udvalgets fulde afgørelse efter formandsafgørelse",
        "BL § 143",
        True,
        "formandsafgørelse + 1 måned",
    ),
    Rule(
        "D14",
        "Genbehandling i børn og unge-udvalget",
        "Ankestyrelsens praksis (BL § 47-anbringelser)",
        True,
        "ikrafttræden + 1 år, derefter hvert 2. år",
    ),
    Rule(
        "D15",
        "Overvej permanent anbringelse eller adoption",
        "BL § 67",
        False,
        "anbringelsesstart + 3 år",
    ),
    Rule(
        "D16",
        "Klagefrist udløber",
        "Forvaltningsloven; Ankestyrelsen",
        True,
        "levering i Digital Post + 4 uger",
    ),
    Rule(
        "D17",
        "Genvurdering og videresendelse af klage",
        "Retssikkerhedsloven §§ 66-67",
        True,
        "klage modtaget + 4 uger",
    ),
    Rule(
        "D18",
        "Frist for indbringelse for byretten",
        "Ankestyrelsen",
        False,
        "Ankestyrelsens afgørelse + 4 uger",
    ),
    Rule(
        "D19",
        "Svar på aktindsigt eller fristbrev",
        "Offentlighedsloven § 36",
        True,
        "anmodning + 7 arbejdsdage",
    ),
    Rule(
        "D20", "Partshøring slutter", "Forvaltningsloven § 19", False, "fastsat i sagen (7-14 dage)"
    ),
    Rule("D21", "Hjemgivelsesperiode slutter", "BL § 100", True, "afgørelse + 0-6 måneder"),
    Rule(
        "D22",
        "Planlægning af ungestøtte ved 16 år",
        "BL §§ 108-110",
        True,
        "16-års fødselsdag (CPR)",
    ),
    Rule(
        "D23",
        "Afgørelse om ungestøtte klar før 18 år",
        "BL §§ 111-121",
        True,
        "18-års fødselsdag minus 6 måneder",
    ),
    Rule(
        "D24", "Al ungestøtte ophører ved 23 år", "BL §§ 111-121", True, "23-års fødselsdag (CPR)"
    ),
    Rule(
        "D25",
        "Orientering af ny kommune ved flytning",
        "BL § 132",
        True,
        "straks (praksis højst 1 uge)",
    ),
    Rule(
        "D26",
        "Indsatsens forventede varighed nået",
        "BL §§ 32, 46",
        False,
        "afgørelsens forventede slutdato",
    ),
    Rule("D27", "Indberetning til Danmarks Statistik", "BEK 1295/2023", True, "daglig kørsel"),
    # Not a statutory deadline: the payment calendar the monthly payment run (udbetaling) keeps.
    Rule(
        "P1",
        "Månedlig udbetaling af bevillinger",
        "Kommunens betalingskalender (personbogføring)",
        False,
        "den 1. i hver måned kl. 05 (UTC)",
    ),
    # Not a statutory deadline: the nightly load of KLE and the kontoplan (klassifikation_sync).
    Rule(
        "I1",
        "Daglig indlæsning af KLE og kontoplan",
        "Klassifikation (SF1510), drift",
        False,
        "hver nat kl. 03 (UTC)",
    ),
    # Not a statutory deadline: the nightly retention run (retention), on the KLE rules.
    Rule(
        "R1",
        "Daglig sletning og anonymisering efter bevaringsfristen",
        "KLE's bevarings- og kassationsregler; databeskyttelsesforordningen art. 5, stk. 1, e)",
        False,
        "hver nat kl. 02 (UTC)",
    ),
)

RULE_SETS = (RuleSet("2024.1", date(2024, 1, 1), _RULES_2024),)


def current(on: date) -> RuleSet:
    valid = [rs for rs in RULE_SETS if rs.valid_from <= on]
    if not valid:
        raise LookupError(f"no rule set valid on {on}")
    return max(valid, key=lambda rs: rs.valid_from)

"""Text that can be journalised (api.textcheck): what XML 1.0 carries, nothing else."""

from __future__ import annotations

import pytest
from lxml import etree
from pydantic import BaseModel, ValidationError

from api.textcheck import MESSAGE, XmlText


class Note(BaseModel):
    text: XmlText


@pytest.mark.parametrize("text", ["Linje et\nLinje to\tmed tab\r", "Æblegrød på ø ✓ €", ""])
def test_text_xml_carries_is_accepted_and_survives_xml(text: str) -> None:
    assert Note(text=text).text == text
    element = etree.Element("n")
    element.text = text
    parsed = etree.fromstring(etree.tostring(element)).text or ""
    assert parsed in {text, text.replace("\r", "\n")}


@pytest.mark.parametrize(
    "text", ["a\x00b", "a\x01b", "a\x0bb", "a\x0cb", "a\x1fb", "a\ud800b", "\uffff"]
)
def test_control_characters_and_lone_surrogates_are_refused(text: str) -> None:
    with pytest.raises(ValidationError, match=MESSAGE):
        Note(text=text)
    element = etree.Element("n")
    with pytest.raises(ValueError):
        element.text = text  # what the adapters would have met


def test_the_case_page_names_the_field_with_a_control_character() -> None:
    from api.esdh.router import JournalNoteIn
    from api.web.case_page import _note_errors

    with pytest.raises(ValidationError) as raised:
        JournalNoteIn(title="Samtale\x01", text="Linje\x0bto", noted_on="0039-03-13")
    assert _note_errors(raised.value) == {
        "emne": "Teksten indeholder kontroltegn, som ikke kan journaliseres.",
        "tekst": "Teksten indeholder kontroltegn, som ikke kan journaliseres.",
        "dato": "Angiv en gyldig dato (åååå-mm-dd).",
    }

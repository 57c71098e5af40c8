"""Text that goes on to the municipality's other systems must be text XML 1.0 can carry.

PostgreSQL keeps a control character (other than tab, newline and carriage return) or a lone
surrogate, but SF2900, SF1470 and Digital Post take XML, which cannot: a journal note with one
would be accepted here and then fail to be journalised forever. So such text is refused where it
is typed, with a Danish message (422).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
MESSAGE = "teksten indeholder kontroltegn, som ikke kan journaliseres"


def xml_text(value: str) -> str:
    if _NOT_IN_XML.search(value):
        raise ValueError(MESSAGE)
    return value


XmlText = Annotated[str, AfterValidator(xml_text)]
"""A str field whose text can be journalised (sent on as XML)."""

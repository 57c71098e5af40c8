"""Postings to the municipality's finance system (OPUS or Prisme) through FK-ØKO.

There is no public contract for FK-ØKO (SF1590), so the adapter brings its own XSD
(`contract/fkoeko.xsd`, served by the simulator at `/fkoeko?xsd`). The client builds a
`Postering`, validates it against the XSD before sending, and reads the `Kvittering`; a posting
is keyed by its `PosteringID`, so a retried job never posts twice. Errors are the adapter
vocabulary of `adapters/errors.py`; lxml objects never leave the package.
"""

from adapters.fkoeko.client import (
    Creditor,
    FkOekoClient,
    FkOekoSettings,
    Kontostreng,
    Posted,
    Posting,
    Receipt,
)

__all__ = [
    "Creditor",
    "FkOekoClient",
    "FkOekoSettings",
    "Kontostreng",
    "Posted",
    "Posting",
    "Receipt",
]

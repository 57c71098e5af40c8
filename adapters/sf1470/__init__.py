"""SF1470 Sags- og Dokumentindeks: report case and document metadata to the national index.

The public surface is `Sf1470Client` and its settings; the metadata it sends is
`adapters.sagdok`. The contract simulator lives in `adapters.sf1470.simulator`.
"""

from adapters.sf1470.client import Sf1470Client, Sf1470Settings

__all__ = ["Sf1470Client", "Sf1470Settings"]

"""SF2900 Fordelingskomponenten DistributionService: file a document in the municipality's ESDH.

The public surface is `Sf2900Client`, its settings and the receipt it answers with; the metadata
it sends is `adapters.sagdok`. The contract simulator lives in `adapters.sf2900.simulator`.
"""

from adapters.sf2900.client import Distribution, Sf2900Client, Sf2900Settings

__all__ = ["Distribution", "Sf2900Client", "Sf2900Settings"]

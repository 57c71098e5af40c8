"""SF1510 Klassifikation: KLE, the handlingsfacetter and the kontoplan as data, not hard-coded.

The public surface is `Sf1510Client`, its settings and the `Klasse` values it returns. The
contract simulator lives in `adapters.sf1510.simulator`, its data in `klassifikation.toml`.
"""

from adapters.sf1510.client import Klasse, Sf1510Client, Sf1510Settings

__all__ = ["Klasse", "Sf1510Client", "Sf1510Settings"]

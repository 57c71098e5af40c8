"""SF1520 CPR PersonBaseDataExtendedService: look up a child, parents, custody and address.

The public surface is `CprClient`, its settings and the frozen values it answers with. The
contract simulator lives in `adapters.cpr.simulator`.
"""

from adapters.cpr.client import CprClient, CprSettings, InvocationContext
from adapters.cpr.model import Address, Custody, CustodyKind, Gender, Person, PersonStatus
from adapters.soap import TokenProvider

__all__ = [
    "Address",
    "CprClient",
    "CprSettings",
    "Custody",
    "CustodyKind",
    "Gender",
    "InvocationContext",
    "Person",
    "PersonStatus",
    "TokenProvider",
]

"""Event files for Danmarks Statistik (BEK 1295/2023): underretninger, støttende indsatser and
anbringelser as start, change and end events.

DST's own file layout is given to reporting systems; here the adapter brings its own XSD
(`contract/dst.xsd`, served by the simulator at `/dst?xsd`). The client validates each file
before sending and reads DST's receipt; a file is keyed by its LeveringID, so sending it again
after a timeout reports nothing twice. lxml objects never leave the package.
"""

from adapters.dst.client import (
    Delivery,
    DeliveryRejected,
    DstClient,
    DstSettings,
    Receipt,
    ReportEvent,
    delivery_xml,
)

__all__ = [
    "Delivery",
    "DeliveryRejected",
    "DstClient",
    "DstSettings",
    "Receipt",
    "ReportEvent",
    "delivery_xml",
]

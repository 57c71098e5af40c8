"""Where the child is, for the distance to an offer: no geocoder can be reached, so a small
table of postcode centres, and each municipality's centre when the postcode is not in it or
the address is protected.

SYNTETISK/CIRKA: the postcode centres are rounded positions of the towns (good to a few km,
enough to rank offers by distance), and the demo municipalities' centres are made up for the
synthetic municipalities 901 and 902. A production catalogue brings DAWA's coordinates."""

from __future__ import annotations

import math
from dataclasses import dataclass

# Postcode -> (latitude, longitude), WGS84, the CPR simulator's postcodes and the sample's.
POSTCODES: dict[str, tuple[float, float]] = {
    "2200": (55.697, 12.543),  # København N
    "4200": (55.404, 11.354),  # Slagelse
    "5000": (55.396, 10.388),  # Odense C
    "6000": (55.491, 9.473),  # Kolding
    "7100": (55.709, 9.536),  # Vejle
    "7400": (56.136, 8.976),  # Herning
    "8000": (56.156, 10.207),  # Aarhus C
    "8200": (56.180, 10.195),  # Aarhus N
    "8600": (56.170, 9.547),  # Silkeborg
    "8800": (56.452, 9.402),  # Viborg
    "9000": (57.046, 9.921),  # Aalborg
}
# The synthetic demo municipalities' centres (made up: Demo Nord near Viborg, Syd near Vejle).
MUNICIPALITY_CENTRES: dict[str, tuple[float, float]] = {
    "901": (56.452, 9.402),
    "902": (55.709, 9.536),
}
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Origin:
    latitude: float
    longitude: float
    # What the position stands for, in Danish: "postnummer 8000" or "kommunens centrum".
    basis: str


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def origin(postcode: str | None, municipality_id: str, *, protected: bool) -> Origin | None:
    """The child's postcode centre; a protected address is never used, not even its
    postcode, so the municipality's centre stands in (as it does for an unknown postcode)."""
    if postcode and not protected and postcode in POSTCODES:
        lat, lon = POSTCODES[postcode]
        return Origin(lat, lon, f"postnummer {postcode}")
    if municipality_id in MUNICIPALITY_CENTRES:
        lat, lon = MUNICIPALITY_CENTRES[municipality_id]
        return Origin(lat, lon, "kommunens centrum")
    return None

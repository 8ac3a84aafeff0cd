"""Great-circle distance between locations (stores own locations and their coordinates). The same formula
runs in SQL in stores.selectors.locations.distance_km_expression."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Kilometres between two (latitude, longitude) points, by the spherical law of cosines."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lng2 - lng1)
    return EARTH_RADIUS_KM * math.acos(max(-1.0, min(1.0, cosine)))

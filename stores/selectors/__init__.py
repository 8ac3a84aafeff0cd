"""Every read of the stores app that matters, one module per domain (locations, staff); import from here."""

from stores.selectors.cached import cached_location, cached_locations, cached_opening_hours
from stores.selectors.locations import (
    CAPABILITIES,
    distance_km_expression,
    location_directory,
    location_for_page,
    locations_with_hours,
    with_distance,
)
from stores.selectors.network import NetworkLocation, Origin, active_network_locations
from stores.selectors.staff import (
    current_location_for,
    location_ids_of_user,
    locations_for_user,
    staff_of,
)

__all__ = [
    "CAPABILITIES",
    "NetworkLocation",
    "Origin",
    "active_network_locations",
    "cached_location",
    "cached_locations",
    "cached_opening_hours",
    "current_location_for",
    "distance_km_expression",
    "location_directory",
    "location_for_page",
    "location_ids_of_user",
    "locations_for_user",
    "locations_with_hours",
    "staff_of",
    "with_distance",
]

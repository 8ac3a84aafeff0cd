"""Every read of the stores app that matters, one module per domain (locations, staff); import from here."""

from stores.selectors.locations import (
    CAPABILITIES,
    distance_km_expression,
    location_directory,
    location_for_page,
    locations_with_hours,
    with_distance,
)
from stores.selectors.staff import (
    current_location_for,
    location_ids_of_user,
    locations_for_user,
    staff_of,
)

__all__ = [
    "CAPABILITIES",
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

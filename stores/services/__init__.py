"""Every write of the stores app, one module per workflow; import from here."""

from stores.services.locations import (
    EDITABLE_FIELDS,
    HoursSpec,
    create_location,
    set_opening_hours,
    update_location,
)
from stores.services.staff import add_staff_membership

__all__ = [
    "EDITABLE_FIELDS",
    "HoursSpec",
    "add_staff_membership",
    "create_location",
    "set_opening_hours",
    "update_location",
]

"""A customer's preferences: the store they prefer, their language, their sizes (loyalty.services.preferences
changes them)."""

from __future__ import annotations

from loyalty.models import Customer, Member
from stores.models import Location, LocationKind
from stores.selectors import active_network_locations, cached_locations


def preferences_of(member: Member | Customer) -> tuple[int | None, str, dict[str, str]]:
    """(preferred_location_id or None, language ("it", "en" or ""), sizes {"tops": "M", ...}) of a member
    (or a customer)."""
    customer = member.customer if isinstance(member, Member) else member
    sizes = customer.sizes if isinstance(customer.sizes, dict) else {}
    return customer.preferred_location_id, customer.language or "", {str(k): str(v) for k, v in sizes.items()}


def preferred_location_of(member: Member | Customer) -> Location | None:
    """The preferred store as a (shared, read-only) location, from the stores app's memory."""
    customer = member.customer if isinstance(member, Member) else member
    location_id = customer.preferred_location_id
    if location_id is None:
        return None
    return cached_locations({location_id}).get(location_id)


def store_choices() -> list[tuple[str, str]]:
    """The open stores a customer may prefer, as (code, "name (code)") by name, from memory."""
    stores = [loc for loc in active_network_locations().values() if loc.kind == LocationKind.STORE]
    return [
        (loc.code, f"{loc.name} ({loc.code})") for loc in sorted(stores, key=lambda loc: (loc.name, loc.code))
    ]

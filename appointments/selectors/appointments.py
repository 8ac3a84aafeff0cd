"""Appointments as the agenda, the API's list and the reports read them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet

from appointments.models import Appointment
from carts.selectors.lookup import lines_of_carts
from carts.selectors.wishlists import newest_wishlist_entries
from stores.models import Location
from stores.selectors.slots import location_zone

WISHLIST_SHOWN = 5  # the agenda shows the customer's newest wishlist entries, this many


def local_day_bounds(location: Location, day: date) -> tuple[datetime, datetime]:
    """When the store's calendar day starts and ends (23 or 25 hours when the clocks change)."""
    zone = location_zone(location)
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


def on_local_day(appointments: QuerySet[Appointment], location: Location, day: date) -> QuerySet[Appointment]:
    start, end = local_day_bounds(location, day)
    return appointments.filter(start__gte=start, start__lt=end)


def agenda(location: Location, day: date) -> QuerySet[Appointment]:
    """A store's appointments of a day, by start time, with what the agenda shows of each."""
    return (
        on_local_day(Appointment.objects.filter(location=location), location, day)
        .select_related("service", "customer")
        .order_by("start", "created_at")
    )


@dataclass(frozen=True)
class CartLineShown:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class CartShown:
    """What a cart brought to a consultation holds (no prices: the agenda shows what, not how much)."""

    lines: list[CartLineShown] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def consultation_subjects(appointments: Sequence[Appointment]) -> dict[uuid.UUID, dict[str, Any]]:
    """What each consultation is about, by appointment id: {"cart": CartShown | None, "wishlist": [entries]}:
    the cart the customer brought along, else the newest entries of the customer's wishlist (none for an
    erased customer). Two queries for the whole day, whatever the number of appointments."""
    carts = lines_of_carts(a.cart_id for a in appointments if a.cart_id is not None)
    customers = {
        a.customer.pk
        for a in appointments
        if a.cart_id is None and a.customer is not None and a.customer.erased_at is None
    }
    wishlists = newest_wishlist_entries(customers, per_customer=WISHLIST_SHOWN)
    subjects: dict[uuid.UUID, dict[str, Any]] = {}
    for a in appointments:
        if a.cart_id is not None:
            shown = [
                CartLineShown(sku=line.variant.sku, name=line.variant.product.name, quantity=line.quantity)
                for line in carts.get(a.cart_id, [])
            ]
            subjects[a.pk] = {"cart": CartShown(lines=shown), "wishlist": []}
        else:
            wishlist = wishlists.get(a.customer.pk, []) if a.customer is not None else []
            subjects[a.pk] = {"cart": None, "wishlist": wishlist}
    return subjects

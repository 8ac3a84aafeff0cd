"""What an API client may name when it posts feedback: the order (by number) and the store (by code).

An order it may not see is answered exactly like one that does not exist (400 on `order`), so posting
feedback never reveals which order numbers exist. Who sees which order: integration any; the e-shop its own
`web` and `app` orders; a kiosk or a store the orders taken at, picked up at or sold at its location, and
those orders.selectors.orders_for already shows it (its own, shipped from or returned at its location)."""

from __future__ import annotations

from django.db.models import Q

from omni.actors import Actor
from omni.models import ApiRole
from orders.models import Channel, Order
from orders.selectors import orders_for
from stores.models import Location

ESHOP_CHANNELS = (Channel.WEB, Channel.APP)
LOCATION_ROLES = (ApiRole.KIOSK, ApiRole.STORE)


def order_for_feedback(actor: Actor, number: str) -> Order | None:
    """The order `number` if this actor may give feedback about it, else None."""
    number = (number or "").strip()
    if not number:
        return None
    found = Order.objects.select_related("location", "taken_at").filter(number=number)
    if actor.role == ApiRole.INTEGRATION and actor.location_ids is None:
        return found.first()
    visible = Q(pk__in=orders_for(actor).filter(number=number).values("pk"))
    if actor.role == ApiRole.ESHOP:
        return found.filter(visible, channel__in=ESHOP_CHANNELS).first()
    if actor.role in LOCATION_ROLES and actor.location_ids:
        ids = actor.location_ids
        return found.filter(visible | Q(location_id__in=ids) | Q(taken_at_id__in=ids)).first()
    return found.filter(visible).first()


def location_by_code(code: str) -> Location | None:
    code = (code or "").strip()
    return Location.objects.filter(code=code).first() if code else None


def own_location(actor: Actor) -> Location | None:
    """A location-bound caller's one location (a kiosk's or store's; a store associate working at one store),
    else None."""
    if actor.location_ids is None or len(actor.location_ids) != 1:
        return None
    return Location.objects.filter(pk=next(iter(actor.location_ids))).first()

"""Who may reach which cart: the one place that says it (pages and API alike).

A cart's id is a random UUID (122 random bits): it cannot be guessed, and holding it is the capability the
QR code carries (`omni-cart:<id>`), shown by the app or the kiosk. Beyond that:
- integration (and HQ staff) reach every cart;
- eshop reaches the carts of its channels (web, app) and every cart of an identified customer (it finds
  those by email anyway);
- kiosk and store (and store staff) reach the carts started at their own location, the carts started online
  (no location: the app's QR code shown in the store) and every cart of an identified customer (they find
  those by the customer's card anyway). An anonymous cart started at another store's kiosk or till is not
  theirs: not found (404)."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet

from carts.models import Cart
from omni.actors import Actor
from omni.models import ApiRole
from orders.models import Channel

QR_PREFIX = "omni-cart:"
ONLINE = (Channel.WEB.value, Channel.APP.value)


def parse_cart_id(value: object) -> uuid.UUID | None:
    """A cart id from a path, a form or a scanned QR code (`omni-cart:<id>` or the bare id); None if none."""
    text = str(value or "").strip()
    if text.lower().startswith(QR_PREFIX):
        text = text[len(QR_PREFIX) :]
    if not 32 <= len(text) <= 36:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def qr_payload(cart: Cart) -> str:
    return f"{QR_PREFIX}{cart.pk}"


IDENTIFIED = ~Q(customer_email="") | Q(member__isnull=False)


def visible_carts(actor: Actor) -> QuerySet[Cart]:
    carts = Cart.objects.all()
    if actor.role == ApiRole.INTEGRATION and actor.location_ids is None:
        return carts
    if actor.role == ApiRole.ESHOP:
        return carts.filter(Q(channel__in=ONLINE) | IDENTIFIED)
    if actor.role in (ApiRole.KIOSK, ApiRole.STORE) or actor.location_ids is not None:
        here = Q(location_id__in=list(actor.location_ids or ()))
        return carts.filter(here | Q(location__isnull=True, channel__in=ONLINE) | IDENTIFIED)
    return carts.none()


def cart_for(actor: Actor, cart_id: object) -> Cart | None:
    """The cart if the actor may reach it, else None (an id that is not a cart id included)."""
    pk = parse_cart_id(cart_id)
    if pk is None:
        return None
    return visible_carts(actor).select_related("location", "order", "member").filter(pk=pk).first()

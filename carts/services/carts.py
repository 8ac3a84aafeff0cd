"""Creating a cart and changing its lines; merging two carts. A cart holds SKUs and quantities, never stock
nor prices (carts.selectors.pricing prices it at every read). Every change locks the cart row, re-checks
that it is open, and pushes its expiry back (settings.OMNI_CART_IDLE_DAYS after the change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from carts.exceptions import CartInvalid, CartInvalidTransition, CartNotFound, OtherCustomersCart
from carts.locks import locked_carts
from carts.models import Cart, CartLine, CartStatus
from carts.selectors.access import cart_for
from inventory.models import Variant
from inventory.selectors import variants_for_sale
from loyalty.cards import is_valid_card_number
from loyalty.contacts import normalize_email
from loyalty.models import Member
from loyalty.selectors.customers import customer_for_card, member_of
from loyalty.selectors.members import member_for_email
from omni.actors import Actor
from omni.exceptions import Forbidden
from omni.models import ApiRole
from omni.transactions import service_atomic
from orders.models import Channel
from orders.services.placement_checks import MAX_QUANTITY, ROLE_CHANNELS
from stores.selectors import cached_location

MAX_CART_LINES = 200
CARD_ROLES = (ApiRole.INTEGRATION, ApiRole.KIOSK, ApiRole.STORE)


@dataclass(frozen=True)
class CartLineInput:
    sku: str
    quantity: int


def invalid(field_path: str, message: str) -> CartInvalid:
    return CartInvalid(message, errors={field_path: [message]})


def _label(choices: type[models.TextChoices], value: str) -> str:
    """A code's label in the active language, for a sentence a person reads (the code itself when unknown)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def idle_expiry(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=settings.OMNI_CART_IDLE_DAYS)


def _checked_lines(lines: Sequence[CartLineInput], field: str = "lines") -> dict[int, tuple[Variant, int]]:
    """Lines of SKUs on sale with quantities 1..MAX_QUANTITY, those of one SKU added up: variant id ->
    (variant, units). The first problem of each line is named by its path (`lines.0.sku`)."""
    if len(lines) > MAX_CART_LINES:
        raise invalid(field, _("A cart has at most %(max)d lines.") % {"max": MAX_CART_LINES})
    found = variants_for_sale({line.sku for line in lines}) if lines else {}
    errors: dict[str, list[str]] = {}
    merged: dict[int, tuple[Variant, int]] = {}
    for i, line in enumerate(lines):
        variant = found.get(line.sku)
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors[f"{field}.{i}.quantity"] = [
                _("A quantity is a whole number from 1 to %(max)d.") % {"max": MAX_QUANTITY}
            ]
        elif variant is None:
            errors[f"{field}.{i}.sku"] = [_("No SKU %(sku)s in the catalog.") % {"sku": line.sku}]
        elif not (variant.active and variant.product.active):
            errors[f"{field}.{i}.sku"] = [_("SKU %(sku)s is not on sale.") % {"sku": line.sku}]
        else:
            units = merged.get(variant.pk, (variant, 0))[1] + line.quantity
            if units > MAX_QUANTITY:
                errors[f"{field}.{i}.quantity"] = [
                    _("At most %(max)d units of %(sku)s in one cart.")
                    % {"max": MAX_QUANTITY, "sku": line.sku}
                ]
            merged[variant.pk] = (variant, units)
    if errors:
        raise CartInvalid(
            _("Some lines are invalid: %(problems)s")
            % {"problems": " ".join(m for ms in errors.values() for m in ms)},
            errors=errors,
        )
    return merged


def _identify(actor: Actor, email: str, card_number: str) -> tuple[str, Member | None]:
    """The customer a new cart is for: (email, member), from a loyalty card (kiosk, store, integration) or
    an email (a member when the email is enrolled); ("", None) for an anonymous cart."""
    if card_number:
        if actor.role not in CARD_ROLES:
            raise Forbidden(_("Only kiosk, store and integration clients identify a customer by card."))
        if not is_valid_card_number(card_number):
            raise invalid("card_number", _("A card number is 13 digits with a valid check digit."))
        customer = customer_for_card(card_number)
        member = member_of(customer) if customer is not None else None
        if customer is None or member is None:
            raise invalid("card_number", _("No loyalty member with card %(card)s.") % {"card": card_number})
        given = normalize_email(email)
        if given and given != customer.email:
            raise invalid("customer.email", _("This email is not the card holder's."))
        return customer.email, member
    email = normalize_email(email)
    return email, member_for_email(email) if email else None


def _location_id(actor: Actor, location_code: str) -> int | None:
    """Where a kiosk or store cart is started: the client's own location (or a staff member's current one,
    given by code), or a location an integration names; None online."""
    if location_code:
        location = cached_location(location_code)
        if location is None:
            raise invalid("location", _("No location %(code)s.") % {"code": location_code})
        if not actor.can_act_at(location.pk):
            raise Forbidden(_("You may not start carts at %(code)s.") % {"code": location_code})
        return location.pk
    return actor.home_location_id


@service_atomic
def create_cart(
    *,
    actor: Actor,
    channel: str,
    email: str = "",
    card_number: str = "",
    lines: Sequence[CartLineInput] = (),
    location_code: str = "",
) -> Cart:
    allowed = ROLE_CHANNELS.get(actor.role, set())
    if allowed is not None and channel not in allowed:
        raise Forbidden(
            _("A client of role %(role)s may not start carts of the %(channel)s channel.")
            % {"role": _label(ApiRole, actor.role), "channel": _label(Channel, channel)}
        )
    customer_email, member = _identify(actor, email, card_number.strip())
    checked = _checked_lines(lines)
    now = timezone.now()
    cart = Cart.objects.create(
        channel=channel,
        customer_email=customer_email,
        member=member,
        location_id=_location_id(actor, location_code.strip()),
        api_client=actor.client,
        created_at=now,
        updated_at=now,
        expires_at=idle_expiry(now),
    )
    CartLine.objects.bulk_create(
        [CartLine(cart=cart, variant=v, quantity=q, added_at=now) for v, q in checked.values()]
    )
    return cart


def lock_open_cart(actor: Actor, cart_id: UUID | str) -> Cart:
    """The cart, locked, if the actor may reach it (404) and it is open (409)."""
    cart = cart_for(actor, cart_id)
    if cart is None:
        raise CartNotFound(_("No cart %(cart)s.") % {"cart": cart_id})
    locked = locked_carts([cart.pk]).get()
    if locked.status != CartStatus.OPEN:
        raise CartInvalidTransition(
            _("Cart %(cart)s is %(status)s: it can no longer change.")
            % {"cart": cart.pk, "status": _label(CartStatus, locked.status).lower()}
        )
    return locked


def _touch(cart: Cart) -> None:
    now = timezone.now()
    cart.updated_at, cart.expires_at = now, idle_expiry(now)
    cart.save(update_fields=["updated_at", "expires_at"])


def _add(cart: Cart, variant: Variant, quantity: int, field: str) -> None:
    """`quantity` more units of `variant` in the (locked) cart: on its line, or a new line."""
    current = CartLine.objects.filter(cart=cart, variant=variant).values_list("quantity", flat=True).first()
    if current is None:
        if CartLine.objects.filter(cart=cart).count() >= MAX_CART_LINES:
            raise invalid(field, _("A cart has at most %(max)d lines.") % {"max": MAX_CART_LINES})
        CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
        return
    if current + quantity > MAX_QUANTITY:
        raise invalid(
            field,
            _("At most %(max)d units of %(sku)s in one cart.") % {"max": MAX_QUANTITY, "sku": variant.sku},
        )
    CartLine.objects.filter(cart=cart, variant=variant).update(quantity=F("quantity") + quantity)


@service_atomic
def add_line(*, actor: Actor, cart_id: UUID | str, sku: str, quantity: int) -> Cart:
    """Add to the line of that SKU (or create it)."""
    cart = lock_open_cart(actor, cart_id)
    [(variant, units)] = _checked_lines([CartLineInput(sku, quantity)]).values()
    _add(cart, variant, units, "quantity")
    _touch(cart)
    return cart


@service_atomic
def replace_lines(*, actor: Actor, cart_id: UUID | str, lines: Sequence[CartLineInput]) -> Cart:
    """The cart's lines become these (an empty list empties it); a SKU kept keeps when it was added."""
    cart = lock_open_cart(actor, cart_id)
    checked = _checked_lines(lines)
    CartLine.objects.filter(cart=cart).exclude(variant_id__in=list(checked)).delete()
    kept = set(CartLine.objects.filter(cart=cart).values_list("variant_id", flat=True))
    for variant_id, (variant, units) in checked.items():
        if variant_id in kept:
            CartLine.objects.filter(cart=cart, variant_id=variant_id).update(quantity=units)
        else:
            CartLine.objects.create(cart=cart, variant=variant, quantity=units)
    _touch(cart)
    return cart


@service_atomic
def delete_line(*, actor: Actor, cart_id: UUID | str, sku: str) -> Cart:
    cart = lock_open_cart(actor, cart_id)
    deleted, _by_model = CartLine.objects.filter(cart=cart, variant__sku=sku).delete()
    if not deleted:
        raise CartNotFound(_("Cart %(cart)s has no line of SKU %(sku)s.") % {"cart": cart.pk, "sku": sku})
    _touch(cart)
    return cart


def _same_customer(a: Cart, b: Cart) -> bool:
    """Two carts may be merged unless each is identified, and as different people."""
    if not (a.customer_email or a.member_id) or not (b.customer_email or b.member_id):
        return True
    if a.member_id and b.member_id:
        return a.member_id == b.member_id
    return bool(a.customer_email) and a.customer_email == b.customer_email


@service_atomic
def merge_carts(*, actor: Actor, cart_id: UUID | str, from_id: UUID | str) -> Cart:
    """The other cart's lines are added to this one's (quantities of one SKU add up); the other cart becomes
    expired. Both must be reachable by the caller (404), open, and two different carts (409); two carts of
    two different identified customers are not merged (403). An anonymous cart merged into an identified
    one becomes that customer's; the other way round, this cart takes the other's customer."""
    into = cart_for(actor, cart_id)
    other = cart_for(actor, from_id)
    if into is None:
        raise CartNotFound(_("No cart %(cart)s.") % {"cart": cart_id})
    if other is None:
        message = _("No cart %(cart)s.") % {"cart": from_id}
        raise CartNotFound(message, errors={"from": [message]})
    if into.pk == other.pk:
        raise CartInvalidTransition(_("A cart cannot be merged into itself."))
    locked = {c.pk: c for c in locked_carts([into.pk, other.pk])}
    into, other = locked[into.pk], locked[other.pk]
    for cart in (into, other):
        if cart.status != CartStatus.OPEN:
            raise CartInvalidTransition(
                _("Cart %(cart)s is %(status)s: it cannot be merged.")
                % {"cart": cart.pk, "status": _label(CartStatus, cart.status).lower()}
            )
    if not _same_customer(into, other):
        raise OtherCustomersCart(_("These two carts belong to two different customers."))
    for line in CartLine.objects.filter(cart=other).select_related("variant").order_by("added_at", "id"):
        _add(into, line.variant, line.quantity, "from")
    if not into.customer_email and not into.member_id:
        into.customer_email, into.member_id = other.customer_email, other.member_id
        into.save(update_fields=["customer_email", "member"])
    now = timezone.now()
    other.status, other.closed_at, other.updated_at = CartStatus.EXPIRED, now, now
    other.save(update_fields=["status", "closed_at", "updated_at"])
    _touch(into)
    return into

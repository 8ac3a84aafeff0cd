"""What placing an order refuses before it holds anything: the channel the caller's role may use, the
fulfilment and its location, the customer, the points, and the lines (SKUs on sale, quantities)."""

from __future__ import annotations

from collections.abc import Sequence

from inventory.models import Variant
from inventory.selectors import variants_for_sale
from omni.actors import Actor
from omni.exceptions import Forbidden
from omni.models import ApiRole
from orders.exceptions import OrderInvalid, label_of
from orders.models import Channel, FulfilmentType
from orders.services.inputs import CustomerInput, FulfilmentInput, LineInput
from stores.models import Location
from stores.selectors import cached_location

MAX_QUANTITY = 999
MAX_LINES = 200
ROLE_CHANNELS: dict[str, set[str] | None] = {
    "integration": None,  # every channel
    "eshop": {Channel.WEB, Channel.APP},
    "kiosk": {Channel.KIOSK},
    "store": {Channel.KIOSK, Channel.STORE},
}


def invalid(field_path: str, message: str) -> OrderInvalid:
    return OrderInvalid(message, errors={field_path: [message]})


def _check_channel(actor: Actor, channel: str) -> None:
    allowed = ROLE_CHANNELS.get(actor.role, set())
    if allowed is not None and channel not in allowed:
        raise Forbidden(
            f"A client of role {label_of(ApiRole, actor.role)} may not place orders of the "
            f"{label_of(Channel, channel)} channel."
        )


def checked_variants(lines: Sequence[LineInput]) -> list[tuple[Variant, int]]:
    """Merge lines of the same SKU, check them, and load their variants (from the catalog's copy in memory,
    as current as the catalog's version read by this request)."""
    if not lines:
        raise invalid("lines", "An order has at least one line.")
    if len(lines) > MAX_LINES:
        raise invalid("lines", f"An order has at most {MAX_LINES} lines.")
    errors: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors[f"lines.{i}.quantity"] = [f"A quantity is a whole number from 1 to {MAX_QUANTITY}."]
    found = variants_for_sale({line.sku for line in lines})
    for i, line in enumerate(lines):
        variant = found.get(line.sku)
        if variant is None:
            errors[f"lines.{i}.sku"] = [f"No SKU {line.sku} in the catalog."]
        elif not (variant.active and variant.product.active):
            errors[f"lines.{i}.sku"] = [f"SKU {line.sku} is not on sale."]
    if errors:
        raise OrderInvalid(
            "Some lines are invalid: " + " ".join(m for ms in errors.values() for m in ms), errors=errors
        )
    merged: dict[str, int] = {}
    for line in lines:
        merged[line.sku] = merged.get(line.sku, 0) + line.quantity
    for sku, quantity in merged.items():
        if quantity > MAX_QUANTITY:
            raise invalid("lines", f"At most {MAX_QUANTITY} units of {sku} in one order.")
    return [(found[sku], quantity) for sku, quantity in merged.items()]


def fulfilment_location(actor: Actor, fulfilment: FulfilmentInput) -> Location | None:
    if fulfilment.type == FulfilmentType.DELIVERY:
        return None
    if not fulfilment.location:
        raise invalid(
            "fulfilment.location",
            f"The location is required for {label_of(FulfilmentType, fulfilment.type).lower()}.",
        )
    location = cached_location(fulfilment.location)
    if location is None or not location.active:
        raise invalid("fulfilment.location", f"No location {fulfilment.location}.")
    if fulfilment.type == FulfilmentType.PICKUP and not location.click_and_collect:
        raise invalid("fulfilment.location", f"{location.code} does not offer click and collect.")
    if fulfilment.type == FulfilmentType.CARRY_OUT:
        if location.kind != "store":
            raise invalid(
                "fulfilment.location", f"{location.code} is not a store: nothing is carried out there."
            )
        if not actor.can_act_at(location.pk):
            raise Forbidden(f"You may not sell at {location.code}.")
    return location


def check_request(
    actor: Actor, channel: str, fulfilment: FulfilmentInput, customer: CustomerInput, redeem_points: int
) -> None:
    """What can be refused before reading anything: the channel, the fulfilment, the customer, the points."""
    _check_channel(actor, channel)
    if fulfilment.type not in FulfilmentType.values:
        raise invalid("fulfilment.type", "The fulfilment type is pickup, delivery or carry_out.")
    if fulfilment.type != FulfilmentType.CARRY_OUT and not customer.email:
        raise invalid("customer.email", "An order to pick up or deliver needs the customer's email.")
    if fulfilment.type == FulfilmentType.DELIVERY:
        address = fulfilment.address or {}
        missing = [k for k in ("line1", "city", "postcode", "country") if not str(address.get(k, "")).strip()]
        if missing:
            raise OrderInvalid(
                "The delivery address is incomplete.",
                errors={f"fulfilment.address.{k}": ["This field is required."] for k in missing},
            )
    if redeem_points < 0:
        raise invalid("redeem_points", "Points to redeem are 0 or more.")
    if redeem_points > 0 and not customer.email:
        raise invalid("redeem_points", "A guest order cannot redeem points: give the member's email.")

"""A cart priced at every read, exactly as an order placed now in that channel would be: the same catalog
copy as placement (inventory.selectors.variants_for_sale) and the ONE pricing function
(orders.services.pricing.price_lines) with the cart's identified customer (segment promotions). A cart stores
no price.

A line whose SKU is no longer sold (inactive SKU or product) stays in the cart, flagged `on_sale: false`,
without a price, and out of the totals: the customer sees it and removes it; checking out refuses it (400
naming the line), as placing an order would."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from carts.models import Cart, CartLine
from inventory.models import Variant
from inventory.selectors import variants_for_sale
from orders.models import Promotion
from orders.services.pricing import ZERO, price_lines


@dataclass
class PricedCartLine:
    sku: str
    name: str
    quantity: int
    added_at: datetime
    on_sale: bool
    unit_price: Decimal | None = None
    line_total: Decimal | None = None
    discount: Decimal | None = None
    promotion: Promotion | None = None


@dataclass
class PricedCart:
    cart: Cart
    channel: str  # the channel it was priced for
    lines: list[PricedCartLine] = field(default_factory=list)
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    total: Decimal = ZERO
    currency: str = ""

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def _sellable(variant: Variant | None) -> bool:
    return variant is not None and variant.active and variant.product.active


def price_cart(cart: Cart, *, channel: str | None = None, at: datetime | None = None) -> PricedCart:
    """The cart's lines (oldest first) priced for `channel` (default: the channel it was started in) at `at`
    (default: now). Two queries: the lines, the promotions (the catalog is read from its copy)."""
    channel = channel or cart.channel
    at = at or timezone.now()
    stored = list(
        CartLine.objects.filter(cart=cart)
        .order_by("added_at", "id")
        .values_list("variant__sku", "quantity", "added_at")
    )
    variants = variants_for_sale({sku for sku, _, _ in stored}) if stored else {}
    sold = [(variants[sku], qty) for sku, qty, _ in stored if _sellable(variants.get(sku))]
    priced = {
        p.variant.sku: p
        for p in price_lines(sold, channel=channel, at=at, customer_email=cart.customer_email)
    }
    out = PricedCart(cart=cart, channel=channel, currency=settings.OMNI_CURRENCY)
    for sku, quantity, added_at in stored:
        variant = variants.get(sku)
        p = priced.get(sku)
        line = PricedCartLine(
            sku=sku,
            name=variant.product.name if variant is not None else sku,
            quantity=quantity,
            added_at=added_at,
            on_sale=p is not None,
        )
        if p is not None:
            line.unit_price, line.line_total = p.unit_price, p.line_total
            line.discount, line.promotion = p.promotion_discount, p.promotion
            out.subtotal += p.gross
            out.total += p.line_total
        out.lines.append(line)
    out.discount = out.subtotal - out.total
    return out

"""Prices come from the catalog only, the same in every channel: the variant's retail price (VAT included),
less the single best promotion that applies to it now in this channel, less its pro-rata share of any
order-level discount (points redeemed). Every figure is stored on the line so returns refund exactly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from inventory.models import Variant
from orders.models import Promotion, PromotionKind
from orders.selectors.promotions import active_promotions
from orders.selectors.segments import segments_of_email

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class PricedLine:
    variant: Variant
    quantity: int
    unit_price: Decimal
    vat_rate: Decimal
    promotion: Promotion | None = None
    promotion_discount: Decimal = ZERO
    order_discount: Decimal = ZERO

    @property
    def gross(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def after_promotion(self) -> Decimal:
        return self.gross - self.promotion_discount

    @property
    def line_total(self) -> Decimal:
        return self.after_promotion - self.order_discount

    @property
    def vat_amount(self) -> Decimal:
        """The VAT included in the line total (prices include VAT)."""
        return cents(self.line_total * self.vat_rate / (Decimal(100) + self.vat_rate))


def promotions_for(
    variants: Sequence[Variant], *, channel: str, at: datetime, customer_email: str = ""
) -> list[Promotion]:
    """The promotions running now, in this channel, on any of these SKUs, their categories or brands, for
    this customer: one limited to a segment only when the customer is identified and a member of it now."""
    if not variants:
        return []
    variant_ids = {v.pk for v in variants}
    category_ids = {v.product.category_id for v in variants}
    brand_ids = {v.product.brand_id for v in variants}
    running = [
        p
        for p in active_promotions()  # in primary-key order
        if p.starts_at <= at < p.ends_at
        and (not p.channels or channel in p.channels)
        and (
            p.variant_id in variant_ids
            or (p.category_id is not None and p.category_id in category_ids)
            or (p.brand_id is not None and p.brand_id in brand_ids)
        )
    ]
    return _open_to(running, customer_email, at)


def _open_to(promotions: list[Promotion], customer_email: str, at: datetime) -> list[Promotion]:
    """Leave out the segment promotions this customer may not have. No query unless one of them runs and
    the customer is identified; then one, for all their segments at once."""
    segments = {p.segment_id: p.segment for p in promotions if p.segment_id is not None}
    if not segments:
        return promotions
    member_of: set[int] = set()
    live = [s for s in segments.values() if s is not None and s.active]
    if customer_email.strip() and live:
        member_of = segments_of_email(customer_email, live, at)
    return [p for p in promotions if p.segment_id is None or p.segment_id in member_of]


def unit_discount(promotion: Promotion, unit_price: Decimal) -> Decimal:
    if promotion.kind == PromotionKind.PERCENT:
        return min(cents(unit_price * promotion.value / Decimal(100)), unit_price)
    return min(promotion.value, unit_price)


def applies(promotion: Promotion, variant: Variant) -> bool:
    return (
        promotion.variant_id == variant.pk
        or promotion.category_id == variant.product.category_id
        or promotion.brand_id == variant.product.brand_id
    )


def share_pro_rata(amounts: Sequence[Decimal], discount: Decimal) -> list[Decimal]:
    """Split a discount over amounts in proportion, to the cent, summing exactly to the discount (largest
    remainders get the odd cents); never more than an amount itself."""
    total = sum(amounts, ZERO)
    discount = min(cents(discount), total)
    if discount <= 0 or total <= 0:
        return [ZERO for _ in amounts]
    exact = [a * discount / total for a in amounts]
    shares = [e.quantize(CENT, rounding="ROUND_DOWN") for e in exact]
    left = int((discount - sum(shares, ZERO)) / CENT)
    by_remainder = sorted(range(len(amounts)), key=lambda i: (exact[i] - shares[i], -i), reverse=True)
    for i in by_remainder:
        if left <= 0:
            break
        if shares[i] + CENT <= amounts[i]:
            shares[i] += CENT
            left -= 1
    return shares


def price_lines(
    lines: Sequence[tuple[Variant, int]],
    *,
    channel: str,
    at: datetime,
    order_discount: Decimal = ZERO,
    customer_email: str = "",
) -> list[PricedLine]:
    """Price lines (variants with product loaded) in one query for the promotions. `customer_email`: the
    identified customer ("" when anonymous), whose segments open the promotions limited to them."""
    promotions = promotions_for([v for v, _ in lines], channel=channel, at=at, customer_email=customer_email)
    priced = []
    for variant, quantity in lines:
        line = PricedLine(
            variant=variant, quantity=quantity, unit_price=variant.price, vat_rate=variant.product.vat_rate
        )
        best: tuple[Decimal, Promotion] | None = None
        for promotion in promotions:
            if applies(promotion, variant):
                off = unit_discount(promotion, variant.price)
                if best is None or off > best[0]:
                    best = (off, promotion)
        if best is not None and best[0] > 0:
            line.promotion = best[1]
            line.promotion_discount = best[0] * quantity
        priced.append(line)
    share_order_discount(priced, order_discount)
    return priced


def share_order_discount(priced: Sequence[PricedLine], order_discount: Decimal) -> None:
    """Share an order-level discount (points redeemed) over priced lines, pro rata, stored per line."""
    if order_discount > 0:
        shares = share_pro_rata([p.after_promotion for p in priced], order_discount)
        for line, share in zip(priced, shares, strict=True):
            line.order_discount = share


@dataclass(frozen=True)
class LineFigures:
    quantity: int
    promotion_discount: Decimal
    order_discount: Decimal
    line_total: Decimal
    vat_amount: Decimal


def reduced_line(
    *,
    quantity: int,
    unit_price: Decimal,
    vat_rate: Decimal,
    promotion_discount: Decimal,
    order_discount: Decimal,
    to: int,
) -> LineFigures:
    """A stored line's figures cut from `quantity` to `to` units (units cancelled off the order): the
    promotion stays what it was per unit, the order-level discount shrinks pro rata, VAT follows the total.
    What the cancelled units cost the customer is the old line total minus the new one."""
    if not 0 <= to <= quantity or quantity <= 0:
        raise ValueError(f"Cannot cut a line of {quantity} units to {to}.")
    promotion = cents(promotion_discount * to / quantity)
    share = cents(order_discount * to / quantity)
    total = max(unit_price * to - promotion - share, ZERO)
    return LineFigures(
        quantity=to,
        promotion_discount=promotion,
        order_discount=share,
        line_total=total,
        vat_amount=cents(total * vat_rate / (Decimal(100) + vat_rate)),
    )

"""Earning: points = floor(base rate x tier multiplier x best matching rule's multiplier x euro paid).

A line gets the single best `LoyaltyRule` that matches all of its conditions (as a line gets the single
best promotion in pricing): category (the product's category slug), brand (the brand's name, any case),
channel, tier, and a window holding the moment the order was placed. Rules do not stack, so a "double
points weekend" and a "triple points on shoes" give triple, not sextuple, points on shoes that weekend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.db.models import Q

from loyalty import conf
from loyalty.models import LoyaltyRule, Tier

ONE = Decimal(1)


@dataclass(frozen=True)
class LineFacts:
    """What earning needs to know of an order line (read off the line; loyalty imports no orders code)."""

    line_id: int
    quantity: int
    paid: Decimal
    category: str = ""
    brand: str = ""


def line_facts(line: Any) -> LineFacts:
    """`paid` is the line's stored `line_total`: orders.services.pricing stores it after the line's
    promotion and after its pro-rata share of the order-level discount (`order_discount`, which is where
    redeemed points land), so it is exactly what the customer paid for the line."""
    category = brand = ""
    variant = getattr(line, "variant", None)
    product = getattr(variant, "product", None)
    if product is not None:
        category = getattr(getattr(product, "category", None), "slug", "") or ""
        brand = getattr(getattr(product, "brand", None), "name", "") or ""
    return LineFacts(
        line_id=line.pk,
        quantity=int(line.quantity),
        paid=max(Decimal(line.line_total), Decimal(0)),
        category=category,
        brand=brand,
    )


def active_rules(at: datetime) -> list[LoyaltyRule]:
    return list(
        LoyaltyRule.objects.filter(active=True)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=at))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at))
        .order_by("-multiplier", "pk")
    )


def rule_matches(rule: LoyaltyRule, facts: LineFacts, *, channel: str, tier: Tier | None) -> bool:
    return (
        (not rule.category or rule.category == facts.category)
        and (not rule.brand or rule.brand.casefold() == facts.brand.casefold())
        and (not rule.channel or rule.channel == channel)
        and (rule.tier_id is None or (tier is not None and rule.tier_id == tier.pk))
    )


def best_rule(
    rules: list[LoyaltyRule], facts: LineFacts, *, channel: str, tier: Tier | None
) -> LoyaltyRule | None:
    best = None
    for rule in rules:
        if rule_matches(rule, facts, channel=channel, tier=tier) and (
            best is None or rule.multiplier > best.multiplier
        ):
            best = rule
    return best


def multiplier_for(rule: LoyaltyRule | None, tier: Tier | None) -> Decimal:
    return (tier.multiplier if tier is not None else ONE) * (rule.multiplier if rule is not None else ONE)


def points_for(paid: Decimal, multiplier: Decimal) -> int:
    return int((conf.points_per_euro() * multiplier * paid).to_integral_value(rounding=ROUND_FLOOR))

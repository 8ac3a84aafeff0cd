"""A sale a store's tablet made while offline, placed when it syncs (orders.services.placement, option
`offline_sale`, passed by offline.services.sale only): its lines at the prices the customer paid, the order
dated when the sale happened, and an `offline_sale` event on its timeline saying so (the tablet, when it
happened, and each line whose paid price differs from the catalog's at sync time)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omni.actors import Actor
from orders.models import Order, OrderEvent
from orders.services.events import event
from orders.services.inputs import OfflineSaleInput
from orders.services.placement_checks import invalid
from orders.services.pricing import ZERO, PricedLine


def at_paid_prices(priced: list[PricedLine], sale: OfflineSaleInput) -> list[dict[str, Any]]:
    """Reprice the lines at what was paid (no promotion on top: the price paid is the price); the lines whose
    paid price is not the catalog's now, as {sku, paid, catalog}."""
    changes: list[dict[str, Any]] = []
    for i, line in enumerate(priced):
        sku = line.variant.sku
        paid = sale.paid_prices.get(sku)
        if paid is None or paid < 0:
            raise invalid(f"lines.{i}.unit_price", f"The price paid for {sku} is missing or negative.")
        if paid != line.variant.price:
            changes.append({"sku": sku, "paid": str(paid), "catalog": str(line.variant.price)})
        line.unit_price = paid
        line.promotion = None
        line.promotion_discount = ZERO
    return changes


def date_and_note(
    order: Order, actor: Actor, sale: OfflineSaleInput, changes: list[dict[str, Any]], now: datetime
) -> OrderEvent:
    """Date the order when the sale happened (never later than now: a tablet's clock may run fast), so the
    reports count it on that day; the timeline event that says it was synced from a tablet."""
    happened = min(sale.happened_at, now)
    order.created_at = happened
    order.completed_at = happened
    return event(
        order,
        "offline_sale",
        f"Sold offline on tablet {sale.device} at {happened.isoformat()}, synced {now.isoformat()}"
        + (f"; {len(changes)} line(s) at a price other than the catalog's." if changes else "."),
        actor=actor,
        device=sale.device,
        happened_at=happened.isoformat(),
        synced_at=now.isoformat(),
        price_changes=changes,
        currency=order.currency,
    )

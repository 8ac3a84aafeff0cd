"""An offline sale at the counter, synced: a carry_out order at the location (channel `store`) through the one
placement path the till uses (orders.services.place_order), at the prices the customer paid, dated when it
happened; the units leave as a sale after any shortfall is covered (offline.services.stock); the member of the
loyalty card given earns points through the same completion the till runs, once (the order is placed once)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from inventory.selectors import variants_for_sale
from loyalty import selectors as loyalty_selectors
from loyalty.models import MemberStatus
from offline.exceptions import ActionRefused
from offline.models import OfflineAction
from offline.services.stock import cover_shortfalls, shortfall_body
from omni.actors import Actor
from orders import services as orders
from orders.models import Channel, FulfilmentType, Order, PaymentStatus
from orders.services.inputs import OfflineSaleInput
from stores.models import Location


def _member_email(card: str) -> str:
    """The email of the active member a card leads to (as the till attaches it), or "" when none."""
    if not card:
        return ""
    customer = loyalty_selectors.customer_for_card(card)
    member = loyalty_selectors.member_of(customer) if customer is not None else None
    if customer is None or member is None or member.status != MemberStatus.ACTIVE or not customer.email:
        return ""
    return str(customer.email)


def _event_data(order: Order, kind: str) -> list[dict[str, Any]]:
    return [e.data for e in order.events.all() if e.kind == kind]  # the events placement just wrote


def apply_sale(
    *, actor: Actor, action: OfflineAction, location: Location, happened_at: datetime, payload: dict[str, Any]
) -> tuple[dict[str, Any], Order]:
    quantities: dict[str, int] = {}
    prices: dict[str, Decimal] = {}
    for line in payload["lines"]:
        quantities[line["sku"]] = quantities.get(line["sku"], 0) + int(line["quantity"])
        prices[line["sku"]] = Decimal(str(line["unit_price"]))
    found = variants_for_sale(set(quantities))
    unknown = sorted(set(quantities) - set(found))
    if unknown:
        raise ActionRefused(
            f"Not in the catalog: {', '.join(unknown)}.",
            reason="unknown_codes",
            params={"codes": ", ".join(unknown)},
            field="payload.lines",
        )
    if location.kind != "store":
        raise ActionRefused(
            f"{location.code} is not a store: nothing is sold at its counter.",
            reason="not_a_store",
            params={"location": location.code},
            field="location",
        )
    card = str(payload.get("card_number") or "")
    email = _member_email(card)
    shortfalls = cover_shortfalls(
        actor=actor, action=action, location=location, taken={found[s]: q for s, q in quantities.items()}
    )
    payment = payload["payment"]
    order = orders.place_order(
        actor=actor,
        channel=Channel.STORE,
        lines=[orders.LineInput(sku=sku, quantity=q) for sku, q in quantities.items()],
        fulfilment=orders.FulfilmentInput(type=FulfilmentType.CARRY_OUT, location=location.code),
        customer=orders.CustomerInput(email=email),
        payment=orders.PaymentInput(
            method=payment["method"], status=PaymentStatus.CAPTURED, reference=payment.get("reference") or ""
        ),
        offline_sale=OfflineSaleInput(
            paid_prices=prices, happened_at=happened_at, device=action.device.label or str(action.device_id)
        ),
    )
    noted = _event_data(order, "offline_sale")
    result: dict[str, Any] = {
        "order": order.number,
        "total": str(order.total),
        "points_earned": sum(int(d.get("points", 0)) for d in _event_data(order, "points_earned")),
        "price_changes": noted[0].get("price_changes", []) if noted else [],
        "shortfalls": shortfall_body(shortfalls),
    }
    if card and not email:
        result["card"] = "not_found"  # sold all the same; no member earns (the tablet shows it)
    return result, order

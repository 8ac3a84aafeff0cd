"""Every write of the orders app. One module per workflow; import from here."""

from orders.services.desk_search import DeskSearch, desk_search
from orders.services.fulfilment import CANCEL_REASONS, cancel_order, ship_order
from orders.services.handover import collect, unlock_pickup
from orders.services.pickup import (
    DESK_PAYMENT_METHODS,
    MAX_PICKUP_ATTEMPTS,
    RESOLUTIONS,
    expire_pickups,
    mark_ready,
    pick_lines,
    promised_ready_time,
    send_pickup_reminders,
    short_pick,
)
from orders.services.placement import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order
from orders.services.refund_settlement import SETTLE_METHODS, settle_refund
from orders.services.returns import (
    REFUND_METHODS,
    ExchangeInput,
    ReturnLineInput,
    ReturnOutcome,
    create_return,
    refund_share,
    return_window,
)

__all__ = [
    "CANCEL_REASONS",
    "DESK_PAYMENT_METHODS",
    "MAX_PICKUP_ATTEMPTS",
    "REFUND_METHODS",
    "RESOLUTIONS",
    "SETTLE_METHODS",
    "CustomerInput",
    "DeskSearch",
    "ExchangeInput",
    "FulfilmentInput",
    "LineInput",
    "PaymentInput",
    "ReturnLineInput",
    "ReturnOutcome",
    "cancel_order",
    "collect",
    "create_return",
    "desk_search",
    "expire_pickups",
    "mark_ready",
    "pick_lines",
    "place_order",
    "promised_ready_time",
    "refund_share",
    "return_window",
    "send_pickup_reminders",
    "settle_refund",
    "ship_order",
    "short_pick",
    "unlock_pickup",
]

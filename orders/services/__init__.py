"""Every write of the orders app. One module per workflow; import from here."""

from orders.services.fulfilment import CANCEL_REASONS, cancel_order, ship_order
from orders.services.placement import CustomerInput, FulfilmentInput, LineInput, PaymentInput, place_order

__all__ = [
    "CANCEL_REASONS",
    "CustomerInput",
    "FulfilmentInput",
    "LineInput",
    "PaymentInput",
    "cancel_order",
    "place_order",
    "ship_order",
]

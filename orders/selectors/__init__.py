"""Every read of the orders app that matters, one module per domain; import from here.

orders.py   orders_for (who sees which order), the list, an order's detail, shipments to pick
pickup.py   click and collect: the queue, the pick lists, the desk's search, the figures
returns.py  returns_for (who sees which return), the list, a return, the desk's search, the figures
receiptless.py  the returns desk without a receipt (orders by a scanned SKU), the refunds left due"""

from orders.selectors.orders import order_detail, order_list, orders_for, pending_shipments
from orders.selectors.pickup import (
    PICKUP_CODE_LENGTH,
    PICKUP_OPEN_STATUSES,
    PICKUP_SEARCH_LIMIT,
    looks_like_pickup_code,
    pickup_figures,
    pickup_order,
    pickup_queue,
    pickup_search,
    pickups_to_pick,
)
from orders.selectors.receiptless import (
    RECEIPTLESS_LIMIT,
    customer_email_for,
    orders_with_sku,
    refunds_due_at,
    settleable_return,
)
from orders.selectors.returns import (
    RETURN_SEARCH_LIMIT,
    normalize_receipt_code,
    return_detail,
    return_list,
    return_warehouses,
    returnable_order,
    returnable_orders,
    returned_quantities,
    returns_figures,
    returns_for,
    returns_of_order,
)

__all__ = [
    "PICKUP_CODE_LENGTH",
    "PICKUP_OPEN_STATUSES",
    "PICKUP_SEARCH_LIMIT",
    "RECEIPTLESS_LIMIT",
    "RETURN_SEARCH_LIMIT",
    "customer_email_for",
    "looks_like_pickup_code",
    "normalize_receipt_code",
    "order_detail",
    "order_list",
    "orders_for",
    "orders_with_sku",
    "pending_shipments",
    "pickup_figures",
    "pickup_order",
    "pickup_queue",
    "pickup_search",
    "pickups_to_pick",
    "refunds_due_at",
    "return_detail",
    "return_list",
    "return_warehouses",
    "returnable_order",
    "returnable_orders",
    "returned_quantities",
    "returns_figures",
    "returns_for",
    "returns_of_order",
    "settleable_return",
]

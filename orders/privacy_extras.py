"""What apps above orders erase with an order's customer (orders.services.privacy), without orders importing
them: an app registers, once, in its AppConfig.ready(), a function that takes the ids of the orders about to
be anonymised and erases its own copy of their customer in the same transaction (feedback: the comments
answered about those orders, which may name no profile when given as a guest)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

OrderErasure = Callable[[Sequence[int]], object]

_erasures: dict[str, OrderErasure] = {}


def register_order_erasure(name: str, erase: OrderErasure) -> OrderErasure:
    """Add (or, under the same name, replace) a function run on the ids of orders being anonymised."""
    _erasures[name] = erase
    return erase


def erase_with_orders(order_ids: Sequence[int]) -> None:
    for erase in _erasures.values():
        erase(order_ids)

"""What loyalty needs to know of orders, without importing them: the arrows run orders -> loyalty, so the
orders app answers these questions and registers its answers once, in its AppConfig.ready()
(orders/loyalty_facts.py), as every app registers its dashboard panels (omni.dashboard).

- `completed_orders(emails)`: the completed orders (collected, shipped or completed) whose customer email is
  one of `emails` (a query of email values), each with its lines of quantity > 0: what check_loyalty proves
  earned its points.
- `orders_of(emails)`: every order, from every channel, carrying one of these emails, newest first: the
  customer's profile, the merge preview and the GDPR export (each order has `number`, `channel`, `status`,
  `total`, `currency`, `points_redeemed`, `created_at` and `lines` with `sku`, `name`, `quantity`,
  `line_total`).
- `returns_of(order_ids)`: the returns of these orders, newest first, each with its `order` loaded
  (`number`, `status`, `refund_amount`, `points_reversed`, `created_at`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet


@dataclass(frozen=True)
class CompletedLine:
    id: int
    sku: str
    quantity: int


@dataclass(frozen=True)
class CompletedOrder:
    number: str
    customer_email: str
    completed_at: datetime  # when it was completed (else shipped, else last changed)
    lines: tuple[CompletedLine, ...]


@dataclass(frozen=True)
class OrderFacts:
    completed_orders: Callable[[QuerySet[Any]], Iterable[CompletedOrder]]
    orders_of: Callable[[Sequence[str]], QuerySet[Any]]
    returns_of: Callable[[Sequence[int]], QuerySet[Any]]


_registered: list[OrderFacts] = []


def register_order_facts(facts: OrderFacts) -> OrderFacts:
    """Called once, by the orders app; a second registration replaces the first."""
    _registered[:] = [facts]
    return facts


def order_facts() -> OrderFacts:
    if not _registered:
        raise ImproperlyConfigured("No app has registered loyalty's order facts (orders/loyalty_facts.py).")
    return _registered[0]

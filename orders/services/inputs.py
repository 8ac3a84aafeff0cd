"""What a caller gives the placement service (the API and the pages build these from their input)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orders.models import PaymentMethod, ReturnReason


@dataclass(frozen=True)
class LineInput:
    sku: str
    quantity: int


@dataclass(frozen=True)
class CustomerInput:
    email: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""


@dataclass(frozen=True)
class FulfilmentInput:
    type: str
    location: str = ""  # a location code, for pickup and carry_out
    address: dict[str, Any] | None = None  # for delivery
    allow_transfer: bool = False


@dataclass(frozen=True)
class PaymentInput:
    method: str
    status: str
    reference: str = ""


@dataclass(frozen=True)
class ReturnLineInput:
    sku: str
    quantity: int
    condition: str
    reason: str = ReturnReason.OTHER


@dataclass(frozen=True)
class ExchangeInput:
    """The new carry_out sale at the desk: its lines, and how a difference in the store's favour is paid."""

    lines: Sequence[LineInput]
    payment_method: str = PaymentMethod.CARD

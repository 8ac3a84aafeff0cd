"""What a caller gives the placement service (the API and the pages build these from their input)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
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
    pickup_slot: datetime | None = None  # pickup: the chosen window's start (aware)


@dataclass(frozen=True)
class OfflineSaleInput:
    """A carry_out sale a store's tablet already made while offline, synced now (offline.services.sale only:
    no API serializer or page builds one, so a client never sets a price). The order is priced at the unit
    prices the customer paid (`paid_prices`, VAT included, per SKU; no promotion on top), dated when the sale
    happened, and its units leave even from the safety stock (they have left the shop already)."""

    paid_prices: Mapping[str, Decimal]
    happened_at: datetime
    device: str = ""  # the tablet's label or id, for the timeline


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

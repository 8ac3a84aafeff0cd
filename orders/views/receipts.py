"""Printed receipts of a sale at the till, for an 80 mm thermal printer (omni/static/omni/receipt.css): the
receipt (lines, promotions, points redeemed, total, VAT included by rate, payment, the member's points) and
the gift receipt (the same items, no price anywhere). Each carries the order number as a Code 128 barcode
(loyalty.barcodes, as on the member's card), the one the returns desk scans. `?print=1` prints the page as
it opens (omni/static/omni/till.js). Only the staff of the store that made the sale, and HQ, see them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from loyalty import selectors as loyalty_selectors
from loyalty.barcodes import code128_svg
from omni import pages
from orders import selectors
from orders.models import FulfilmentType, Order
from orders.receipt_extras import receipt_sections
from orders.selectors.promotions import promotions_by_id
from orders.services.pricing import ZERO
from orders.views.till_loyalty import points_earned


def _till_order_or_404(request: HttpRequest, number: str) -> Order:
    """A sale at a till (carried out) that the user may see and that was made at one of their stores (or
    any, for HQ); otherwise a 404, so another store's receipts are not even confirmed to exist."""
    actor = pages.actor(request)
    order = selectors.order_detail(actor, number)
    if (
        order is None
        or order.fulfilment_type != FulfilmentType.CARRY_OUT
        or not actor.can_act_at(order.location_id)
    ):
        raise Http404(_("No receipt for %(number)s.") % {"number": number})
    return order


def order_barcode(number: str) -> str:
    """The order number as a Code 128 barcode (SVG), for the returns desk's scanner."""
    return mark_safe(code128_svg(number, module=1.5, height=44, label=""))  # noqa: S308 - digits and letters we drew


def _vat_by_rate(lines: list[Any]) -> list[dict[str, Decimal]]:
    rates: dict[Decimal, dict[str, Decimal]] = {}
    for line in lines:
        row = rates.setdefault(line.vat_rate, {"rate": line.vat_rate, "total": ZERO, "vat": ZERO})
        row["total"] += line.line_total
        row["vat"] += line.vat_amount
    return [rates[rate] for rate in sorted(rates)]


def _loyalty(order: Order) -> dict[str, Any] | None:
    """The member's points on this sale and their balance now, when the order carries a member's email."""
    member = loyalty_selectors.member_for_email(order.customer_email) if order.customer_email else None
    if member is None:
        return None
    return {
        "card": member.card_number,
        "earned": points_earned(order),
        "redeemed": order.points_redeemed,
        "balance": member.points_balance,
    }


def _context(request: HttpRequest, order: Order, *, gift: bool) -> dict[str, Any]:
    lines = list(order.lines.all())
    promotions = promotions_by_id({line.promotion_id for line in lines if line.promotion_id})
    for line in lines:
        line.gross = line.unit_price * line.quantity  # type: ignore[attr-defined]
        line.promotion_shown = promotions.get(line.promotion_id) if line.promotion_id else None  # type: ignore[attr-defined]
    return {
        "order": order,
        "store": order.location,
        "lines": lines,
        "units": sum(line.quantity for line in lines),
        "gift": gift,
        "points_discount": sum((line.order_discount for line in lines), ZERO),
        "vat_rates": [] if gift else _vat_by_rate(lines),
        "payments": [] if gift else list(order.payments.all()),
        "loyalty": None if gift else _loyalty(order),
        "barcode": order_barcode(order.number),
        "extras": [] if gift else receipt_sections(request, order),  # other apps' sections (feedback's QR)
        "autoprint": request.GET.get("print") == "1",
    }


@login_required
def receipt(request: HttpRequest, number: str) -> HttpResponse:
    order = _till_order_or_404(request, number)
    return render(request, "orders/receipts/receipt.html", _context(request, order, gift=False))


@login_required
def gift_receipt(request: HttpRequest, number: str) -> HttpResponse:
    order = _till_order_or_404(request, number)
    return render(request, "orders/receipts/gift.html", _context(request, order, gift=True))

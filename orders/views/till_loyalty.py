"""The loyalty member at the till: the card scanned or typed leads to an active member (shown with name, tier
and points), the points to redeem are checked against what the member can spend and the basket's total (the
placement checks them again under the locks), and the points a sale earned are read from its timeline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from loyalty import conf as loyalty_conf
from loyalty import selectors as loyalty_selectors
from omni.actors import Actor
from omni.formatting import format_money
from orders.models import Order
from orders.services.points import discount_for


def attached_member(actor: Actor, member_id: int | None) -> Any:
    """The attached member with spendable points (`points_available`), or None when none is attached or the
    member is no longer active (erased, merged since the card was scanned)."""
    if member_id is None:
        return None
    return loyalty_selectors.member_for(actor, member_id)


def member_for_card(actor: Actor, card: str) -> Any:
    """The active member a card leads to (a merged member's card leads to the person it was merged into;
    an erased member's card leads nowhere), with spendable points; None otherwise."""
    customer = loyalty_selectors.customer_for_card(card)
    found = loyalty_selectors.member_of(customer) if customer is not None else None
    return attached_member(actor, found.pk) if found is not None else None


def member_to_attach(request: HttpRequest, actor: Actor, card: str) -> Any:
    """The member a card leads to, with a message either way; None (and why) when it cannot be attached."""
    member = member_for_card(actor, card)
    if member is None:
        messages.error(
            request,
            _("No active loyalty member has card %(card)s (unknown, replaced or erased). The basket is kept.")
            % {"card": card},
        )
        return None
    if not member.customer.email:
        messages.error(request, _("This member has no email address: points cannot be earned at the till."))
        return None
    messages.success(
        request,
        _("Loyalty card of %(name)s attached: %(points)d points.")
        % {"name": member_name(member), "points": member.points_balance},
    )
    return member


def member_email(member: Any) -> str:
    """The attached member's email, which identifies the customer to pricing (their segment promotions),
    as placing the order gives it; "" when no member is attached."""
    return str(member.customer.email) if member is not None else ""


def member_name(member: Any) -> str:
    return str(member.customer.full_name or member.customer.email)


def redemption_problem(member: Any, points: int, total: Decimal) -> str:
    """Why these points cannot pay for part of this basket (a message), or "" when they can."""
    if points <= 0:
        return ""
    if member is None:
        return _("Scan the member's loyalty card before redeeming points.")
    if points > member.points_available:
        return _(
            "Only %(available)d points can be redeemed now (balance %(balance)d): %(points)d were asked for."
        ) % {"available": member.points_available, "balance": member.points_balance, "points": points}
    discount = discount_for(points)
    if discount <= 0:
        return _("%(points)d points are worth less than a cent: redeem more.") % {"points": points}
    if discount > total:
        return _("%(points)d points are worth %(discount)s, more than the basket's total of %(total)s.") % {
            "points": points,
            "discount": format_money(discount, settings.OMNI_CURRENCY),
            "total": format_money(total, settings.OMNI_CURRENCY),
        }
    return ""


def most_points(member: Any, total: Decimal) -> int:
    """The most points that can pay for this basket: what the member can spend, at most the total."""
    if member is None:
        return 0
    return max(min(member.points_available, int(total * loyalty_conf.points_per_euro_redeemed())), 0)


def points_earned(order: Order) -> int:
    """The points the order earned its member (from its timeline: one event when it completed)."""
    return sum(int(e.data.get("points", 0)) for e in order.events.all() if e.kind == "points_earned")

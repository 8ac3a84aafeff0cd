"""The customer's 360-degree view for staff and the GDPR export.

Orders and returns are the facts the orders app registers (loyalty.order_facts): loyalty imports nothing
of orders (orders imports loyalty), and an order belongs to the person whose email it carries, whichever
channel took it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from loyalty.customer_extras import export_sections
from loyalty.models import ConsentEvent, Customer, LedgerEntry, Member, PointsLot, Tier, TierChange
from loyalty.order_facts import order_facts
from loyalty.selectors.consent import consent_row, current_consents
from loyalty.selectors.members import member_ids_for, qualifying_points, with_points


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def person_emails(customer: Customer) -> list[str]:
    """The customer's email and those of the duplicates merged into it."""
    emails = {customer.email} | set(
        Customer.objects.filter(merged_into=customer).exclude(email="").values_list("email", flat=True)
    )
    return sorted(e for e in emails if e)


def _member_of(customer: Customer) -> Member | None:
    return with_points(Member.objects.select_related("tier").filter(customer=customer)).first()


def customer_orders(customer: Customer) -> QuerySet[Any]:
    """Every order, from every channel, carrying one of the person's emails, newest first."""
    return order_facts().orders_of(person_emails(customer))


def returns_of(order_ids: list[int]) -> QuerySet[Any]:
    """The returns of these orders, newest first."""
    return order_facts().returns_of(order_ids)


def _order_row(order: Any, points: dict[str, int]) -> dict[str, Any]:
    return {
        "number": order.number,
        "channel": order.channel,
        "status": order.status,
        "total": _money(order.total),
        "currency": order.currency,
        "points_redeemed": order.points_redeemed,
        "points_earned": points.get(order.number, 0),
        "created_at": _iso(order.created_at),
    }


def _return_row(ret: Any) -> dict[str, Any]:
    return {
        "number": str(ret.number),
        "order": ret.order.number,
        "status": str(ret.status),
        "refund_amount": _money(ret.refund_amount),
        "points_reversed": ret.points_reversed,
        "created_at": _iso(ret.created_at),
    }


def _entry_row(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "points": entry.points,
        "balance_after": entry.balance_after,
        "reverses": entry.reverses or None,
        "order": entry.order_number or None,
        "return": entry.return_number or None,
        "reason": entry.reason,
        "location": entry.location_code or None,
        "by": entry.actor_label,
        "created_at": _iso(entry.created_at),
        "expires_at": _iso(entry.expires_at),
    }


def _lot_row(lot: PointsLot) -> dict[str, Any]:
    return {
        "points": lot.points,
        "remaining": lot.remaining,
        "created_at": _iso(lot.created_at),
        "available_at": _iso(lot.available_at),
        "expires_at": _iso(lot.expires_at),
        "expired_at": _iso(lot.expired_at),
    }


def _member_row(member: Member) -> dict[str, Any]:
    qualifying = qualifying_points(member_ids_for(member))
    next_tier = Tier.objects.filter(threshold__gt=qualifying).order_by("threshold").first()
    return {
        "id": member.pk,
        "card_number": member.card_number,
        "status": member.status,
        "points_balance": member.points_balance,
        "points_available": getattr(member, "points_available", None),
        "points_pending": getattr(member, "points_pending", None),
        "tier": member.tier.code if member.tier else None,
        "tier_since": _iso(member.tier_since),
        "qualifying_points": qualifying,
        "next_tier": next_tier.code if next_tier else None,
        "points_to_next_tier": (next_tier.threshold - qualifying) if next_tier else None,
        "enrolled_at": _iso(member.enrolled_at),
    }


def _profile_row(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "email": customer.email,
        "phone": customer.phone,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "language": customer.language,
        "preferred_location": customer.preferred_location.code if customer.preferred_location else None,
        "sizes": customer.sizes,
        "created_at": _iso(customer.created_at),
        "erased_at": _iso(customer.erased_at),
    }


def _earned_by_order(member_ids: list[int]) -> dict[str, int]:
    rows = (
        LedgerEntry.objects.filter(member_id__in=member_ids, source_type="order")
        .filter(Q(kind="earn"))
        .values("order_number")
        .annotate(total=Sum("points"))
    )
    return {r["order_number"]: int(r["total"] or 0) for r in rows}


def customer_360(customer: Customer, *, recent: int = 20) -> dict[str, Any]:
    """What staff see of a person: the profile, the card, points (balance, spendable, pending, next
    expiry), tier and how far the next one is, the latest ledger entries and tier changes, and the orders
    and returns of every channel."""
    member = _member_of(customer)
    member_ids = [member.pk, *member.merged_members.values_list("pk", flat=True)] if member else []
    orders_qs = customer_orders(customer)
    orders = list(orders_qs[:recent])
    earned = _earned_by_order(member_ids) if member_ids else {}
    view: dict[str, Any] = {
        "customer": _profile_row(customer),
        "emails": person_emails(customer),
        "member": _member_row(member) if member else None,
        "orders": [_order_row(o, earned) for o in orders],
        "orders_count": orders_qs.count(),
        "returns": [_return_row(r) for r in returns_of([o.pk for o in orders])],
        "ledger": [],
        "tier_changes": [],
        "next_expiry": None,
    }
    if member is not None:
        view["ledger"] = [_entry_row(e) for e in LedgerEntry.objects.filter(member=member)[:recent]]
        view["tier_changes"] = [
            {
                "from": c.from_tier.code if c.from_tier else None,
                "to": c.to_tier.code,
                "qualifying_points": c.qualifying_points,
                "reason": c.reason,
                "at": _iso(c.created_at),
            }
            for c in TierChange.objects.filter(member=member).select_related("from_tier", "to_tier")[:recent]
        ]
        soonest = (
            PointsLot.objects.filter(
                member=member, remaining__gt=0, expired_at__isnull=True, expires_at__gt=timezone.now()
            )
            .order_by("expires_at")
            .first()
        )
        if soonest is not None:
            same_day = PointsLot.objects.filter(
                member=member, remaining__gt=0, expired_at__isnull=True, expires_at=soonest.expires_at
            ).aggregate(total=Sum("remaining"))["total"]
            view["next_expiry"] = {"points": int(same_day or 0), "expires_at": _iso(soonest.expires_at)}
    return view


def customer_export_data(customer: Customer) -> dict[str, Any]:
    """The GDPR export: everything, not only the latest (consent: the current state and every statement
    of the person and its merged duplicates, oldest first; preferences on each profile)."""
    member = _member_of(customer)
    members = list(
        Member.objects.filter(
            Q(customer=customer) | Q(merged_into=member) if member else Q(customer=customer)
        )
    )
    member_ids = [m.pk for m in members]
    orders: list[Any] = list(customer_orders(customer).prefetch_related("lines"))
    earned = _earned_by_order(member_ids)
    order_rows = []
    for order in orders:
        row = _order_row(order, earned)
        row["lines"] = [
            {
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "line_total": _money(line.line_total),
            }
            for line in order.lines.all()
        ]
        order_rows.append(row)
    merged = Customer.objects.filter(merged_into=customer).order_by("pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "customer": _profile_row(customer),
        "merged_profiles": [_profile_row(c) for c in merged],
        "member": _member_row(member) if member else None,
        "cards": [
            {"card_number": m.card_number, "status": m.status, "enrolled_at": _iso(m.enrolled_at)}
            for m in members
        ],
        "ledger": [
            _entry_row(e)
            for e in LedgerEntry.objects.filter(member_id__in=member_ids).order_by("created_at", "id")
        ],
        "lots": [
            _lot_row(lot)
            for lot in PointsLot.objects.filter(member_id__in=member_ids).order_by("created_at", "id")
        ],
        "tier_changes": [
            {
                "from": c.from_tier.code if c.from_tier else None,
                "to": c.to_tier.code,
                "qualifying_points": c.qualifying_points,
                "reason": c.reason,
                "at": _iso(c.created_at),
            }
            for c in TierChange.objects.filter(member_id__in=member_ids)
            .select_related("from_tier", "to_tier")
            .order_by("created_at", "id")
        ],
        "consents": [
            {"purpose": s.purpose, "channel": s.channel, "granted": s.granted, "since": _iso(s.since)}
            for s in current_consents(customer)
        ],
        "consent_history": [
            consent_row(e)
            for e in ConsentEvent.objects.filter(Q(customer=customer) | Q(customer__merged_into=customer))
            .select_related("location")
            .order_by("created_at", "id")
        ],
        "orders": order_rows,
        "returns": [_return_row(r) for r in returns_of([o.pk for o in orders])],
        **export_sections(customer),  # what other apps hold (carts: the wishlist), loyalty.customer_extras
    }

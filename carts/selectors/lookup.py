"""A customer's open carts, newest first, whatever channel started them: by email (e-shop, app), by loyalty
card (kiosk, till, store tablet), or for the customer's page. Each reads one partial index
(cart_open_by_email, cart_open_by_member)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from carts.models import Cart, CartLine, CartStatus
from carts.selectors.access import visible_carts
from loyalty.contacts import normalize_email
from loyalty.models import Customer
from loyalty.selectors.customers import customer_for_card, member_of
from omni.actors import Actor


def _open(qs: QuerySet[Cart]) -> QuerySet[Cart]:
    return (
        qs.filter(status=CartStatus.OPEN)
        .select_related("location", "member")
        .order_by("-updated_at", "-created_at")
    )


def carts_of_person(customer: Customer) -> QuerySet[Cart]:
    """Every cart (open or not) carrying one of the person's emails (theirs and their merged duplicates') or
    their loyalty member, newest first."""
    emails = Customer.objects.filter(Q(pk=customer.pk) | Q(merged_into=customer)).exclude(email="")
    condition = Q(customer_email__in=emails.values("email"))  # the person's emails (person_emails), inline
    member = member_of(customer)  # cached on a customer loaded for its page
    if member is not None:
        condition |= Q(member_id=member.pk)
    return Cart.objects.filter(condition).order_by("-updated_at", "-created_at")


def open_carts_of_person(customer: Customer, *, actor: Actor | None = None) -> QuerySet[Cart]:
    """The person's open carts (carts_of_person), those the actor may reach when one is given."""
    carts = carts_of_person(customer)
    if actor is not None:
        carts = carts.filter(pk__in=visible_carts(actor).values("pk"))
    return _open(carts)


def open_carts_for_email(actor: Actor, email: str) -> QuerySet[Cart]:
    email = normalize_email(email)
    if not email:
        return Cart.objects.none()
    return _open(visible_carts(actor).filter(customer_email=email))


def open_carts_for_card(actor: Actor, card_number: str) -> QuerySet[Cart]:
    """The open carts of the person a card leads to (a merged member's card leads to the person it was merged
    into; an unknown card to none)."""
    customer = customer_for_card(card_number.strip())
    if customer is None:
        return Cart.objects.none()
    return open_carts_of_person(customer, actor=actor)


def lines_of_carts(cart_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[CartLine]]:
    """The lines of these carts (oldest first, each with its variant and product), in one query: a page that
    shows what several carts hold (the day's agenda) without pricing them."""
    ids = set(cart_ids)
    out: dict[uuid.UUID, list[CartLine]] = defaultdict(list)
    if not ids:
        return out
    lines = CartLine.objects.filter(cart_id__in=ids).select_related("variant__product")
    for line in lines.order_by("added_at", "id"):
        out[line.cart_id].append(line)
    return out

"""Looking members up, by role (loyalty.selectors.members has the rules). A client's exact lookup is
remembered (`MemberAccess`), so it may then read that member by id, its ledger, and adjust it; nothing
else of the programme becomes visible to it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from loyalty.cards import is_valid_card_number
from loyalty.contacts import normalize_email, normalize_phone
from loyalty.exceptions import LoyaltyInvalid
from loyalty.models import Member, MemberAccess
from loyalty.selectors.members import (
    LOOKUP_FIELDS,
    matching_members,
    members_for,
    sees_every_member,
    with_points,
)
from loyalty.services.customers import grant_access
from omni.actors import Actor
from omni.exceptions import Forbidden

MAX_MATCHES = 20
ALL_FIELDS = frozenset({"email", "card_number", "phone"})
VIA = {"email": MemberAccess.Via.EMAIL, "card_number": MemberAccess.Via.CARD, "phone": MemberAccess.Via.PHONE}


def lookup_fields_for(actor: Actor) -> frozenset[str]:
    return ALL_FIELDS if actor.is_staff_user else LOOKUP_FIELDS.get(actor.role, frozenset())


@transaction.atomic
def lookup_members(
    *, actor: Actor, email: str = "", card_number: str = "", phone: str = ""
) -> QuerySet[Member]:
    """Members matching every identifier given exactly, as this caller may look them up (403 for an
    identifier its role may not use); with none given, the members it may already see (a kiosk must give
    a card number). A mistyped card number (bad check digit): 400 on `card_number`."""
    given = {
        name for name, value in (("email", email), ("card_number", card_number), ("phone", phone)) if value
    }
    allowed = lookup_fields_for(actor)
    refused = given - allowed
    if refused:
        raise Forbidden(
            f"A {actor.role} client may look members up by {', '.join(sorted(allowed)) or 'nothing'} only, "
            f"not by {', '.join(sorted(refused))}."
        )
    if not given:
        if "email" not in allowed and "phone" not in allowed:
            raise Forbidden(f"A {actor.role} client looks members up by card number: give ?card_number=.")
        return with_points(members_for(actor)).order_by("-enrolled_at", "-id")
    card_number = card_number.strip()
    if card_number and not is_valid_card_number(card_number):
        raise LoyaltyInvalid.on("card_number", "Not a card number: 13 digits with a valid check digit.")
    matches = matching_members(
        email=normalize_email(email), card_number=card_number, phone=normalize_phone(phone) if phone else ""
    )
    found = list(matches.order_by("pk")[:MAX_MATCHES])
    if not sees_every_member(actor):
        via = VIA["card_number" if card_number else "email" if email else "phone"]
        for member in found:
            grant_access(member, actor, via)
    return with_points(matches.filter(pk__in=[m.pk for m in found])).order_by("-enrolled_at", "-id")

"""The feedback's copy of a person: in their GDPR export, erased with them, following a merge.

- Export (Art. 15/20): every response of the person (its scores, comment, touchpoint, store and date) and
  every invitation sent to them (touchpoint, when it was made, sent, answered, expires), found by the
  person's profile and its merged duplicates, the person's emails on invitations, and their orders' emails.
- Erasure (Art. 17): loyalty sends `customer_erased` inside erase_customer's transaction; here, in the same
  transaction, the person's responses lose their comment and their customer, and their invitations their
  email and customer (an unanswered one expires: its link leads nowhere any more). The scores stay, now
  anonymous, so the figures of the past do not change.
- Merge: loyalty sends `customers_merged` inside merge_customers' transaction; the responses and invitations
  of the duplicate (and of any profile merged into the kept one before) follow the kept profile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Least, Lower
from django.utils import timezone

from feedback.models import Invitation, Response
from loyalty.models import Customer
from loyalty.selectors import person_emails


def _person_ids(customer_id: int) -> list[int]:
    """The profile and the duplicates merged into it (merges re-point, so one hop)."""
    return [customer_id, *Customer.objects.filter(merged_into_id=customer_id).values_list("pk", flat=True)]


def _invitations_of(ids: Sequence[int], emails: Sequence[str]) -> QuerySet[Invitation]:
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    match = Q(customer_id__in=list(ids))
    if wanted:
        match |= Q(email_lower__in=wanted)
    return Invitation.objects.annotate(email_lower=Lower("email")).filter(match)


def _responses_of(ids: Sequence[int], emails: Sequence[str]) -> QuerySet[Response]:
    wanted = {e.strip().lower() for e in emails if e and e.strip()}
    match = Q(customer_id__in=list(ids)) | Q(invitation__in=_invitations_of(ids, emails).values("pk"))
    if wanted:
        match |= Q(order_email__in=wanted)
    return Response.objects.annotate(order_email=Lower("order__customer_email")).filter(match)


# --- Export ----------------------------------------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def feedback_export(customer: Customer) -> list[dict[str, Any]]:
    """The person's responses and invitations for the GDPR export, oldest first, each with its `type`."""
    ids, emails = _person_ids(customer.pk), person_emails(customer)
    responses = _responses_of(ids, emails).select_related("location", "order").order_by("created_at", "pk")
    invitations = (
        _invitations_of(ids, emails).select_related("location", "order").order_by("created_at", "pk")
    )
    rows: list[dict[str, Any]] = [
        {
            "type": "response",
            "touchpoint": r.touchpoint,
            "channel": r.channel,
            "store": r.location.code if r.location is not None else None,
            "order": r.order.number if r.order is not None else None,
            "nps": r.nps,
            "csat": r.csat,
            "ces": r.ces,
            "comment": r.comment,
            "language": r.language,
            "created_at": _iso(r.created_at),
        }
        for r in responses
    ]
    rows += [
        {
            "type": "invitation",
            "touchpoint": i.touchpoint,
            "sent_by": i.channel,
            "email": i.email,
            "store": i.location.code if i.location is not None else None,
            "order": i.order.number if i.order is not None else None,
            "occurred_at": _iso(i.occurred_at),
            "created_at": _iso(i.created_at),
            "sent_at": _iso(i.sent_at),
            "expires_at": _iso(i.expires_at),
            "responded_at": _iso(i.responded_at),
        }
        for i in invitations
    ]
    return rows


# --- Erasure ---------------------------------------------------------------------------------------------


def forget_feedback(*, customer_id: int, emails: Sequence[str]) -> tuple[int, int]:
    """Blank the person's comments and invitation emails, empty `customer` on both; the scores stay.
    Returns (responses, invitations) changed."""
    ids = _person_ids(customer_id)
    response_ids = list(_responses_of(ids, emails).values_list("pk", flat=True))
    invitation_ids = list(_invitations_of(ids, emails).values_list("pk", flat=True))
    responses = Response.objects.filter(pk__in=response_ids).update(comment="", customer=None)
    now = timezone.now()
    invitations = Invitation.objects.filter(pk__in=invitation_ids).update(email="", customer=None)
    Invitation.objects.filter(pk__in=invitation_ids, responded_at__isnull=True).update(
        expires_at=Least("expires_at", now)
    )
    return responses, invitations


def forget_feedback_on_orders(order_ids: Sequence[int]) -> int:
    """The comments given about these orders, which are being anonymised with their customer
    (orders.privacy_extras, run while the orders still name the person): an answer given as a guest, before
    the person had a profile, is found through its order only. The scores stay."""
    return (
        Response.objects.filter(order_id__in=list(order_ids))
        .exclude(comment="")
        .update(comment="", customer=None)
    )


def on_customer_erased(sender: Any, *, customer_id: int, emails: Sequence[str] = (), **_: Any) -> None:
    """loyalty.signals.customer_erased, sent inside erase_customer's transaction: all or nothing with it."""
    forget_feedback(customer_id=customer_id, emails=emails)


# --- Merge -----------------------------------------------------------------------------------------------


def follow_merge(*, keep: Customer) -> tuple[int, int]:
    """Re-point the responses and invitations of every profile merged into `keep` to `keep`."""
    merged = list(Customer.objects.filter(merged_into_id=keep.pk).values_list("pk", flat=True))
    if not merged:
        return 0, 0
    responses = Response.objects.filter(customer_id__in=merged).update(customer_id=keep.pk)
    invitations = Invitation.objects.filter(customer_id__in=merged).update(customer_id=keep.pk)
    return responses, invitations


def on_customers_merged(sender: Any, *, keep: Customer, **_: Any) -> None:
    """loyalty.signals.customers_merged, sent inside merge_customers' transaction: all or nothing with it."""
    follow_merge(keep=keep)

"""Recording one answer (NPS, CSAT, CES, a comment) from the survey page, the API or the kiosk.

With an invitation, the answer is about the invitation's touchpoint, order, return, store and customer, and
the invitation is good once: its row is locked (SELECT ... FOR UPDATE) and re-read, so two submissions of
one link at once queue, and the second finds it answered (409 `invitation_used`); the response's OneToOne to
the invitation holds the same rule in the database. A link past its `expires_at` is refused (410
`invitation_expired`). A used link is refused before an expired one: the kinder answer.

The response keeps its touchpoint's facts (feedback.services.facts) and its sales channel (the order's,
else the touchpoint's own for web, app, kiosk and store); an unhappy answer (scores.needs_follow_up) opens a
FollowUp in the queue of the response's store, in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from feedback import scores
from feedback.exceptions import InvalidFeedback, InvitationExpired, InvitationUsed
from feedback.models import FollowUp, Invitation, Response, Touchpoint
from feedback.services.facts import facts_for
from loyalty.contacts import normalize_email
from loyalty.models import Customer
from loyalty.selectors import root_of
from omni.models import ApiClient
from orders.models import Order, Return
from stores.models import Location

NPS_RANGE = (0, 10)
CSAT_RANGE = (1, 5)
CES_RANGE = (1, 7)
COMMENT_MAX = 2000
SALES_TOUCHPOINTS = frozenset({Touchpoint.WEB, Touchpoint.APP, Touchpoint.KIOSK, Touchpoint.STORE})

__all__ = ["COMMENT_MAX", "record_response"]


@transaction.atomic
def record_response(
    *,
    touchpoint: str,
    nps: int | None = None,
    csat: int | None = None,
    ces: int | None = None,
    comment: str = "",
    order: Order | None = None,
    location: Location | None = None,
    invitation: Invitation | None = None,
    customer: Customer | None = None,
    api_client: ApiClient | None = None,
    language: str = "",
) -> Response:
    """Record an answer (see the module). Errors: 400 `validation_error` (InvalidFeedback: no score, a score
    out of its range, an unknown touchpoint, a comment over 2000 characters), 409 `invitation_used`, 410
    `invitation_expired`."""
    now = timezone.now()
    return_record: Return | None = None
    if invitation is not None:
        invitation = _claim_invitation(invitation, now)
        touchpoint = invitation.touchpoint
        order = invitation.order or order
        return_record = invitation.return_record
        location = invitation.location or location
        customer = invitation.customer or customer
        language = language or invitation.language
    comment = _validate(touchpoint, nps, csat, ces, comment)
    if location is None:
        location = _location_of(order, return_record)
    if customer is None and order is not None:
        customer = customer_for_email(order.customer_email)
    response = _create(
        Response(
            touchpoint=touchpoint,
            channel=_channel(touchpoint, order),
            location=location,
            order=order,
            invitation=invitation,
            customer=customer,
            api_client=api_client,
            nps=nps,
            csat=csat,
            ces=ces,
            comment=comment,
            language=_language(language),
            created_at=now,
            **facts_for(touchpoint, order, return_record),
        )
    )
    if invitation is not None:
        invitation.responded_at = now
        invitation.save(update_fields=["responded_at"])
    reason = scores.needs_follow_up(nps, csat)
    if reason:
        FollowUp.objects.create(response=response, location=response.location, reason=reason, created_at=now)
    return response


def _claim_invitation(invitation: Invitation, now: dt.datetime) -> Invitation:
    """The invitation locked and re-read: refused when answered already, then when expired."""
    locked = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("order", "return_record__payment", "location", "customer")
        .filter(pk=invitation.pk)
        .first()
    )
    if locked is None:
        raise InvalidFeedback.on("invitation", "No such invitation.")
    if locked.responded_at is not None or Response.objects.filter(invitation_id=locked.pk).exists():
        raise InvitationUsed()
    if locked.expires_at <= now:
        raise InvitationExpired()
    return locked


def _validate(touchpoint: str, nps: int | None, csat: int | None, ces: int | None, comment: str) -> str:
    """The comment as stored (trimmed), or InvalidFeedback naming every wrong field."""
    errors: dict[str, list[str]] = {}
    if touchpoint not in Touchpoint.values:
        errors["touchpoint"] = [f"One of {', '.join(Touchpoint.values)}."]
    for field, value, (low, high) in (
        ("nps", nps, NPS_RANGE),
        ("csat", csat, CSAT_RANGE),
        ("ces", ces, CES_RANGE),
    ):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            errors[field] = [f"A whole number from {low} to {high}."]
    if nps is None and csat is None and ces is None:
        errors["non_field_errors"] = ["Give at least one score: nps, csat or ces."]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"At most {COMMENT_MAX} characters."]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidFeedback(first, errors=errors)
    return comment


def _language(language: str) -> str:
    """One of LANGUAGES' codes ("en-us" -> "en"), else ""."""
    code = (language or "").strip().lower().split("-")[0]
    return code if code in dict(settings.LANGUAGES) else ""


def _channel(touchpoint: str, order: Order | None) -> str:
    if order is not None:
        return order.channel
    return touchpoint if touchpoint in SALES_TOUCHPOINTS else ""


def _location_of(order: Order | None, return_record: Return | None) -> Location | None:
    """The store an answer is about when none was given: where the return was received, else the order's
    pickup or till store, else where it was taken (None for a delivery ordered online)."""
    if return_record is not None:
        return return_record.location
    if order is None:
        return None
    return order.location or order.taken_at


def customer_for_email(email: str) -> Customer | None:
    """The loyalty profile an order's email leads to (a merged duplicate's: the profile it was merged into),
    None for a guest or an erased person."""
    email = normalize_email(email)
    if not email:
        return None
    found = Customer.objects.filter(email=email).first()
    if found is None:
        return None
    person = root_of(found)
    return person if person.erased_at is None else None


def _create(response: Response) -> Response:
    """Insert it; the OneToOne to the invitation refuses a second answer even past the lock."""
    try:
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError as exc:
        if (
            response.invitation_id is not None
            and Response.objects.filter(invitation_id=response.invitation_id).exists()
        ):
            raise InvitationUsed() from exc
        raise
    return response

"""The survey's public links: `/feedback/s/<token>/`, the token being the invitation's id signed with
django.core.signing (a salt of its own, so no other signed value of Omni is a valid link). A link names one
invitation and nothing else: no customer, no order, nothing to read in it.

The token carries no time: the invitation's `expires_at` (set when it is made: FEEDBACK_LINK_DAYS after) is
the one expiry, the same the answer is checked against (feedback.services.responses), so an email and a
reprinted receipt show the same link. An altered or unknown token is `BadLink` (404); a link past its expiry
is `InvitationExpired` (410), unless it was answered already: then the page says so, kindly.

Printed receipts also carry a short link a person can type, `/feedback/r/<order number>/<check>/`: the check
is the first characters of the order number's signature, in lower-case base32 (a salt of its own again); it
leads to the sale's receipt invitation (feedback.services.invitations.receipt_invitation), then the survey."""

from __future__ import annotations

import base64
import binascii
import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from feedback.exceptions import BadLink, InvitationExpired
from feedback.models import Invitation

SALT = "feedback.survey-link"
RECEIPT_SALT = "feedback.receipt-link"
RECEIPT_CHECK_LENGTH = 10  # base32: 50 bits of the HMAC, one chance in 2^50 per guess; no mixed case to type


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, algorithm="sha256")


def _encode(pk: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(pk.bytes).rstrip(b"=").decode("ascii")


def _decode(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(bytes=base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise BadLink() from exc


def link_token(invitation: Invitation) -> str:
    """The signed token of this invitation (the same every time it is asked)."""
    return _signer().sign(_encode(invitation.pk))


def invitation_from_token(token: str) -> Invitation:
    """The invitation a token names, with its store. `BadLink` when the token was altered or names no
    invitation; `InvitationExpired` when it is past its expiry and not answered."""
    try:
        value = _signer().unsign(token or "")
    except signing.BadSignature as exc:
        raise BadLink() from exc
    invitation = Invitation.objects.select_related("location").filter(pk=_decode(value)).first()
    if invitation is None:
        raise BadLink()
    if invitation.responded_at is None and invitation.expires_at <= timezone.now():
        raise InvitationExpired()
    return invitation


def survey_url(invitation: Invitation) -> str:
    """The survey page's path for this invitation: /feedback/s/<token>/."""
    return reverse("feedback:survey", kwargs={"token": link_token(invitation)})


def absolute_url(path: str) -> str:
    """A path of Omni as the customer's phone reaches it (OMNI_BASE_URL: emails and receipts are read away
    from any request of ours)."""
    return f"{settings.OMNI_BASE_URL}{path}"


def receipt_check(order_number: str) -> str:
    """The check characters of a receipt's short link."""
    signature = signing.Signer(salt=RECEIPT_SALT, algorithm="sha256").signature(order_number)
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    return base64.b32encode(raw).decode("ascii").lower()[:RECEIPT_CHECK_LENGTH]


def receipt_short_url(order_number: str) -> str:
    """The short path printed under the receipt's QR code: /feedback/r/<order number>/<check>/."""
    return reverse(
        "feedback:receipt-link", kwargs={"number": order_number, "check": receipt_check(order_number)}
    )


def receipt_link_valid(order_number: str, check: str) -> bool:
    return constant_time_compare(receipt_check(order_number), (check or "").strip().lower())

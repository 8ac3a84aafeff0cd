"""Reads of invitations that the survey pages need."""

from __future__ import annotations

from feedback.models import Invitation


def answered_elsewhere(invitation: Invitation) -> bool:
    """Whether the same visit was answered through another invitation: a till sale's emailed invitation
    and its receipt's QR code are about one visit, and one answer is enough."""
    if invitation.order_id is None:
        return False
    return (
        Invitation.objects.filter(
            order_id=invitation.order_id, touchpoint=invitation.touchpoint, responded_at__isnull=False
        )
        .exclude(pk=invitation.pk)
        .exists()
    )


def receipt_invitation_of(order_number: str) -> Invitation | None:
    """The invitation printed on this sale's receipt, if the receipt was ever shown."""
    return Invitation.objects.filter(source_key=f"receipt:{order_number}").first()

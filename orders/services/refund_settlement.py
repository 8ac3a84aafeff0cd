"""A refund left due at the returns desk, paid back later: the associate records how it was paid (card on
the terminal, cash, a bank transfer...) and its reference, once. The return becomes `refunded`, a refunded
payment records the money that went back, and the original payment no longer owes it (audited).

Lock order (as every order write, orders.locks): the order, then the return, then the order's payments. Two
desks settling the same return at once queue on the order's row; the second re-reads the return under the
lock and is refused (409 `invalid_transition`): the money is recorded as paid back once."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from omni.actors import Actor
from omni.exceptions import Forbidden, NotFound
from omni.services import record_audit
from orders.exceptions import RefundNotDue
from orders.locks import orders_for_update, payments_for_update, returns_for_update
from orders.models import Order, Payment, PaymentMethod, PaymentStatus, Return, ReturnStatus
from orders.selectors import returns_for
from orders.services.events import event, write_events
from orders.services.return_checks import RETURN_ROLES, invalid
from stores.models import LocationKind

# How a refund owed on the original payment is paid back at (or after) the desk.
SETTLE_METHODS = (
    PaymentMethod.CARD.value,
    PaymentMethod.CASH.value,
    PaymentMethod.BANK_TRANSFER.value,
    PaymentMethod.PAYPAL.value,
)
REFERENCE_MAX = 120

__all__ = ["SETTLE_METHODS", "settle_refund"]


@transaction.atomic
def settle_refund(*, actor: Actor, return_number: str, method: str, reference: str = "") -> Return:
    """Record that the refund due on `return_number` was paid back by `method` (with its `reference`: the
    card terminal's receipt, the transfer's id; optional for cash). Only where the return was received, or HQ.

    Errors: not the actor's return: 404; another location, a kiosk or the e-shop: 403; an unknown method, a
    missing or too long reference, cash away from a store: 400 `validation_error`; already refunded: 409
    `invalid_transition`."""
    method = (method or "").strip()
    reference = " ".join((reference or "").split())
    ret = _lock_return(actor, return_number)
    _check(ret, method, reference)
    now = timezone.now()
    owed = _release_owed(ret)
    refund = Payment.objects.create(
        order=ret.order,
        method=method,
        status=PaymentStatus.REFUNDED,
        amount=ret.refund_paid,
        currency=ret.currency,
        reference=reference or ret.number,
        created_at=now,
    )
    ret.payment = refund
    ret.refund_method = method
    ret.status = ReturnStatus.REFUNDED
    ret.save(update_fields=["payment", "refund_method", "status"])
    record_audit(
        action="return.refund_settled",
        actor=actor,
        object_type="return",
        object_id=ret.number,
        data={"amount": str(ret.refund_paid), "method": method, "reference": reference},
    )
    write_events(
        [
            event(
                ret.order,
                "refund_settled",
                f"Refund of return {ret.number} paid back: {ret.refund_paid} {ret.currency} by {method}"
                + (f", reference {reference}." if reference else "."),
                actor=actor,
                return_number=ret.number,
                amount=str(ret.refund_paid),
                currency=ret.currency,
                method=method,
                reference=reference,
                released=str(owed),
            )
        ]
    )
    return ret


def _lock_return(actor: Actor, number: str) -> Return:
    """The return (its order locked first), if the actor may see it; refused to who may not take returns."""
    number = (number or "").strip()
    if actor.role not in RETURN_ROLES:
        raise Forbidden("Only a store or HQ settles a refund.")
    found = returns_for(actor).filter(number=number).values_list("order_id", flat=True).first()
    if found is None:
        raise NotFound(f"No return {number}.")
    orders_for_update(Order.objects.filter(pk=found)).first()
    ret = returns_for_update(Return.objects.filter(number=number)).select_related("order", "location").first()
    if ret is None:  # pragma: no cover - returns are never deleted
        raise RefundNotDue()
    if not actor.can_act_at(ret.location_id):
        raise Forbidden(f"Only {ret.location.code}, where the return was received, settles its refund.")
    return ret


def _check(ret: Return, method: str, reference: str) -> None:
    """Under the lock: still due, a known method, a reference where the money left by a provider."""
    if ret.status != ReturnStatus.REFUND_DUE:
        raise RefundNotDue(f"The refund of return {ret.number} has been paid back already.")
    if method not in SETTLE_METHODS:
        raise invalid("method", f"One of {', '.join(SETTLE_METHODS)}.")
    if method == PaymentMethod.CASH and ret.location.kind != LocationKind.STORE:
        raise invalid("method", "Cash is paid back at a store's desk only.")
    if method != PaymentMethod.CASH and not reference:
        raise invalid("reference", "Give the reference of the refund (the terminal's receipt, the transfer).")
    if len(reference) > REFERENCE_MAX:
        raise invalid("reference", f"At most {REFERENCE_MAX} characters.")


def _release_owed(ret: Return) -> Decimal:
    """The original payment no longer owes what this return's refund was (never below zero)."""
    if ret.payment_id is None:
        return Decimal("0.00")
    list(payments_for_update(ret.order))
    payment = Payment.objects.get(pk=ret.payment_id)
    owed = min(payment.refund_due, ret.refund_paid)
    if owed > 0:
        Payment.objects.filter(pk=payment.pk).update(
            refund_due=F("refund_due") - owed, updated_at=timezone.now()
        )
    return owed

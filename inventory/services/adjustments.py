"""Stock adjustments posted by staff: approval of large ones, and undo of one's own.

- An adjustment of more units than the location's `adjustment_approval_units`, posted by a member of staff
  who is not a manager (store manager, HQ manager, administrator), changes nothing: it becomes a pending
  AdjustmentRequest. A manager of that location (or HQ) approves it, which records the movement through
  `record_movement` in the same transaction, or rejects it. The request row is locked first, so two
  managers deciding at once are served one after the other and the second finds it decided.
- Whoever posted an adjustment may undo it within UNDO_WINDOW (inventory.selectors.ledger, with the rule
  `undo_problem` the ledger page also asks): a reversing adjustment linked to it (the
  ledger is append-only), refused if it was undone already, if it is too late, or if the stock no longer
  allows it (units sold or reserved since).

API clients (integration, store tablets) are not subject to approval: the contract answers
`POST /api/v1/stock/movements/` with 201 and the movement, so their adjustments are recorded at once. A
member of staff calling the API with their browser session cannot go around the approval there: an
adjustment that would wait is refused with 403 (`refuse_unapproved_api_adjustment`), and the Stock page
queues it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import locks
from inventory.exceptions import AdjustmentRequestDecided, InsufficientStock, UndoNotAllowed
from inventory.models import (
    AdjustmentReason,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    MovementKind,
    StockLevel,
    StockMovement,
)
from inventory.selectors.ledger import undo_problem
from inventory.services.stock import _location_codes, _skus, ensure_levels, lock_levels, record_movement
from omni.actors import Actor
from omni.exceptions import Forbidden, InvalidInput, NotFound
from omni.models import ApiRole


@dataclass(frozen=True)
class PostedAdjustment:
    """What posting an adjustment did: recorded it (movement and level) or queued it for approval."""

    movement: StockMovement | None = None
    level: StockLevel | None = None
    request: AdjustmentRequest | None = None

    @property
    def pending(self) -> bool:
        return self.request is not None


def approval_threshold(location_id: int) -> int | None:
    """The location's threshold (units); None: its adjustments never wait."""
    from stores.models import Location

    return Location.objects.filter(pk=location_id).values_list("adjustment_approval_units", flat=True).first()


def needs_approval(actor: Actor, *, threshold: int | None, delta: int) -> bool:
    """A member of staff who is not a manager, adjusting more units than the threshold. API clients and
    the system are never asked (see the module's docstring)."""
    return (
        actor.user is not None and not actor.is_manager and threshold is not None and abs(delta) > threshold
    )


def may_decide(actor: Actor, location_id: int) -> bool:
    """Managers of the location, HQ managers and administrators approve or reject its adjustments."""
    return actor.user is not None and actor.is_manager and actor.can_act_at(location_id)


def _check_adjustment(quantity: int, reason: str) -> None:
    if quantity == 0:
        raise InvalidInput(
            _("An adjustment changes stock: the quantity cannot be 0."),
            errors={"quantity": [_("Not 0.")]},
        )
    if reason not in AdjustmentReason.values:
        raise InvalidInput(_("An adjustment needs a reason."), errors={"reason": [_("Choose a reason.")]})


def _shortage(level: StockLevel | None, delta: int, *, sku: str, location: str) -> InsufficientStock | None:
    """The error to raise when `delta` would take on hand below zero or below what is reserved."""
    on_hand, reserved = (level.on_hand, level.reserved) if level is not None else (0, 0)
    if on_hand + delta >= max(reserved, 0) and on_hand + delta >= 0:
        return None
    return InsufficientStock(
        [{"sku": sku, "location": location, "on_hand": on_hand, "reserved": reserved, "requested": -delta}],
        detail=_(
            "%(sku)s: %(on_hand)d on hand with %(reserved)d reserved; taking off %(units)d would leave "
            "less than is reserved or below zero."
        )
        % {"sku": sku, "on_hand": on_hand, "reserved": reserved, "units": -delta},
    )


def _refuse_if_it_does_not_fit(location_id: int, variant_id: int, delta: int) -> None:
    """A request to take off more than the stock allows now is refused at once (no lock: approving checks
    again under it)."""
    level = StockLevel.objects.filter(location_id=location_id, variant_id=variant_id).first()
    sku, code = _skus([variant_id])[variant_id], _location_codes([location_id])[location_id]
    problem = _shortage(level, delta, sku=sku, location=code)
    if problem is not None:
        raise problem


def refuse_unapproved_api_adjustment(actor: Actor, *, location_id: int, kind: str, quantity: int) -> None:
    """Through the API, an adjustment by staff that would wait for approval is refused (403), not queued:
    the API answers the movement it recorded, and a queued request is not one."""
    if kind != MovementKind.ADJUSTMENT:
        return
    threshold = approval_threshold(location_id) if actor.user is not None else None
    if needs_approval(actor, threshold=threshold, delta=quantity):
        raise Forbidden(
            _(
                "An adjustment of more than %(units)d units waits for a manager's approval: post it on the "
                "Stock page, which sends it to the approval queue."
            )
            % {"units": threshold}
        )


@transaction.atomic
def post_adjustment(
    *, actor: Actor, location_id: int, variant_id: int, quantity: int, reason: str, note: str = ""
) -> PostedAdjustment:
    """Record an adjustment, or queue it for a manager's approval when it is larger than the location's
    threshold and the actor is not a manager. A queued negative one that does not fit the stock now is
    refused at once (it is checked again, under the lock, when approved)."""
    if not actor.can_act_at(location_id):
        raise Forbidden(_("You may only change stock at your own locations."))
    _check_adjustment(quantity, reason)
    if not needs_approval(actor, threshold=approval_threshold(location_id), delta=quantity):
        movement, level = record_movement(
            actor=actor,
            location_id=location_id,
            variant_id=variant_id,
            kind=MovementKind.ADJUSTMENT,
            quantity=quantity,
            reason=reason,
            note=note,
        )
        return PostedAdjustment(movement=movement, level=level)
    if quantity < 0:
        _refuse_if_it_does_not_fit(location_id, variant_id, quantity)
    assert actor.user is not None  # needs_approval asks staff users only
    request = AdjustmentRequest.objects.create(
        location_id=location_id,
        variant_id=variant_id,
        delta=quantity,
        reason=reason,
        note=note,
        requested_by=actor.user,
    )
    return PostedAdjustment(request=request)


# --- Deciding a request ------------------------------------------------------------------------------


def _lock_for_decision(actor: Actor, request_id: int) -> AdjustmentRequest:
    request = locks.adjustment_request(request_id)
    if request is None:
        raise NotFound(_("No such adjustment request."))
    if not may_decide(actor, request.location_id):
        raise Forbidden(
            _("Only a manager of %(location)s approves or rejects its adjustments.")
            % {"location": request.location.name}
        )
    if request.status != AdjustmentRequestStatus.PENDING:
        raise AdjustmentRequestDecided(
            _("This request has already been decided: %(status)s.")
            % {"status": request.get_status_display().lower()}  # type: ignore[attr-defined]
        )
    return request


def _requester(request: AdjustmentRequest) -> Actor:
    """The ledger names who asked for the adjustment; the request keeps who approved it."""
    user = request.requested_by
    return Actor(role=ApiRole.STORE, user=user, staff_role=user.role)


@transaction.atomic
def approve_adjustment(*, actor: Actor, request_id: int, note: str = "") -> AdjustmentRequest:
    """Apply a pending request: its movement is recorded now (refused, and the request left pending, when
    a negative adjustment no longer fits the stock on hand)."""
    request = _lock_for_decision(actor, request_id)
    try:
        movement, _level = record_movement(
            actor=_requester(request),
            location_id=request.location_id,
            variant_id=request.variant_id,
            kind=MovementKind.ADJUSTMENT,
            quantity=request.delta,
            reason=request.reason,
            note=request.note,
        )
    except InsufficientStock as exc:
        level = StockLevel.objects.filter(
            location_id=request.location_id, variant_id=request.variant_id
        ).first()
        raise InsufficientStock(
            exc.extra.get("shortages", []),
            detail=_(
                "%(sku)s: taking off %(units)d no longer fits: %(on_hand)d on hand, %(reserved)d reserved. "
                "Reject the request, or count the stock."
            )
            % {
                "sku": request.variant.sku,
                "units": -request.delta,
                "on_hand": level.on_hand if level else 0,
                "reserved": level.reserved if level else 0,
            },
        ) from exc
    request.status = AdjustmentRequestStatus.APPROVED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = note
    request.movement = movement
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "movement"])
    return request


@transaction.atomic
def reject_adjustment(*, actor: Actor, request_id: int, note: str = "") -> AdjustmentRequest:
    """Refuse a pending request: stock does not change."""
    request = _lock_for_decision(actor, request_id)
    request.status = AdjustmentRequestStatus.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request


# --- Undo ---------------------------------------------------------------------------------------------


@transaction.atomic
def undo_adjustment(*, actor: Actor, movement_id: int) -> StockMovement:
    """Reverse one's own adjustment: a new adjustment of the opposite sign, linked to it."""
    movement = StockMovement.objects.select_related("variant", "location").filter(pk=movement_id).first()
    if movement is None:
        raise NotFound(_("No such movement."))
    if not actor.can_act_at(movement.location_id):
        raise Forbidden(_("You may only change stock at your own locations."))
    pair = (movement.location_id, movement.variant_id)
    ensure_levels([pair])
    level = lock_levels([pair])[
        pair
    ]  # under this lock, a second undo of the same movement waits and finds it
    problem = undo_problem(
        actor,
        movement,
        now=timezone.now(),
        undone=StockMovement.objects.filter(reverses_id=movement.pk).exists(),
        approved=AdjustmentRequest.objects.filter(movement_id=movement.pk).exists(),
    )
    if problem is not None:
        raise UndoNotAllowed(problem)
    shortage = _shortage(level, -movement.delta, sku=movement.variant.sku, location=movement.location.code)
    if shortage is not None:
        raise InsufficientStock(
            shortage.extra["shortages"],
            detail=_(
                "%(sku)s: the stock has changed since (%(on_hand)d on hand, %(reserved)d reserved): "
                "undoing would leave less than is reserved or below zero."
            )
            % {"sku": movement.variant.sku, "on_hand": level.on_hand, "reserved": level.reserved},
        )
    reversal, _level = record_movement(
        actor=actor,
        location_id=movement.location_id,
        variant_id=movement.variant_id,
        kind=MovementKind.ADJUSTMENT,
        quantity=-movement.delta,
        reason=movement.reason,
        reference=movement.reference,
        note=f"Undoes movement {movement.pk}.",  # for the API; the ledger page reads note_code
        note_code="undo",
        note_params={"movement": movement.pk},
        reverses_id=movement.pk,
    )
    return reversal

"""The stock ledger as a person reads it, in their language: each movement's reason and reference as labels,
the notes Omni writes itself rendered from their code and parameters (`note_code`, `note_params`), and
whether the reader may undo it.

Rows written before notes had codes are recognised by the English sentences their writers used, so old rows
read in Italian too; any other note is a person's and is shown as typed."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.models import AdjustmentReason, AdjustmentRequest, MovementKind, StockMovement
from omni.actors import Actor
from omni.formatting import format_number

# Whoever posted an adjustment may undo it this long after (inventory.services.adjustments.undo_adjustment).
UNDO_WINDOW = timedelta(minutes=10)

# Reasons that are not adjustment reasons but appear on movements (orders' returns write this one).
OTHER_REASONS = {"returned_damaged": gettext_lazy("Returned damaged")}

NOTE_TEXTS = {
    "count_limited": gettext_lazy("Variance %(variance)s limited by stock sold or reserved since."),
    "return_received": gettext_lazy("Return %(return)s of order %(order)s."),
    "return_damaged": gettext_lazy("Return %(return)s: returned damaged, not sellable."),
    "short_pick": gettext_lazy("Short pick: %(units)s × %(sku)s not on the shelf for order %(order)s."),
    "tablet_shortfall": gettext_lazy(
        "Synced from a store tablet: %(units)s × %(sku)s taken out offline beyond the stock available, "
        "recorded as found for a manager to review."
    ),
}

# The English sentences of rows written without a code: (pattern, code); the groups are the parameters.
LEGACY_NOTES = [
    (re.compile(r"^variance (?P<variance>-?\d+) limited by stock sold or reserved since$"), "count_limited"),
    (re.compile(r"^Return (?P<return_>\S+) of order (?P<order>\S+?)\.?$"), "return_received"),
    (re.compile(r"^Return (?P<return_>\S+): returned damaged, not sellable\.?$"), "return_damaged"),
    (
        re.compile(
            r"^Short pick: (?P<units>\d+) × (?P<sku>\S+) not on the shelf for order (?P<order>\S+?)\.?$"
        ),
        "short_pick",
    ),
]

REFERENCE_TEXTS = {
    "count": gettext_lazy("Count %(number)s"),
    "transfer": gettext_lazy("Transfer %(number)s"),
    "order": gettext_lazy("Order %(number)s"),
}


def signed_units(units: int) -> str:
    """+1.500 / -3 in the active language's figures (a change of stock always shows its sign)."""
    return ("+" if units > 0 else "") + format_number(units)


def reason_label(code: str) -> str:
    """An adjustment reason's label in the active language (a reason Omni does not know, as written)."""
    if code in AdjustmentReason.values:
        return str(AdjustmentReason(code).label)
    if code in OTHER_REASONS:
        return str(OTHER_REASONS[code])
    return code


def note_text(movement: StockMovement) -> str:
    """The movement's note in the active language: rendered from its code, recognised from the English
    sentence of an older row, or the person's note as typed."""
    code, params = movement.note_code, movement.note_params or {}
    if not code:
        for pattern, legacy_code in LEGACY_NOTES:
            if match := pattern.match(movement.note or ""):
                code = legacy_code
                params = {k.rstrip("_"): v for k, v in match.groupdict().items()}
                break
    if code == "undo":
        original = movement.reverses
        if original is None:
            return _("Undo.")
        return _("Undoes the adjustment of %(time)s (%(delta)s).") % {
            "time": date_format(timezone.localtime(original.created_at), "SHORT_DATETIME_FORMAT"),
            "delta": signed_units(original.delta),
        }
    if code in NOTE_TEXTS:
        try:
            return str(NOTE_TEXTS[code]) % params
        except (KeyError, TypeError, ValueError):
            pass
    return movement.note


def reference_text(reference: str) -> str:
    """ "count:C-12" -> "Count C-12" in the active language; other references as written."""
    prefix, sep, number = reference.partition(":")
    if sep and prefix in REFERENCE_TEXTS and number:
        return str(REFERENCE_TEXTS[prefix]) % {"number": number}
    return reference


def actor_text(label: str) -> str:
    return _("system") if label == "system" else label


def undo_problem(
    actor: Actor, movement: StockMovement, *, now: datetime, undone: bool, approved: bool
) -> str | None:
    """Why this actor may not undo this movement now (None: they may). `undone`: a reversal of it exists;
    `approved`: it was recorded by approving a request (corrected with a new adjustment instead)."""
    if movement.kind != MovementKind.ADJUSTMENT or movement.reverses_id is not None or approved:
        return _("Only an adjustment you posted yourself can be undone.")
    if actor.user is None or movement.user_id != actor.user.pk:
        return _("Only the person who posted an adjustment can undo it.")
    if undone:
        return _("This adjustment has already been undone.")
    if now - movement.created_at > UNDO_WINDOW:
        return _(
            "An adjustment can be undone within %(minutes)d minutes of posting it; record a new one."
        ) % {"minutes": int(UNDO_WINDOW.total_seconds() // 60)}
    return None


@dataclass(frozen=True)
class LedgerRow:
    movement: StockMovement
    reason: str
    note: str
    reference: str
    by: str
    approved_by: str  # who approved the request this movement came from ("": none)
    undone: bool  # a later movement reverses this one
    can_undo: bool  # the reader may undo it now


def ledger_rows(movements: Iterable[StockMovement], *, actor: Actor) -> list[LedgerRow]:
    """The page's movements with their texts; two queries whatever the page's size (the undos of these
    movements, and the approved requests they came from)."""
    movements = list(movements)
    ids = [m.pk for m in movements]
    reversed_ids = set(
        StockMovement.objects.filter(reverses_id__in=ids).values_list("reverses_id", flat=True)
    )
    approvals: dict[int, Any] = {
        movement_id: (first, last, username)
        for movement_id, first, last, username in AdjustmentRequest.objects.filter(
            movement_id__in=ids
        ).values_list(
            "movement_id", "decided_by__first_name", "decided_by__last_name", "decided_by__username"
        )
    }
    now = timezone.now()
    rows = []
    for m in movements:
        approval = approvals.get(m.pk)
        approved_by = ""
        if approval is not None:
            approved_by = f"{approval[0]} {approval[1]}".strip() or approval[2]
        rows.append(
            LedgerRow(
                movement=m,
                reason=reason_label(m.reason),
                note=note_text(m),
                reference=reference_text(m.reference),
                by=actor_text(m.actor_label),
                approved_by=approved_by,
                undone=m.pk in reversed_ids,
                can_undo=undo_problem(
                    actor, m, now=now, undone=m.pk in reversed_ids, approved=approval is not None
                )
                is None,
            )
        )
    return rows

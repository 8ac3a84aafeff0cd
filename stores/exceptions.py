"""The stores app's domain errors (the contract's codes: omni.exceptions)."""

from __future__ import annotations

from omni.exceptions import Conflict, InvalidInput


class SlotFull(Conflict):
    code = "slot_full"
    title = "Slot full"
    default_detail = "This time slot is full: choose another one."


class SlotUnavailable(InvalidInput):
    default_detail = (
        "There is no such time slot: it is in the past, outside opening hours or not on the slot grid."
    )

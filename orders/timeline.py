"""The order's timeline as a person reads it, in their language: each event rendered from its `kind` and the
structured `data` written with it (a label and a sentence, dates and money in the reader's formats).

The stored `message` is the English sentence written at the time: the API returns it as it is, and a page
falls back to it for an event whose data lacks what its sentence needs (rows written before the data was)
or whose kind has no sentence here."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from omni.formatting import format_money
from orders.forms.orders import CANCEL_REASON_CHOICES
from orders.models import (
    Channel,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    ReturnCondition,
    ReturnReason,
)

__all__ = [
    "KIND_LABELS",
    "cancel_reason_label",
    "event_actor",
    "event_device",
    "event_label",
    "event_sentence",
]

KIND_LABELS: dict[str, Promise] = {
    "placed": gettext_lazy("Placed"),
    "sourced": gettext_lazy("Sourced"),
    "transfer_requested": gettext_lazy("Transfer requested"),
    "transfer_shipped": gettext_lazy("Transfer shipped"),
    "transfer_received": gettext_lazy("Transfer received"),
    "transfer_cancelled": gettext_lazy("Transfer cancelled"),
    "transfer_in_transit": gettext_lazy("Transfer in transit"),
    "promised": gettext_lazy("Promised"),
    "payment": gettext_lazy("Payment"),
    "completed": gettext_lazy("Completed"),
    "points_redeemed": gettext_lazy("Points redeemed"),
    "points_earned": gettext_lazy("Points earned"),
    "points_restored": gettext_lazy("Points given back"),
    "picked": gettext_lazy("Units picked"),
    "short_pick": gettext_lazy("Short pick"),
    "resource_failed": gettext_lazy("Units cancelled"),
    "ready_for_pickup": gettext_lazy("Ready for pickup"),
    "collected": gettext_lazy("Collected"),
    "pickup_slot": gettext_lazy("Pickup window"),
    "arrived": gettext_lazy("Customer arrived"),
    "pickup_code_rejected": gettext_lazy("Wrong pickup code"),
    "pickup_locked": gettext_lazy("Pickup locked"),
    "pickup_unlocked": gettext_lazy("Pickup unlocked"),
    "line_cancelled": gettext_lazy("Line cancelled"),
    "cancelled": gettext_lazy("Cancelled"),
    "shipment_shipped": gettext_lazy("Shipment shipped"),
    "shipped": gettext_lazy("Shipped"),
    "returned": gettext_lazy("Items returned"),
    "return_window_override": gettext_lazy("Return window overridden"),
    "return_sent_back": gettext_lazy("Sent back to the warehouse"),
    "exchanged": gettext_lazy("Exchanged"),
    "exchange": gettext_lazy("Exchange"),
    "refund_settled": gettext_lazy("Refund paid back"),
    "erased": gettext_lazy("Personal data erased"),
    "offline_sale": gettext_lazy("Sold offline"),
}

# the free-text reasons the services write for units cancelled off a line
_WHY = {"not on the shelf": gettext_lazy("not on the shelf")}


def event_label(event: OrderEvent) -> str:
    """What happened, in a word or two (never the raw kind)."""
    label = KIND_LABELS.get(event.kind)
    return str(label) if label is not None else _("Event")


def event_sentence(event: OrderEvent) -> str:
    """The event's sentence from its kind and data, or the stored message when the data cannot make it."""
    render = _SENTENCES.get(event.kind)
    if render is None:
        return event.message
    try:
        return render(event.data or {}, event)
    except (KeyError, ValueError, TypeError, InvalidOperation, AttributeError):
        return event.message


def cancel_reason_label(reason: str) -> str:
    """A cancel reason's label ("pickup_expired" -> "Not collected in time"); free text as it is."""
    return str(dict(CANCEL_REASON_CHOICES).get(reason, reason))


def event_device(event: OrderEvent) -> str:
    return _("Back office") if event.device == "back-office" else event.device


def event_actor(event: OrderEvent) -> str:
    return _("Omni (automatic)") if event.actor_label == "system" else event.actor_label


# --- formats ------------------------------------------------------------------------------------------------


def _when(value: Any) -> str:
    moment = parse_datetime(str(value))
    if moment is None:
        raise ValueError(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return str(formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT"))


def _money(value: Any, currency: Any) -> str:
    return format_money(Decimal(str(value)), str(currency))


def _n(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError(value)
    return int(value)


# --- one sentence per kind ----------------------------------------------------------------------------------


def _placed(d: dict[str, Any], e: OrderEvent) -> str:
    units = _n(d["units"])
    return ngettext(
        "Placed through %(channel)s: %(units)d unit, total %(total)s.",
        "Placed through %(channel)s: %(units)d units, total %(total)s.",
        units,
    ) % {"channel": Channel(d["channel"]).label, "units": units, "total": _money(d["total"], d["currency"])}


def _transfer_requested(d: dict[str, Any], e: OrderEvent) -> str:
    units = _n(d["units"])
    values = {"transfer": d["transfer"], "units": units, "to": d["to_location"]}
    if d.get("sku"):
        return _(
            "Transfer %(transfer)s requested: %(units)d × %(sku)s to be sent to %(to)s "
            "to make good the short pick."
        ) % {
            **values,
            "sku": d["sku"],
        }
    return (
        ngettext(
            "Transfer %(transfer)s requested: %(units)d unit held at its source, "
            "to be sent to %(to)s for pickup.",
            "Transfer %(transfer)s requested: %(units)d units held at its source, "
            "to be sent to %(to)s for pickup.",
            units,
        )
        % values
    )


def _promised(d: dict[str, Any], e: OrderEvent) -> str:
    when = _when(d["promised_ready_at"])
    if d.get("again"):
        return _("Now promised ready for pickup by %(when)s.") % {"when": when}
    if d["after_transfer"]:
        return _("Promised ready for pickup by %(when)s (after the transfer's lead time).") % {"when": when}
    return _("Promised ready for pickup by %(when)s.") % {"when": when}


def _payment(d: dict[str, Any], e: OrderEvent) -> str:
    step = d["step"]
    if step == "captured":
        return _("The authorised payment is captured.")
    method = PaymentMethod(d["method"]).label
    if step == "desk":
        return _("Paid at the desk: %(method)s, %(amount)s.") % {
            "method": method,
            "amount": _money(d["amount"], d["currency"]),
        }
    return _("Payment %(method)s: %(status)s.") % {
        "method": method,
        "status": PaymentStatus(d["status"]).label,
    }


def _points_earned(d: dict[str, Any], e: OrderEvent) -> str:
    points = _n(d["points"])
    return ngettext("%(points)d loyalty point earned.", "%(points)d loyalty points earned.", points) % {
        "points": points
    }


def _points_restored(d: dict[str, Any], e: OrderEvent) -> str:
    points = _n(d["points"])
    return ngettext(
        "%(points)d redeemed point given back.", "%(points)d redeemed points given back.", points
    ) % {"points": points}


def _points_redeemed(d: dict[str, Any], e: OrderEvent) -> str:
    points = _n(d["points"])
    return ngettext(
        "%(points)d loyalty point redeemed: %(discount)s off, shared over the lines.",
        "%(points)d loyalty points redeemed: %(discount)s off, shared over the lines.",
        points,
    ) % {"points": points, "discount": _money(d["discount"], d["currency"])}


def _transfer_received(d: dict[str, Any], e: OrderEvent) -> str:
    if "order_status" in d:
        return _(
            "Transfer %(transfer)s arrived at %(store)s after the order was %(status)s: "
            "its units stay there as stock."
        ) % {
            "transfer": d["transfer"],
            "store": d["store"],
            "status": OrderStatus(d["order_status"]).label.lower(),
        }
    units = _n(d["units"])
    text = ngettext(
        "Transfer %(transfer)s received at %(store)s: %(units)d unit now held for the order.",
        "Transfer %(transfer)s received at %(store)s: %(units)d units now held for the order.",
        units,
    ) % {"transfer": d["transfer"], "store": d["store"], "units": units}
    if d.get("short"):
        text += " " + _("It arrived short (%(short)s): resolve it with a short pick.") % {
            "short": ", ".join(str(x) for x in d["short"])
        }
    return text


def _collected(d: dict[str, Any], e: OrderEvent) -> str:
    units = _n(d["units"])
    text = ngettext(
        "Collected at %(store)s: %(units)d unit handed over.",
        "Collected at %(store)s: %(units)d units handed over.",
        units,
    ) % {"store": d["store"], "units": units}
    if d.get("waited_minutes") is not None:
        waited = _n(d["waited_minutes"])
        text += " " + ngettext(
            "The customer waited %(n)d minute after arriving.",
            "The customer waited %(n)d minutes after arriving.",
            waited,
        ) % {"n": waited}
    return text


def _pickup_slot(d: dict[str, Any], e: OrderEvent) -> str:
    start = parse_datetime(str(d["start"]))
    end = parse_datetime(str(d["end"]))
    if start is None or end is None:
        raise ValueError(d)
    values = {
        "start": _when(d["start"]),
        "end": formats.time_format(timezone.localtime(end), "TIME_FORMAT"),
    }
    if d.get("previous"):
        values["previous"] = _when(d["previous"])
        return _("Pickup window changed from %(previous)s to %(start)s-%(end)s.") % values
    return _("Pickup window chosen: %(start)s-%(end)s.") % values


def _arrived(d: dict[str, Any], e: OrderEvent) -> str:
    via_link = d.get("via") == "link"
    if d.get("note"):
        if via_link:
            return _("The customer is at the store (from the email's link): %(note)s") % {"note": d["note"]}
        return _("The customer is at the store: %(note)s") % {"note": d["note"]}
    if via_link:
        return _("The customer is at the store (from the email's link).")
    return _("The customer is at the store.")


def _pickup_locked(d: dict[str, Any], e: OrderEvent) -> str:
    attempts = _n(d["attempts"])
    return ngettext(
        "Pickup locked after %(attempts)d wrong code: a store manager or HQ must unlock it.",
        "Pickup locked after %(attempts)d wrong codes: a store manager or HQ must unlock it.",
        attempts,
    ) % {"attempts": attempts}


def _pickup_unlocked(d: dict[str, Any], e: OrderEvent) -> str:
    attempts = _n(d["attempts"])
    return ngettext(
        "Pickup unlocked by %(by)s after %(attempts)d wrong code: %(reason)s",
        "Pickup unlocked by %(by)s after %(attempts)d wrong codes: %(reason)s",
        attempts,
    ) % {"by": event_actor(e), "attempts": attempts, "reason": d["reason"]}


def _ready(d: dict[str, Any], e: OrderEvent) -> str:
    text = _("Ready for pickup at %(store)s, held until %(when)s.") % {
        "store": d["store"],
        "when": _when(d["expires_at"]),
    }
    confirmed = _n(d["confirmed"])
    if confirmed:
        text += " " + ngettext(
            "%(n)d unit not scanned was confirmed picked.",
            "%(n)d units not scanned were confirmed picked.",
            confirmed,
        ) % {"n": confirmed}
    return text


def _picked(d: dict[str, Any], e: OrderEvent) -> str:
    of = d["of"]
    lines = ", ".join(f"{sku} {_n(picked)}/{_n(of[sku])}" for sku, picked in d["picked"].items())
    return _("Picked: %(lines)s.") % {"lines": lines}


def _short_pick(d: dict[str, Any], e: OrderEvent) -> str:
    text = _("Short pick: %(missing)d × %(sku)s missing.") % {"missing": _n(d["missing"]), "sku": d["sku"]}
    written_off, never = _n(d["written_off"]), _n(d["never_arrived"])
    if written_off:
        text += " " + _("%(n)d written off at %(store)s (stock adjustment, shrinkage).") % {
            "n": written_off,
            "store": d["store"],
        }
    if never:
        text += " " + _("%(n)d never reached the store.") % {"n": never}
    return text


def _resource_failed(d: dict[str, Any], e: OrderEvent) -> str:
    return _("No other location can send %(units)d × %(sku)s: they are cancelled.") % {
        "units": _n(d["units"]),
        "sku": d["sku"],
    }


def _line_cancelled(d: dict[str, Any], e: OrderEvent) -> str:
    currency = d["currency"]
    why = _WHY.get(d["why"], d["why"])
    text = _("%(units)d × %(sku)s cancelled (%(why)s): %(cost)s off, total %(total)s.") % {
        "units": _n(d["units"]),
        "sku": d["sku"],
        "why": why,
        "cost": _money(d["cost"], currency),
        "total": _money(d["total"], currency),
    }
    if Decimal(str(d["refund_due"])) > 0:
        text += " " + _("Refund due on the captured payment: %(amount)s.") % {
            "amount": _money(d["refund_due"], currency)
        }
    return text


def _cancelled(d: dict[str, Any], e: OrderEvent) -> str:
    released = _n(d["released"])
    text = ngettext(
        "Cancelled (%(reason)s): %(released)d reserved unit released.",
        "Cancelled (%(reason)s): %(released)d reserved units released.",
        released,
    ) % {"reason": cancel_reason_label(d["reason"]).lower(), "released": released}
    if d["refunded"]:
        text += " " + _("The payment is refunded.")
    return text


def _shipment_shipped(d: dict[str, Any], e: OrderEvent) -> str:
    values = {"location": d["location"], "carrier": d["carrier"], "tracking": d["tracking"]}
    if values["carrier"] and values["tracking"]:
        return _("Shipped from %(location)s with %(carrier)s, tracking %(tracking)s.") % values
    if values["carrier"]:
        return _("Shipped from %(location)s with %(carrier)s.") % values
    if values["tracking"]:
        return _("Shipped from %(location)s, tracking %(tracking)s.") % values
    return _("Shipped from %(location)s.") % values


def _returned(d: dict[str, Any], e: OrderEvent) -> str:
    lines = ", ".join(
        _("%(quantity)d × %(sku)s (%(condition)s, %(reason)s)")
        % {
            "quantity": _n(x["quantity"]),
            "sku": x["sku"],
            "condition": str(ReturnCondition(x["condition"]).label).lower(),
            "reason": str(ReturnReason(x["reason"]).label).lower(),
        }
        for x in d["lines"]
    )
    return _("Return %(number)s at %(location)s: %(lines)s; refund %(refund)s.") % {
        "number": d["return_number"],
        "location": d["location"],
        "lines": lines,
        "refund": _money(d["refund"], d["currency"]),
    }


def _window_override(d: dict[str, Any], e: OrderEvent) -> str:
    days = _n(d["days"])
    return ngettext(
        "Return %(number)s accepted after the %(days)d-day window closed: %(reason)s",
        "Return %(number)s accepted after the %(days)d-day window closed: %(reason)s",
        days,
    ) % {"number": d["return_number"], "days": days, "reason": d["reason"]}


def _sent_back(d: dict[str, Any], e: OrderEvent) -> str:
    return _("Return %(number)s: transfer %(transfer)s sends the resellable units to %(to)s.") % {
        "number": d["return_number"],
        "transfer": d["transfer"],
        "to": d["send_to"],
    }


def _exchanged(d: dict[str, Any], e: OrderEvent) -> str:
    return _("Return %(number)s exchanged for order %(order)s: %(credit)s credited, %(charged)s charged.") % {
        "number": d["return_number"],
        "order": d["exchange_order"],
        "credit": _money(d["credit"], d["currency"]),
        "charged": _money(d["charged"], d["currency"]),
    }


def _exchange(d: dict[str, Any], e: OrderEvent) -> str:
    return _(
        "Exchange for return %(number)s of order %(order)s: %(credit)s paid by the return, "
        "%(charged)s charged."
    ) % {
        "number": d["return_number"],
        "order": d["original_order"],
        "credit": _money(d["credit"], d["currency"]),
        "charged": _money(d["charged"], d["currency"]),
    }


def _refund_settled(d: dict[str, Any], e: OrderEvent) -> str:
    values = {
        "number": d["return_number"],
        "amount": _money(d["amount"], d["currency"]),
        "method": PaymentMethod(d["method"]).label,
        "reference": d["reference"],
    }
    if values["reference"]:
        return (
            _("Refund of return %(number)s paid back: %(amount)s by %(method)s, reference %(reference)s.")
            % values
        )
    return _("Refund of return %(number)s paid back: %(amount)s by %(method)s.") % values


def _offline_sale(d: dict[str, Any], e: OrderEvent) -> str:
    """A sale a tablet made offline, synced later; the lines sold at a price other than the catalog's."""
    text = _("Sold offline at the counter on %(when)s, synced on %(synced)s from tablet %(device)s.") % {
        "device": d["device"],
        "when": _when(d["happened_at"]),
        "synced": _when(d["synced_at"]),
    }
    currency = d["currency"]
    for change in d.get("price_changes") or []:
        text += " " + _("%(sku)s paid %(paid)s (catalog price at sync: %(catalog)s).") % {
            "sku": change["sku"],
            "paid": _money(change["paid"], currency),
            "catalog": _money(change["catalog"], currency),
        }
    return text


def _fixed(text: Promise) -> Callable[[dict[str, Any], OrderEvent], str]:
    return lambda d, e: str(text)


_SENTENCES: dict[str, Callable[[dict[str, Any], OrderEvent], str]] = {
    "placed": _placed,
    "transfer_requested": _transfer_requested,
    "transfer_shipped": lambda d, e: (
        _("Transfer %(transfer)s left %(from)s for %(to)s.")
        % {"transfer": d["transfer"], "from": d["from_location"], "to": d["to_location"]}
    ),
    "transfer_received": _transfer_received,
    "transfer_cancelled": lambda d, e: (
        _("Transfer %(transfer)s cancelled: its units stay at %(from)s.")
        % {"transfer": d["transfer"], "from": d["from_location"]}
    ),
    "transfer_in_transit": lambda d, e: (
        _("Transfer %(transfer)s is already on its way: its units will stay at %(to)s as stock.")
        % {"transfer": d["transfer"], "to": d["to_location"]}
    ),
    "promised": _promised,
    "payment": _payment,
    "completed": lambda d, e: _("Carried out at %(location)s.") % {"location": d["location"]},
    "points_redeemed": _points_redeemed,
    "points_earned": _points_earned,
    "points_restored": _points_restored,
    "picked": _picked,
    "short_pick": _short_pick,
    "resource_failed": _resource_failed,
    "ready_for_pickup": _ready,
    "collected": _collected,
    "pickup_slot": _pickup_slot,
    "arrived": _arrived,
    "pickup_code_rejected": lambda d, e: (
        _("Wrong pickup code (%(attempts)d of %(max)d).")
        % {"attempts": _n(d["attempts"]), "max": _n(d["max_attempts"])}
    ),
    "pickup_locked": _pickup_locked,
    "pickup_unlocked": _pickup_unlocked,
    "line_cancelled": _line_cancelled,
    "cancelled": _cancelled,
    "shipment_shipped": _shipment_shipped,
    "shipped": _fixed(gettext_lazy("Every shipment has left: the order is shipped.")),
    "returned": _returned,
    "return_window_override": _window_override,
    "return_sent_back": _sent_back,
    "exchanged": _exchanged,
    "exchange": _exchange,
    "refund_settled": _refund_settled,
    "erased": _fixed(gettext_lazy("The customer's personal data was erased at their request.")),
    "offline_sale": _offline_sale,
}

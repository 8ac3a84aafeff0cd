"""The dashboard's orders panels: today's orders and what waits to be shipped, and the click-and-collect work
(to prepare, ready, late), at the current location (or across the network for HQ)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.actors import Actor
from omni.dashboard import Figure, Panel
from omni.formatting import format_money
from orders.models import FulfilmentType, OrderStatus, Shipment, ShipmentStatus
from orders.selectors import orders_for, pickup_queue
from stores.selectors import active_network_locations, cached_locations


def orders_panel(request: HttpRequest, location: Any) -> Panel | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if location is None and not user.sees_all_locations:
        return None
    actor = Actor.for_user(user)
    orders = orders_for(actor)
    if location is not None:
        orders = orders.filter(Q(location=location) | Q(taken_at=location) | Q(shipments__location=location))
    today = timezone.localdate()
    figures = orders.aggregate(
        today=Count("pk", filter=Q(created_at__date=today), distinct=True),
        open=Count(
            "pk", filter=Q(status__in=[OrderStatus.PLACED, OrderStatus.READY_FOR_PICKUP]), distinct=True
        ),
    )
    shipments = Shipment.objects.filter(
        status=ShipmentStatus.PENDING,
        order__status=OrderStatus.PLACED,
        order__fulfilment_type=FulfilmentType.DELIVERY,
    )
    if location is not None:
        shipments = shipments.filter(location=location)
    to_ship = shipments.count()
    sales = (
        orders.filter(created_at__date=today, status=OrderStatus.COMPLETED, channel="store").aggregate(
            total=Sum("total")
        )["total"]
        if location is not None
        else None
    )
    listing = reverse("orders:list")
    picking = reverse("orders:picking")
    title = _("Orders at %(name)s") % {"name": location.name} if location is not None else _("Network orders")
    result = [
        Figure(_("Orders today"), figures["today"], listing),
        Figure(_("Open orders"), figures["open"], f"{listing}?status=placed"),
        Figure(
            _("Shipments to pick"),
            to_ship,
            picking if location is not None else None,
            tone="warn" if to_ship else "",
        ),
    ]
    if sales is not None:
        result.append(Figure(_("Till sales today"), format_money(sales or 0, settings.OMNI_CURRENCY)))
    links = [(_("Orders"), listing), (_("Ship from store"), picking)]
    if location is not None and location.kind == "store":
        links.append((_("Sell at the counter"), reverse("orders:counter")))
    return Panel(title=title, order=15, figures=result, links=links)


def _pickup_work(actor: Actor, locations: list[Any]) -> tuple[int, int, int, int]:
    """(to prepare, ready, late, arrived and waiting) over the pickup queues of `locations`, in one query:
    the queue's own selector decides what is late."""
    fields = ("status", "is_late", "arrived_at")  # is_late: annotated by the selector
    queues = [pickup_queue(actor, loc).order_by().values_list(*fields) for loc in locations]
    if not queues:
        return 0, 0, 0, 0
    rows = list(queues[0].union(*queues[1:], all=True)) if len(queues) > 1 else list(queues[0])
    prepare = sum(1 for status, _late, _at in rows if status == OrderStatus.PLACED)
    ready = sum(1 for status, _late, _at in rows if status == OrderStatus.READY_FOR_PICKUP)
    late = sum(1 for _status, is_late, _at in rows if is_late)
    return prepare, ready, late, sum(1 for _status, _late, at in rows if at is not None)


def pickup_panel(request: HttpRequest, location: Any) -> Panel | None:
    """The click-and-collect work of a store that offers it (or of every such store, for HQ): orders to
    prepare, ready for their customer, and late (promised time passed, not ready), each linked to the
    pickup queue showing just those."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    actor = Actor.for_user(user)
    if location is not None:
        if not location.click_and_collect or not actor.can_act_at(location.pk):
            return None
        places = [location]
    elif user.sees_all_locations:
        ids = {loc.id for loc in active_network_locations().values() if loc.click_and_collect}
        places = list(cached_locations(ids).values())
    else:
        return None
    prepare, ready, late, arrived = _pickup_work(actor, places)
    queue = reverse("orders:pickup-queue") if location is not None else None
    title = (
        _("Click and collect at %(name)s") % {"name": location.name} if location else _("Click and collect")
    )
    return Panel(
        title=title,
        order=16,
        figures=[
            Figure(
                _("To prepare"),
                prepare,
                f"{queue}?show=prepare" if queue else None,
                tone="warn" if prepare else "",
            ),
            Figure(
                _("Ready for pickup"),
                ready,
                f"{queue}?show=ready" if queue else None,
                tone="good" if ready else "",
            ),
            Figure(_("Late"), late, f"{queue}?show=late" if queue else None, tone="bad" if late else ""),
        ]
        + (  # customers at the store, shown while there are some
            [Figure(_("Arrived, waiting"), arrived, f"{queue}?show=arrived" if queue else None, tone="warn")]
            if arrived
            else []
        ),
        links=[
            (_("Pickup queue"), reverse("orders:pickup-queue")),
            (_("Pickup desk"), reverse("orders:pickup-desk")),
        ]
        if location is not None
        else [],
    )

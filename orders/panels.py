"""The dashboard's orders panel: today's orders and what waits to be shipped, at the current location (or
across the network for HQ)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, Sum
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from omni.actors import Actor
from omni.dashboard import Figure, Panel
from orders.models import FulfilmentType, OrderStatus, Shipment, ShipmentStatus
from orders.selectors import orders_for


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
        result.append(Figure(_("Till sales today"), sales or 0))
    links = [(_("Orders"), listing), (_("Ship from store"), picking)]
    if location is not None and location.kind == "store":
        links.append((_("Sell at the counter"), reverse("orders:counter")))
    return Panel(title=title, order=15, figures=result, links=links)

"""The dashboard's stock figures for one location (or the whole network), in three queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

from inventory.models import LowStockAlert, StockLevel, Transfer, TransferStatus
from inventory.selectors.stock import AVAILABLE


@dataclass(frozen=True)
class StockFigures:
    units_on_hand: int
    units_reserved: int
    skus_in_stock: int
    skus_out_of_stock: int
    skus_below_reorder: int
    open_alerts: int
    incoming_transfers: int
    outgoing_transfers: int


def stock_figures(location_id: int | None) -> StockFigures:
    levels = StockLevel.objects.all()
    alerts = LowStockAlert.objects.filter(cleared_at__isnull=True)
    if location_id is not None:
        levels = levels.filter(location_id=location_id)
        alerts = alerts.filter(location_id=location_id)
    totals = levels.annotate(available_qty=AVAILABLE).aggregate(
        units_on_hand=Sum("on_hand", default=0),
        units_reserved=Sum("reserved", default=0),
        skus_in_stock=Count("id", filter=Q(available_qty__gt=0)),
        skus_out_of_stock=Count("id", filter=Q(available_qty=0)),
        skus_below_reorder=Count("id", filter=Q(reorder_point__gt=0, available_qty__lt=F("reorder_point"))),
    )
    active = [TransferStatus.REQUESTED, TransferStatus.SHIPPED]
    transfers = Transfer.objects.filter(status__in=active)
    if location_id is not None:
        moving = transfers.aggregate(
            incoming=Count("id", filter=Q(to_location_id=location_id, status=TransferStatus.SHIPPED)),
            outgoing=Count("id", filter=Q(from_location_id=location_id)),
        )
    else:
        moving = transfers.aggregate(
            incoming=Count("id", filter=Q(status=TransferStatus.SHIPPED)),
            outgoing=Count("id", filter=Q(status=TransferStatus.REQUESTED)),
        )
    return StockFigures(
        open_alerts=alerts.count(),
        incoming_transfers=moving["incoming"],
        outgoing_transfers=moving["outgoing"],
        **totals,
    )

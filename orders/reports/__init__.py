"""The channel reports of the orders app (sales by channel, click-and-collect, returns) and the shared
"channel" filter field. Registered in OrdersConfig.ready; omni/reports runs, sorts, pages, charts and exports
them. Each report is one SELECT with %s parameters whose aliases are its column keys.

Definitions shared with the dashboard (orders.selectors.pickup_figures and returns_figures): a pickup is a
no-show when the order was cancelled by the expiry job (cancel_reason "pickup_expired"); the pickup and
no-show rates are over the orders made ready; returns count on the day they were received, at the location
that received them, under the original order's channel."""

from __future__ import annotations

from omni.reports.base import register_filter, register_report
from orders.reports.common import channel_filter
from orders.reports.pickup import ClickAndCollect
from orders.reports.returns import Returns
from orders.reports.sales import SalesByChannel
from orders.reports.segments import SegmentSizes
from orders.reports.slots import ArrivalToHandover, SlotUtilisation

__all__ = [
    "ArrivalToHandover",
    "ClickAndCollect",
    "Returns",
    "SalesByChannel",
    "SegmentSizes",
    "SlotUtilisation",
    "channel_filter",
    "register",
]

sales_by_channel = SalesByChannel()
click_and_collect = ClickAndCollect()
returns_report = Returns()
segment_sizes = SegmentSizes()
slot_utilisation = SlotUtilisation()
arrival_to_handover = ArrivalToHandover()


def register() -> None:
    register_filter(channel_filter)
    for report in (
        sales_by_channel,
        click_and_collect,
        returns_report,
        segment_sizes,
        slot_utilisation,
        arrival_to_handover,
    ):
        register_report(report)

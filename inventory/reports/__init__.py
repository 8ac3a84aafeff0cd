"""The inventory's managers' reports (stock position, exceptions, ageing, shrinkage, transfers in transit,
count variances) and the "category" and "brand" filters, registered with the platform in
InventoryConfig.ready (omni/reports renders, sorts, charts and exports them without importing inventory)."""

from __future__ import annotations

from inventory.reports.filters import brand_filter, category_filter
from inventory.reports.movements import CountVariancesReport, ShrinkageReport, TransfersInTransitReport
from inventory.reports.stock import (
    StockAgeingReport,
    StockAgeingSummaryReport,
    StockExceptionsReport,
    StockPositionReport,
)

REPORTS = (
    StockPositionReport,
    StockExceptionsReport,
    StockAgeingSummaryReport,
    StockAgeingReport,
    ShrinkageReport,
    TransfersInTransitReport,
    CountVariancesReport,
)


def register() -> None:
    from omni.reports.base import register_filter, register_report

    register_filter(category_filter)
    register_filter(brand_filter)
    for report in REPORTS:
        register_report(report())

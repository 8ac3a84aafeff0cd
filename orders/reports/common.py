"""What the channel reports share: the "channel" filter field, the date window, the product filter, SQL
helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omni.db_router import report_connection
from omni.reports.base import (
    FilterField,
    ReportFilters,
)
from omni.reports.sql import Where
from orders.models import Channel

if TYPE_CHECKING:
    from omni.actors import Actor

EXPIRED = "pickup_expired"  # orders.services.pickup.expire_pickups cancels with this reason: a no-show


# --- The "channel" filter -------------------------------------------------------------------------------


def _channel_field(actor: Actor) -> forms.Field:
    return forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *Channel.choices],
    )


channel_filter = FilterField(name="channel", build=_channel_field, value=lambda v: v or None, order=40)


# --- SQL helpers ------------------------------------------------------------------------------------------


def window(filters: ReportFilters, days: int) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the chosen days, or the last `days` days ending today when none were chosen."""
    from zoneinfo import ZoneInfo

    start, end = filters.start, filters.end
    if start is None or end is None:
        today = timezone.localdate()
        tz = ZoneInfo(filters.tz)
        start = start or dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time.min, tzinfo=tz)
        end = end or dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def product_filter(filters: ReportFilters, variant_expr: str, where: Where) -> str:
    """The joins (and conditions added to `where`) that keep lines whose variant's product is in the chosen
    categories / of the chosen brand; "" when neither is chosen."""
    if filters.category_ids is None and filters.brand_id is None:
        return ""
    if filters.category_ids is not None:
        where.add("p.category_id = ANY(%s)", list(filters.category_ids))
    if filters.brand_id is not None:
        where.add("p.brand_id = %s", filters.brand_id)
    return (
        f" JOIN inventory_variant v ON v.id = {variant_expr} JOIN inventory_product p ON p.id = v.product_id"
    )


def one_row(sql: str, params: Sequence[Any]) -> dict[str, Any]:
    """The first row of `sql` as a dict, on the reports' database (the read replica when there is one)."""
    with report_connection().cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
        names = [c.name for c in cursor.description]
    return dict(zip(names, row, strict=True)) if row else {}


def ratio(part: Any, whole: Any) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) / Decimal(whole)).quantize(Decimal("0.0001"))

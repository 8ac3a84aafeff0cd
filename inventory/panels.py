"""The dashboard's panels of inventory: stock figures for the current location (or the network for HQ), and
the catalog's figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from inventory import selectors
from inventory.selectors.figures import stock_figures
from omni.dashboard import Figure, Panel


def stock_panel(request: HttpRequest, location: Any) -> Panel | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if location is None and not user.sees_all_locations:
        return None
    f = stock_figures(location.pk if location is not None else None)
    stock = reverse("inventory:stock-list")
    transfers = reverse("inventory:transfer-list")
    title = _("Stock at %(name)s") % {"name": location.name} if location is not None else _("Network stock")
    return Panel(
        title=title,
        order=10,
        figures=[
            Figure(_("Units on hand"), number_format(f.units_on_hand, force_grouping=True)),
            Figure(_("Units reserved"), number_format(f.units_reserved, force_grouping=True)),
            Figure(_("SKUs in stock"), number_format(f.skus_in_stock, force_grouping=True), tone="good"),
            Figure(
                _("SKUs out of stock"),
                number_format(f.skus_out_of_stock, force_grouping=True),
                url=f"{stock}?out_of_stock=on" if location is not None else None,
                tone="bad" if f.skus_out_of_stock else "",
            ),
            Figure(
                _("Below reorder point"),
                number_format(f.skus_below_reorder, force_grouping=True),
                url=f"{stock}?below_safety=on" if location is not None else None,
                tone="warn" if f.skus_below_reorder else "",
            ),
            Figure(_("Open low-stock alerts"), f.open_alerts, tone="warn" if f.open_alerts else ""),
            Figure(_("Transfers arriving"), f.incoming_transfers, url=transfers),
            Figure(_("Transfers to ship"), f.outgoing_transfers, url=transfers),
        ],
        links=[
            (_("Find stock in the network"), reverse("inventory:stock-lookup")),
            (_("Record a receipt or adjustment"), reverse("inventory:stock-movement-new")),
            (_("Counts"), reverse("inventory:count-list")),
            (_("Transfers"), transfers),
        ],
    )


def catalog_panel(request: HttpRequest, location: Any) -> Panel | None:
    """The dashboard's catalog figures (the catalog is the same at every location)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    figures = selectors.catalog_figures()
    url = reverse("inventory:catalog")
    return Panel(
        title=_("Catalog"),
        order=20,
        figures=[
            Figure(_("Products on sale"), figures.active_products, url),
            Figure(_("SKUs on sale"), figures.active_skus, url),
            Figure(_("Categories"), figures.categories),
            Figure(_("Brands"), figures.brands),
        ],
        links=[(_("Search the catalog"), url)],
    )


def adjustment_approvals_panel(request: HttpRequest, location: Any) -> Panel | None:
    """For managers: how many stock adjustments wait for their approval, with the way to the queue."""
    from inventory.selectors.approvals import pending_adjustment_count
    from omni.actors import Actor

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    actor = Actor.for_user(user)
    if not actor.is_manager or (location is not None and not actor.can_act_at(location.pk)):
        return None
    pending = pending_adjustment_count(actor, location_id=location.pk if location is not None else None)
    queue = reverse("inventory:stock-adjustments")
    url = f"{queue}?location={location.pk}" if location is not None else queue
    return Panel(
        title=_("Adjustments to approve"),
        order=12,
        figures=[Figure(_("Waiting for approval"), pending, url=url, tone="warn" if pending else "good")],
        links=[(_("Approval queue"), url)],
    )

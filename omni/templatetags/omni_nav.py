"""The back-office's main navigation as data, so the menu lists its entries and the top bar names the
current one ("Menu · Stock") from one place. Entries name URLs only (the platform imports no app)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()

Match = Callable[[str, str], bool]  # (namespace, url_name) -> is this entry the current page's section


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    testid: str
    current: bool


def _in(ns: str, *names: str) -> Match:
    return lambda n, name: n == ns and name in names


def _prefix(ns: str, prefix: str) -> Match:
    return lambda n, name: n == ns and name.startswith(prefix)


def _orders_list(ns: str, name: str) -> bool:
    return ns == "orders" and name != "counter" and not name.startswith(("pickup-", "return", "segment-"))


def _pickup_queue(ns: str, name: str) -> bool:
    return ns == "orders" and name.startswith("pickup-") and name not in ("pickup-desk", "pickup-handover")


def _never(ns: str, name: str) -> bool:
    return False


def _entries(user: Any, here: Any) -> list[tuple[str, str, str, Match]]:
    """(label, url name, data-testid, match) of the entries this user sees at this location."""
    sees_all = bool(getattr(user, "sees_all_locations", False))
    manager = bool(getattr(user, "is_manager", False))
    items: list[tuple[str, str, str, Match]] = [
        (_("Dashboard"), "dashboard", "nav-dashboard", _in("", "dashboard")),
        (_("Catalog"), "inventory:catalog", "nav-catalog", _in("inventory", "catalog", "sku-detail")),
        (_("Stock"), "inventory:stock-list", "nav-stock", _prefix("inventory", "stock-")),
        (_("Transfers"), "inventory:transfer-list", "nav-transfers", _prefix("inventory", "transfer-")),
        (_("Counts"), "inventory:count-list", "nav-counts", _prefix("inventory", "count-")),
        (_("Orders"), "orders:list", "nav-orders", _orders_list),
        (_("Sell"), "orders:counter", "nav-sell", _in("orders", "counter")),
    ]
    if sees_all or getattr(here, "kind", "") == "store":  # the tablet's pages: they work offline too
        tablet = _in("offline", "till", "count", "damage")
        items.append((_("Store tablet"), "offline:till", "nav-tablet", tablet))
    if sees_all or getattr(here, "click_and_collect", False):
        items += [
            (_("Pickup queue"), "orders:pickup-queue", "nav-pickup-queue", _pickup_queue),
            (
                _("Pickup desk"),
                "orders:pickup-desk",
                "nav-pickup-desk",
                _in("orders", "pickup-desk", "pickup-handover"),
            ),
        ]
    if sees_all or getattr(here, "accepts_returns", False):
        items.append((_("Returns"), "orders:returns-desk", "nav-returns", _prefix("orders", "return")))
    if sees_all or getattr(here, "kind", "") == "store":
        agenda = _prefix("appointments", "")
        items.append((_("Appointments"), "appointments:agenda", "nav-appointments", agenda))
    items += [
        (_("Loyalty"), "loyalty:lookup", "nav-loyalty", lambda n, name: n == "loyalty"),
        (_("Locations"), "stores:list", "nav-locations", lambda n, name: n == "stores"),
    ]
    if manager:
        items += [
            (_("Reports"), "reports:index", "nav-reports", lambda n, name: n == "reports"),
            (_("Follow-ups"), "feedback:follow-up-list", "nav-follow-ups", _prefix("feedback", "follow-up")),
            (_("Segments"), "orders:segment-list", "nav-segments", _prefix("orders", "segment-")),
            (_("Tablets"), "offline:devices", "nav-tablets", _in("offline", "devices")),
            (_("API"), "api-docs", "nav-api", _never),
        ]
    if getattr(user, "is_superuser", False) or getattr(user, "role", "") == "admin":
        items.append((_("Admin"), "admin:index", "nav-admin", lambda n, name: n == "admin"))
    return items


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> list[NavItem]:
    """The entries of the main menu for the signed-in user, the current page's section marked."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    ns, name = (match.namespace or "", match.url_name or "") if match is not None else ("", "")
    return [
        NavItem(label, reverse(url), testid, is_current(ns, name))
        for label, url, testid, is_current in _entries(context.get("user"), context.get("current_location"))
    ]


@register.filter
def current_item(items: list[NavItem]) -> NavItem | None:
    return next((item for item in items if item.current), None)

"""The customer's "I'm here" page, reached from the ready email's signed link (orders.services.slots): no
login (the link is the key), CSRF on, works without JavaScript. GET shows the order's store and window and
a button with an optional note (a bay, a car); POST marks the arrival. A tampered or unknown link: 404; a
link past its pickup hold, or an order no longer waiting: a page that says so."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from omni.exceptions import InvalidTransition
from orders.models import Order
from orders.services.slots import OPEN_PICKUP, arrive_by_link, read_arrival_token

NOTE_MAX = 200


def _page(request: HttpRequest, kind: str, order: Order | None = None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "orders/arrival.html",
        {"kind": kind, "order": order, "note_max": NOTE_MAX},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def arrival(request: HttpRequest, token: str) -> HttpResponse:
    order, state = read_arrival_token(token)
    if state == "invalid" or order is None:
        return _page(request, "invalid", status=404)
    if state == "expired":
        return _page(request, "expired", order, status=410)
    if order.status not in OPEN_PICKUP:
        return _page(request, "closed", order)
    if request.method == "POST":
        note = request.POST.get("note", "")[:NOTE_MAX]
        try:
            arrived = arrive_by_link(token=token, note=note)
        except InvalidTransition:
            return _page(request, "closed", order)
        if arrived is None:
            return _page(request, "expired", order, status=410)
        return _page(request, "thanks", arrived)
    return _page(request, "arrived" if order.arrived_at else "form", order)

"""What the stock pages share: the page of a list, the location a page is about, refusing a write at
another location at once, and running one service call with its error shown on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from inventory import selectors
from omni.actors import Actor
from omni.exceptions import DomainError
from omni.pages import show_on_form

PAGE_SIZE = 50

T = TypeVar("T")


def page_of(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> tuple[Any, str]:
    """A page of `items` and the query string (without `page`) its links keep."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(items, size).get_page(request.GET.get("page")), params.urlencode()


def chosen_location(request: HttpRequest, actor: Actor) -> Any:
    """The location a page is about: `?location=<id>` when given (403 if the user may not act there),
    else the current one (None: HQ looking at the whole network)."""
    raw = request.GET.get("location", "")
    if not raw:
        return getattr(request, "current_location", None)
    try:
        location_id = int(raw)
    except ValueError as exc:
        raise Http404(_("No such location.")) from exc
    if not actor.can_act_at(location_id):
        raise PermissionDenied(_("You may only see stock of your own locations."))
    location = selectors.visible_locations(actor).filter(pk=location_id).first()
    if location is None:
        raise Http404(_("No such location."))
    return location


def forbid_posted_location(actor: Actor, *values: str | None) -> None:
    """A write names its location in the form: answer 403 at once when the user may act at none of them
    (a location that does not exist is left to the form's own error)."""
    ids = []
    for value in values:
        try:
            ids.append(int(value or ""))
        except ValueError:
            return
    if ids and not any(actor.can_act_at(i) for i in ids) and selectors.any_location_exists(ids):
        raise PermissionDenied(_("You may only act at your own locations."))


def write(form: forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run one service call; a domain error is shown on the form (None returned), a refusal is a 403."""
    try:
        return call()
    except DomainError as exc:
        show_on_form(form, exc)
        return None


def url_with_query(name: str, *args: Any, **query: Any) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url

"""Staff pages of the catalog (the search, a SKU's detail) and of stock: the network lookup, a location's
levels and a SKU's ledger, movements, counts and transfers. They parse input with inventory.forms, read
through the selectors and write through the services; a domain error is shown on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inventory import selectors, services
from inventory.exceptions import CatalogInvalid, SkuNotFound
from inventory.forms import (
    CatalogSearchForm,
    CountEntryForm,
    CountPostForm,
    CountStartForm,
    MovementForm,
    ReceiveTransferForm,
    ShipTransferForm,
    StockListForm,
    StockLookupForm,
    TransferForm,
    TransferLineFormSet,
    VariantPriceForm,
)
from inventory.models import CountStatus, StockCount, Transfer, TransferStatus
from inventory.selectors import pages
from inventory.services.alerts import open_alerts
from omni.actors import Actor
from omni.dashboard import Figure, Panel
from omni.exceptions import DomainError, Forbidden

PAGE_SIZE = 50


def _can_change_prices(user: Any) -> bool:
    """Prices are set by HQ: HQ managers and administrators."""
    return bool(user.sees_all_locations)


@login_required
def catalog(request: HttpRequest) -> HttpResponse:
    form = CatalogSearchForm(request.GET)
    query = ""
    variants = selectors.variant_list().none()
    if form.is_valid():
        query = selectors.normalise_query(form.cleaned_data["q"])
        if query and selectors.scanned_gtin14(query):
            scanned = selectors.variant_by_gtin(query)
            if scanned is not None:
                return redirect("inventory:sku-detail", sku=scanned.sku)
            messages.warning(request, _("No SKU has the barcode %(gtin)s.") % {"gtin": query})
        variants = selectors.search_variants(
            query,
            category=form.cleaned_data["category"] or None,
            brand=form.cleaned_data["brand"] or None,
            active=None if form.cleaned_data["inactive"] else True,
        )
    page = Paginator(variants, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "inventory/catalog.html",
        {
            "form": form,
            "query": query,
            "page": page,
            "querystring": params.urlencode(),
            "currency": settings.OMNI_CURRENCY,
        },
    )


@login_required
def sku_detail(request: HttpRequest, sku: str) -> HttpResponse:
    variant = selectors.variant_by_sku(sku)
    if variant is None:
        raise Http404(_("No SKU %(sku)s in the catalog.") % {"sku": sku})
    can_change = _can_change_prices(request.user)
    price_form = (
        VariantPriceForm(
            initial={"price": variant.price, "cost_price": variant.cost_price, "active": variant.active}
        )
        if can_change
        else None
    )
    return render(
        request,
        "inventory/sku_detail.html",
        {
            "variant": variant,
            "product": variant.product,
            "siblings": selectors.sibling_variants(variant),
            "show_cost": request.user.is_manager,  # type: ignore[union-attr]
            "price_form": price_form,
            "currency": settings.OMNI_CURRENCY,
        },
    )


@login_required
@require_POST
def sku_update(request: HttpRequest, sku: str) -> HttpResponse:
    if not _can_change_prices(request.user):
        return HttpResponseForbidden(_("Only HQ may change prices."))
    form = VariantPriceForm(request.POST)
    if form.is_valid():
        try:
            services.update_variant(
                sku=sku,
                price=form.cleaned_data["price"],
                cost_price=form.cleaned_data["cost_price"],
                active=form.cleaned_data["active"],
                actor=Actor.for_user(request.user),  # type: ignore[arg-type]
            )
        except SkuNotFound as exc:
            raise Http404(str(exc)) from exc
        except CatalogInvalid as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("SKU %(sku)s saved.") % {"sku": sku})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("inventory:sku-detail", sku=sku)


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


# --- Stock pages: shared helpers -------------------------------------------------------------------

T = TypeVar("T")


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)  # type: ignore[arg-type]


def _page(request: HttpRequest, items: Any, size: int = PAGE_SIZE) -> tuple[Any, str]:
    """A page of `items` and the query string (without `page`) its links keep."""
    params = request.GET.copy()
    params.pop("page", None)
    return Paginator(items, size).get_page(request.GET.get("page")), params.urlencode()


def _chosen_location(request: HttpRequest, actor: Actor) -> Any:
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
    location = pages.visible_locations(actor).filter(pk=location_id).first()
    if location is None:
        raise Http404(_("No such location."))
    return location


def _forbid_posted_location(actor: Actor, *values: str | None) -> None:
    """A write names its location in the form: answer 403 at once when the user may act at none of them
    (a location that does not exist is left to the form's own error)."""
    ids = []
    for value in values:
        try:
            ids.append(int(value or ""))
        except ValueError:
            return
    if ids and not any(actor.can_act_at(i) for i in ids):
        from stores.models import Location

        if Location.objects.filter(pk__in=ids).exists():
            raise PermissionDenied(_("You may only act at your own locations."))


def _show_error(form: forms.BaseForm, exc: DomainError) -> None:
    """A domain error on the form: on the field it names when the form has it, else on the whole form."""
    for key in exc.errors or {}:
        field = str(key).split(".")[-1]
        if field in form.fields:
            form.add_error(field, exc.detail)
            return
    form.add_error(None, exc.detail)


def _write(form: forms.BaseForm, write: Callable[[], T]) -> T | None:
    """Run one service call; a refusal is a 403, any other domain error a form error (None returned)."""
    try:
        return write()
    except Forbidden as exc:
        raise PermissionDenied(exc.detail) from exc
    except DomainError as exc:
        _show_error(form, exc)
        return None


def _url(name: str, *args: Any, **query: Any) -> str:
    url = reverse(name, args=args)
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# --- 1. Network stock lookup ------------------------------------------------------------------------


@login_required
def stock_lookup(request: HttpRequest) -> HttpResponse:
    """Search a SKU (name, SKU or scanned barcode) and see who has it, nearest location first."""
    form = StockLookupForm(request.GET)
    query = ""
    variant = None
    matches = None
    if request.GET.get("sku"):
        variant = selectors.variant_by_sku(request.GET["sku"])
        if variant is None:
            raise Http404(_("No SKU %(sku)s in the catalog.") % {"sku": request.GET["sku"]})
    elif form.is_valid() and (query := selectors.normalise_query(form.cleaned_data["q"])):
        variant = pages.variant_by_code(query)
        if variant is None:
            found = list(selectors.search_variants(query)[:51])
            if len(found) == 1:
                variant = found[0]
            else:
                matches = found
    here = getattr(request, "current_location", None)
    stock = None
    if variant is not None:
        near = (float(here.latitude), float(here.longitude)) if here is not None else None
        stock = selectors.availability(variant=variant, near=near, include_empty=True)
    return render(
        request,
        "inventory/stock_lookup.html",
        {
            "form": form,
            "query": query,
            "variant": variant,
            "matches": matches[:50] if matches else matches,
            "more_matches": bool(matches and len(matches) > 50),
            "stock": stock,
            "here": here,
        },
    )


# --- 2. A location's stock, with its low-stock alerts ----------------------------------------------


@login_required
def stock_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    location = _chosen_location(request, actor)
    form = StockListForm(request.GET)
    page, querystring, alerts = None, "", None
    if location is not None and form.is_valid():
        category = None
        if slug := form.cleaned_data["category"]:
            category = selectors.categories().filter(slug=slug).values_list("pk", flat=True).first()
        levels = selectors.stock_levels(
            location_id=location.pk,
            category_id=category,
            below_safety=form.cleaned_data["below_safety"],
            out_of_stock=form.cleaned_data["out_of_stock"],
        )
        page, querystring = _page(request, levels)
        if actor.is_manager:
            alerts = list(open_alerts(location.pk)[:100])
    return render(
        request,
        "inventory/stock_list.html",
        {
            "form": form,
            "location": location,
            "locations": pages.visible_locations(actor),
            "page": page,
            "querystring": querystring,
            "alerts": alerts,
        },
    )


# --- 3. A SKU's ledger at a location ---------------------------------------------------------------


@login_required
def stock_movements(request: HttpRequest, sku: str) -> HttpResponse:
    actor = _actor(request)
    variant = selectors.variant_by_sku(sku)
    if variant is None:
        raise Http404(_("No SKU %(sku)s in the catalog.") % {"sku": sku})
    location = _chosen_location(request, actor)
    page, querystring, level = None, "", None
    if location is not None:
        page, querystring = _page(
            request, selectors.movements(location_id=location.pk, variant_id=variant.pk)
        )
        level = selectors.stock_levels(location_id=location.pk, variant_id=variant.pk).first()
    return render(
        request,
        "inventory/stock_movements.html",
        {
            "variant": variant,
            "location": location,
            "locations": pages.visible_locations(actor),
            "level": level,
            "page": page,
            "querystring": querystring,
        },
    )


# --- 4. A receipt, an adjustment or damage -----------------------------------------------------------


@login_required
def movement_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    locations = pages.visible_locations(actor)
    if request.method == "POST":
        _forbid_posted_location(actor, request.POST.get("location"))
        form = MovementForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            done = _write(
                form,
                lambda: services.record_movement(
                    actor=actor,
                    location_id=data["location"].pk,
                    variant_id=data["sku"].pk,
                    kind=data["kind"],
                    quantity=data["quantity"],
                    reason=data["reason"],
                    note=data["note"],
                ),
            )
            if done is not None:
                movement, level = done
                messages.success(
                    request,
                    _("%(kind)s of %(delta)+d × %(sku)s recorded: %(on_hand)d on hand.")
                    % {
                        "kind": movement.get_kind_display(),  # type: ignore[attr-defined]
                        "delta": movement.delta,
                        "sku": data["sku"].sku,
                        "on_hand": level.on_hand,
                    },
                )
                return redirect(
                    _url("inventory:stock-movements", data["sku"].sku, location=data["location"].pk)
                )
    else:
        here = getattr(request, "current_location", None)
        form = MovementForm(
            locations=locations,
            initial={
                "location": here.pk if here is not None else None,
                "sku": request.GET.get("sku", ""),
                "kind": request.GET.get("kind", "receipt"),
            },
        )
    return render(request, "inventory/movement_form.html", {"form": form})


# --- 5. Counts ---------------------------------------------------------------------------------------


def _count_or_404(count_id: int) -> StockCount:
    count = StockCount.objects.select_related("location", "category").filter(pk=count_id).first()
    if count is None:
        raise Http404(_("No such count."))
    return count


def _visible_count(actor: Actor, count_id: int) -> StockCount:
    count = pages.count_for(actor, count_id)
    if count is None:
        raise Http404(_("No such count."))
    return count


@login_required
def count_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    location = _chosen_location(request, actor)
    page, querystring = _page(request, pages.counts_for(actor, location_id=location.pk if location else None))
    return render(
        request,
        "inventory/count_list.html",
        {"location": location, "page": page, "querystring": querystring},
    )


@login_required
def count_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    locations = pages.visible_locations(actor)
    if request.method == "POST":
        _forbid_posted_location(actor, request.POST.get("location"))
        form = CountStartForm(request.POST, locations=locations)
        if form.is_valid():
            data = form.cleaned_data
            count = _write(
                form,
                lambda: services.start_count(
                    actor=actor,
                    location_id=data["location"].pk,
                    category_id=data["category"].pk if data["category"] else None,
                    blind=data["blind"],
                ),
            )
            if count is not None:
                messages.success(request, _("Count %(number)s started.") % {"number": count.number})
                return redirect("inventory:count-detail", count_id=count.pk)
    else:
        here = getattr(request, "current_location", None)
        form = CountStartForm(locations=locations, initial={"location": here.pk if here else None})
    return render(request, "inventory/count_form.html", {"form": form})


@login_required
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    """The counting screen: scan a SKU, enter what is on the shelf, next."""
    actor = _actor(request)
    if request.method == "POST":
        count = _count_or_404(count_id)
        if not actor.can_act_at(count.location_id):
            raise PermissionDenied(_("You may only count stock at your own location."))
        form = CountEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            line = _write(
                form,
                lambda: services.record_count_entry(
                    actor=actor,
                    count_id=count.pk,
                    variant_id=data["sku"].pk,
                    counted=data["counted"],
                    add=data["add"],
                ),
            )
            if line is not None:
                messages.success(
                    request,
                    _("%(sku)s: %(counted)d counted.") % {"sku": data["sku"].sku, "counted": line.counted},
                )
                return redirect("inventory:count-detail", count_id=count.pk)
    else:
        count = _visible_count(actor, count_id)
        form = CountEntryForm()
    lines = pages.count_lines(count)
    recent = list(lines.filter(counted__isnull=False).order_by("-counted_at", "-id")[:20])
    return render(
        request,
        "inventory/count_detail.html",
        {
            "count": count,
            "form": form,
            "recent": recent,
            "counted": lines.filter(counted__isnull=False).count(),
            "total": lines.count(),
            "can_act": actor.can_act_at(count.location_id) and count.status == CountStatus.OPEN,
        },
    )


@login_required
def count_review(request: HttpRequest, count_id: int) -> HttpResponse:
    """Counted against expected: the on-hand figure when each SKU was counted, and what moved since."""
    actor = _actor(request)
    count = _visible_count(actor, count_id)
    return render(
        request,
        "inventory/count_review.html",
        {
            "count": count,
            "rows": pages.count_review_rows(count),
            "uncounted": count.lines.filter(counted__isnull=True).count(),
            "post_form": CountPostForm(),
            "can_act": actor.can_act_at(count.location_id) and count.status == CountStatus.OPEN,
        },
    )


def _count_action(
    request: HttpRequest, count_id: int, action: Callable[[Actor, StockCount], Any]
) -> HttpResponse:
    actor = _actor(request)
    count = _count_or_404(count_id)
    if not actor.can_act_at(count.location_id):
        raise PermissionDenied(_("You may only change counts of your own location."))
    try:
        action(actor, count)
    except Forbidden as exc:
        raise PermissionDenied(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("inventory:count-review", count_id=count.pk)


@login_required
@require_POST
def count_post(request: HttpRequest, count_id: int) -> HttpResponse:
    form = CountPostForm(request.POST)
    uncounted_as_zero = form.is_valid() and form.cleaned_data["uncounted_as_zero"]

    def post(actor: Actor, count: StockCount) -> None:
        services.post_count(actor=actor, count_id=count.pk, uncounted_as_zero=uncounted_as_zero)
        messages.success(request, _("Count %(number)s posted.") % {"number": count.number})

    return _count_action(request, count_id, post)


@login_required
@require_POST
def count_cancel(request: HttpRequest, count_id: int) -> HttpResponse:
    def cancel(actor: Actor, count: StockCount) -> None:
        services.cancel_count(actor=actor, count_id=count.pk)
        messages.success(request, _("Count %(number)s cancelled.") % {"number": count.number})

    return _count_action(request, count_id, cancel)


# --- 6. Transfers ------------------------------------------------------------------------------------


def _transfer_or_404(transfer_id: int) -> Transfer:
    transfer = Transfer.objects.select_related("from_location", "to_location").filter(pk=transfer_id).first()
    if transfer is None:
        raise Http404(_("No such transfer."))
    return transfer


@login_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    location = _chosen_location(request, actor)
    direction = request.GET.get("direction", "")
    direction = direction if direction in ("in", "out") else ""
    transfers = pages.transfers_for(
        actor, location_id=location.pk if location else None, direction=direction or None
    )
    page, querystring = _page(request, transfers)
    return render(
        request,
        "inventory/transfer_list.html",
        {"location": location, "direction": direction, "page": page, "querystring": querystring},
    )


@login_required
def transfer_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    locations = pages.network_locations()
    if request.method == "POST":
        _forbid_posted_location(actor, request.POST.get("from_location"), request.POST.get("to_location"))
        form = TransferForm(request.POST, locations=locations)
        lines = TransferLineFormSet(request.POST, prefix="lines")
        if form.is_valid() and lines.is_valid():
            data = form.cleaned_data
            wanted = [
                services.TransferLineInput(variant_id=row["sku"].pk, quantity=row["quantity"])
                for row in lines.cleaned_data
                if row.get("sku")
            ]
            if not wanted:
                form.add_error(None, _("Add at least one SKU and its quantity."))
            else:
                transfer = _write(
                    form,
                    lambda: services.request_transfer(
                        actor=actor,
                        from_location_id=data["from_location"].pk,
                        to_location_id=data["to_location"].pk,
                        lines=wanted,
                        reference=data["reference"],
                        note=data["note"],
                    ),
                )
                if transfer is not None:
                    messages.success(
                        request, _("Transfer %(number)s requested.") % {"number": transfer.number}
                    )
                    return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    else:
        here = getattr(request, "current_location", None)
        form = TransferForm(locations=locations, initial={"from_location": here.pk if here else None})
        lines = TransferLineFormSet(prefix="lines")
    return render(request, "inventory/transfer_form.html", {"form": form, "lines": lines})


def _transfer_page(
    request: HttpRequest,
    actor: Actor,
    transfer: Transfer,
    ship_form: ShipTransferForm | None = None,
    receive_form: ReceiveTransferForm | None = None,
) -> HttpResponse:
    lines = list(pages.transfer_lines(transfer))
    requested = transfer.status == TransferStatus.REQUESTED
    can_ship = requested and actor.can_act_at(transfer.from_location_id)
    can_cancel = requested and (
        actor.can_act_at(transfer.from_location_id) or actor.can_act_at(transfer.to_location_id)
    )
    can_receive = transfer.status == TransferStatus.SHIPPED and actor.can_act_at(transfer.to_location_id)
    return render(
        request,
        "inventory/transfer_detail.html",
        {
            "transfer": transfer,
            "lines": lines,
            "units": sum(line.quantity for line in lines),
            "ship_form": (ship_form or ShipTransferForm()) if can_ship else None,
            "receive_form": (receive_form or ReceiveTransferForm(lines=lines)) if can_receive else None,
            "can_cancel": can_cancel,
        },
    )


@login_required
def transfer_detail(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = _actor(request)
    transfer = pages.transfer_for(actor, transfer_id)
    if transfer is None:
        raise Http404(_("No such transfer."))
    return _transfer_page(request, actor, transfer)


@login_required
@require_POST
def transfer_ship(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = _actor(request)
    transfer = _transfer_or_404(transfer_id)
    if not actor.can_act_at(transfer.from_location_id):
        raise PermissionDenied(_("Only the source location ships a transfer."))
    form = ShipTransferForm(request.POST)
    if form.is_valid():
        shipped = _write(
            form,
            lambda: services.ship_transfer(
                actor=actor,
                transfer_id=transfer.pk,
                carrier=form.cleaned_data["carrier"],
                tracking=form.cleaned_data["tracking"],
            ),
        )
        if shipped is not None:
            messages.success(request, _("Transfer %(number)s shipped.") % {"number": shipped.number})
            return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    return _transfer_page(request, actor, transfer, ship_form=form)


@login_required
@require_POST
def transfer_receive(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = _actor(request)
    transfer = _transfer_or_404(transfer_id)
    if not actor.can_act_at(transfer.to_location_id):
        raise PermissionDenied(_("Only the destination location receives a transfer."))
    form = ReceiveTransferForm(request.POST, lines=pages.transfer_lines(transfer))
    if form.is_valid():
        received = [
            services.ReceivedLineInput(variant_id=line.variant_id, quantity=quantity, reason=reason)
            for line, quantity, reason in form.received()
        ]
        done = _write(
            form, lambda: services.receive_transfer(actor=actor, transfer_id=transfer.pk, lines=received)
        )
        if done is not None:
            messages.success(request, _("Transfer %(number)s received.") % {"number": done.number})
            return redirect("inventory:transfer-detail", transfer_id=transfer.pk)
    return _transfer_page(request, actor, transfer, receive_form=form)


@login_required
@require_POST
def transfer_cancel(request: HttpRequest, transfer_id: int) -> HttpResponse:
    actor = _actor(request)
    transfer = _transfer_or_404(transfer_id)
    if not (actor.can_act_at(transfer.from_location_id) or actor.can_act_at(transfer.to_location_id)):
        raise PermissionDenied(_("You may only cancel transfers of your own location."))
    try:
        services.cancel_transfer(actor=actor, transfer_id=transfer.pk)
    except Forbidden as exc:
        raise PermissionDenied(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Transfer %(number)s cancelled.") % {"number": transfer.number})
    return redirect("inventory:transfer-detail", transfer_id=transfer.pk)

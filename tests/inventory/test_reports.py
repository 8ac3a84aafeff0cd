"""The six stock reports: every figure against a small network whose numbers are worked out by hand below,
through the platform's runner (run_page, count_rows), as the pages and exports run them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.utils import timezone, translation

from inventory import services
from inventory.models import StockCount, StockLevel, StockMovement, Transfer
from inventory.reports import REPORTS
from inventory.reports.filters import brand_filter, category_filter
from inventory.services import StockLine, TransferLineInput
from omni.actors import Actor
from omni.reports import runner
from omni.reports.base import ReportFilters, filter_field, get_report
from tests.inventory.factories import BrandFactory, CategoryFactory, VariantFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor(role="integration")
ROME = ZoneInfo("Europe/Rome")
D = Decimal


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def receive(location, variant, quantity):
    services.record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def local_noon(days_ago: int) -> dt.datetime:
    """Noon (Rome) `days_ago` local days before today: far from midnight, so the day count is exact."""
    day = timezone.now().astimezone(ROME).date() - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(12), tzinfo=ROME)


def today() -> dt.date:
    return timezone.now().astimezone(ROME).date()


def page(slug, **kwargs):
    sort = kwargs.pop("sort", None)
    return runner.run_page(get_report(slug), ReportFilters(**kwargs), sort=sort, per_page=200)


def by(rows, *keys):
    return {tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]: row for row in rows}


class Net:
    """The network of the tests (see the `net` fixture)."""


@pytest.fixture
def net():
    """Categories: Knitwear > Cardigans, Shoes. Brands B1, B2.
    v1 Knitwear/B1 price 20 cost 8; v2 Cardigans/B2 price 50 cost 20; v3 Shoes/B1 price 100, no cost;
    MI: v1 on hand 10, reserved 3, safety 2, reorder 6 -> available 10-3-2 = 5
        v2 on hand 4, safety 5 -> available max(4-5, 0) = 0
        v3 on hand 2, reserved 2 -> available 0 (nothing to sell)
    RM: v1 on hand 6 -> available 6; v2 received 3, damaged 3 -> on hand 0, reorder 1
    OLD (inactive): v1 on hand 100 (never in the stock reports). WH: no stock."""
    n = Net()
    n.knit = CategoryFactory(name="Knitwear")
    n.cardigans = CategoryFactory(name="Cardigans", parent=n.knit)
    n.shoes = CategoryFactory(name="Shoes")
    n.b1, n.b2 = BrandFactory(name="B1"), BrandFactory(name="B2")
    n.v1 = VariantFactory(
        sku="V1", product__category=n.knit, product__brand=n.b1, price=D("20.00"), cost_price=D("8.00")
    )
    n.v2 = VariantFactory(
        sku="V2", product__category=n.cardigans, product__brand=n.b2, price=D("50.00"), cost_price=D("20.00")
    )
    n.v3 = VariantFactory(
        sku="V3", product__category=n.shoes, product__brand=n.b1, price=D("100.00"), cost_price=None
    )
    n.mi = LocationFactory(code="MI", default_safety_stock=0)
    n.rm = LocationFactory(code="RM", default_safety_stock=0)
    n.old = LocationFactory(code="OLD", active=False)
    n.wh = WarehouseFactory(code="WH")

    receive(n.mi, n.v1, 10)
    services.set_stock_parameters(location_id=n.mi.pk, variant_id=n.v1.pk, safety_stock=2, reorder_point=6)
    services.reserve_stock(owner="order:A", lines=[StockLine(n.mi.pk, n.v1.pk, 3)])
    receive(n.mi, n.v2, 4)
    services.set_stock_parameters(location_id=n.mi.pk, variant_id=n.v2.pk, safety_stock=5)
    receive(n.mi, n.v3, 2)
    services.reserve_stock(owner="order:B", lines=[StockLine(n.mi.pk, n.v3.pk, 2)], use_safety_stock=True)
    receive(n.rm, n.v1, 6)
    receive(n.rm, n.v2, 3)
    services.record_movement(
        actor=HQ,
        location_id=n.rm.pk,
        variant_id=n.v2.pk,
        kind="damage",
        quantity=3,
        reason="damaged_in_store",
    )
    services.set_stock_parameters(location_id=n.rm.pk, variant_id=n.v2.pk, reorder_point=1)
    receive(n.old, n.v1, 100)
    return n


# --- filters and registration -------------------------------------------------------------------


def test_the_filters_and_the_stock_reports_are_registered():
    assert filter_field("category") is category_filter and filter_field("brand") is brand_filter
    slugs = {
        "stock-position",
        "stock-exceptions",
        "stock-ageing",
        "stock-ageing-summary",
        "shrinkage",
        "transfers-in-transit",
        "count-variances",
    }
    assert {r.slug for r in REPORTS} == slugs
    for slug in slugs:
        report = get_report(slug)
        assert report is not None and report.group == "stock"
        assert report.default_sort.removeprefix("-") in {c.key for c in report.columns}


def test_category_filter_takes_every_descendant_and_brand_its_id(net):
    socks = CategoryFactory(name="Socks", parent=net.cardigans)  # a grandchild
    field = category_filter.build(HQ)
    assert isinstance(field, forms.ModelChoiceField) and not field.required
    assert category_filter.value(field.clean(str(net.knit.pk))) == tuple(
        sorted([net.knit.pk, net.cardigans.pk, socks.pk])
    )
    assert category_filter.value(net.cardigans) == tuple(sorted([net.cardigans.pk, socks.pk]))
    assert category_filter.value(net.shoes) == (net.shoes.pk,)
    assert category_filter.value(field.clean("")) is None
    brand = brand_filter.build(HQ)
    assert brand_filter.value(brand.clean(str(net.b2.pk))) == net.b2.pk
    assert brand_filter.value(brand.clean("")) is None
    with pytest.raises(forms.ValidationError):
        brand.clean("999999")


# --- stock position ------------------------------------------------------------------------------


def test_stock_position_by_category(net):
    p = page("stock-position")
    rows = by(p.rows, "location", "group_name")
    assert p.count == 5  # MI x 3 categories, RM x 2; OLD (inactive) and WH (no rows) absent
    # MI/Knitwear = v1 only (Cardigans is its own group): 10 on hand, 3 reserved, 10-3-2 = 5 available,
    # 10 x 8 = 80 at cost, 10 x 20 = 200 at retail
    assert rows[("MI", "Knitwear")] == {
        "location": "MI",
        "location_name": net.mi.name,
        "group_name": "Knitwear",
        "skus_stocked": 1,
        "on_hand": 10,
        "reserved": 3,
        "available": 5,
        "value_cost": D("80.00"),
        "units_without_cost": 0,
        "value_retail": D("200.00"),
    }
    # MI/Cardigans: available floors at 0 (4 - 0 - 5 = -1); 4 x 20 = 80 at cost, 4 x 50 = 200 at retail
    c = rows[("MI", "Cardigans")]
    assert (c["on_hand"], c["available"], c["value_cost"], c["value_retail"]) == (
        4,
        0,
        D("80.00"),
        D("200.00"),
    )
    # MI/Shoes: v3 has no cost price: 0 at cost, its 2 units counted apart; 2 x 100 = 200 at retail
    s = rows[("MI", "Shoes")]
    assert (s["reserved"], s["available"], s["value_cost"], s["units_without_cost"], s["value_retail"]) == (
        2,
        0,
        D("0.00"),
        2,
        D("200.00"),
    )
    # RM/Cardigans: a stock row with nothing on hand: carried, not stocked
    r = rows[("RM", "Cardigans")]
    assert (r["skus_stocked"], r["on_hand"], r["value_retail"]) == (0, 0, D("0.00"))
    assert rows[("RM", "Knitwear")]["available"] == 6
    # totals: on hand 10+4+2+6+0 = 22, reserved 3+2 = 5, available 5+0+0+6 = 11,
    # cost 80+80+0+48 = 208, retail 200+200+200+120 = 720, SKUs stocked 1+1+1+1+0 = 4
    assert p.totals == {
        "skus_stocked": 4,
        "on_hand": 22,
        "reserved": 5,
        "available": 11,
        "value_cost": D("208.00"),
        "units_without_cost": 2,
        "value_retail": D("720.00"),
    }
    # chart: value at retail by location, largest first: MI 600, RM 120 (cost 160 and 48 beside)
    assert p.chart.labels == ["MI", "RM"]
    assert p.chart.series["value_retail"] == [D("600.00"), D("120.00")]
    assert p.chart.series["value_cost"] == [D("160.00"), D("48.00")]


def test_stock_position_by_brand(net):
    p = page("stock-position", extra={"group_by": "brand"})
    rows = by(p.rows, "location", "group_name")
    assert set(rows) == {("MI", "B1"), ("MI", "B2"), ("RM", "B1"), ("RM", "B2")}
    # MI/B1 = v1 + v3: 2 SKUs, 10+2 = 12 on hand, 3+2 = 5 reserved, 5+0 = 5 available, cost 80 (v3 none,
    # its 2 units apart), retail 200+200 = 400
    b1 = rows[("MI", "B1")]
    assert (b1["skus_stocked"], b1["on_hand"], b1["reserved"], b1["available"]) == (2, 12, 5, 5)
    assert (b1["value_cost"], b1["units_without_cost"], b1["value_retail"]) == (D("80.00"), 2, D("400.00"))
    assert rows[("MI", "B2")]["on_hand"] == 4 and rows[("RM", "B1")]["value_cost"] == D("48.00")
    assert p.totals["on_hand"] == 22 and p.totals["value_retail"] == D("720.00")


def test_stock_position_location_category_and_brand_filters(net):
    p = page("stock-position", location_ids=(net.rm.pk,))
    assert {r["location"] for r in p.rows} == {"RM"} and p.totals["on_hand"] == 6
    # Knitwear with its child Cardigans: MI/Knitwear, MI/Cardigans, RM/Knitwear, RM/Cardigans; no Shoes
    p = page("stock-position", category_ids=category_filter.value(net.knit))
    assert {(r["location"], r["group_name"]) for r in p.rows} == {
        ("MI", "Knitwear"),
        ("MI", "Cardigans"),
        ("RM", "Knitwear"),
        ("RM", "Cardigans"),
    }
    assert p.totals["on_hand"] == 10 + 4 + 6 + 0
    p = page("stock-position", brand_id=net.b2.pk)
    assert {(r["location"], r["group_name"]) for r in p.rows} == {("MI", "Cardigans"), ("RM", "Cardigans")}
    assert runner.count_rows(get_report("stock-position"), ReportFilters(brand_id=net.b2.pk)) == 2


# --- exceptions ----------------------------------------------------------------------------------


def test_stock_exceptions(net):
    p = page("stock-exceptions")
    rows = by(p.rows, "location")
    assert set(rows) == {"MI", "RM"}
    # MI carries v1, v2, v3. Out of stock: v3 (2 on hand - 2 reserved = 0). Below safety: v2 (0 < 4 < 5);
    # v1 has 7 to sell over its safety of 2. Below reorder: v1 (available 5 < reorder point 6).
    mi = rows["MI"]
    assert (mi["skus_carried"], mi["out_of_stock"], mi["below_safety"], mi["below_reorder"]) == (3, 1, 1, 1)
    assert mi["share_out_of_stock"] == D("0.3333")  # 1 / 3
    # RM carries v1, v2. Out of stock: v2 (0 on hand). Below reorder: v2 (available 0 < 1).
    rm = rows["RM"]
    assert (rm["skus_carried"], rm["out_of_stock"], rm["below_safety"], rm["below_reorder"]) == (2, 1, 0, 1)
    assert rm["share_out_of_stock"] == D("0.5000")
    assert p.totals == {"skus_carried": 5, "out_of_stock": 2, "below_safety": 1, "below_reorder": 2}
    # stacked chart: MI 1 + 1 = 2 first, RM 1 + 0
    assert p.chart.labels == ["MI", "RM"]
    assert p.chart.series == {"out_of_stock": [D(1), D(1)], "below_safety": [D(1), D(0)]}

    p = page("stock-exceptions", category_ids=category_filter.value(net.knit))  # v1, v2 only
    mi = by(p.rows, "location")["MI"]
    assert (mi["skus_carried"], mi["out_of_stock"], mi["below_safety"]) == (2, 0, 1)
    p = page("stock-exceptions", brand_id=net.b1.pk, location_ids=(net.mi.pk,))  # v1, v3 at MI
    assert [(r["location"], r["skus_carried"], r["out_of_stock"]) for r in p.rows] == [("MI", 2, 1)]


# --- ageing --------------------------------------------------------------------------------------


@pytest.fixture
def sales(net):
    """Last sales: MI v1 10 days ago, MI v2 100 days ago, MI v3 never, RM v1 400 days ago.
    Sale movements at MI v1: 2 units 5 days ago, 5 units 20 days ago (both in the last 28 days), 4 units
    40 days ago (out); a return of 1 unit 3 days ago (not a sale). RM v1: none in 28 days."""
    levels = StockLevel.objects.filter
    levels(location=net.mi, variant=net.v1).update(last_sale_at=local_noon(10))
    levels(location=net.mi, variant=net.v2).update(last_sale_at=local_noon(100))
    levels(location=net.rm, variant=net.v1).update(last_sale_at=local_noon(400))
    now = timezone.now()
    for kind, delta, days in (("sale", -2, 5), ("sale", -5, 20), ("sale", -4, 40), ("return", 1, 3)):
        StockMovement.objects.create(
            location=net.mi,
            variant=net.v1,
            kind=kind,
            delta=delta,
            on_hand_after=10,
            created_at=now - dt.timedelta(days=days),
        )
    return net


def test_stock_ageing_rows_buckets_and_cover(sales):
    net = sales
    p = page("stock-ageing")
    # rows with stock at active locations: MI v1, v2, v3 and RM v1 (RM v2 has none, OLD is inactive);
    # oldest sale first, never sold last
    assert [(r["location"], r["sku"]) for r in p.rows] == [
        ("RM", "V1"),
        ("MI", "V2"),
        ("MI", "V1"),
        ("MI", "V3"),
    ]
    rows = by(p.rows, "location", "sku")
    mi1 = rows[("MI", "V1")]
    # sold in 28 days: 2 + 5 = 7 (40 days ago and the return do not count); cover 10 / (7 / 28) = 40.0
    assert (mi1["days_since_sale"], mi1["sold_28"], mi1["days_cover"], mi1["age_bucket"]) == (
        10,
        7,
        D("40.0"),
        "0-30",
    )
    assert mi1["value_cost"] == D("80.00") and mi1["product"] == net.v1.product.name
    assert mi1["last_sale"] == local_noon(10)
    mi2 = rows[("MI", "V2")]
    assert (mi2["days_since_sale"], mi2["sold_28"], mi2["days_cover"], mi2["age_bucket"]) == (
        100,
        0,
        None,
        "91-180",
    )
    mi3 = rows[("MI", "V3")]
    assert (mi3["last_sale"], mi3["days_since_sale"], mi3["age_bucket"], mi3["value_cost"]) == (
        None,
        None,
        "never sold",
        None,  # no cost price
    )
    rm1 = rows[("RM", "V1")]  # MI's sales of v1 are not RM's
    assert (rm1["days_since_sale"], rm1["sold_28"], rm1["age_bucket"], rm1["value_cost"]) == (
        400,
        0,
        "over 365",
        D("48.00"),
    )
    # totals: on hand 10+4+2+6 = 22, cost 80+80+48 = 208 (v3 has none), sold 7
    assert p.totals == {"on_hand": 22, "value_cost": D("208.00"), "sold_28": 7}
    chart = dict(zip(p.chart.labels, p.chart.series["value_cost"], strict=True))
    assert chart == {"0-30": D("80.00"), "91-180": D("80.00"), "over 365": D("48.00"), "never sold": D(0)}


def test_stock_ageing_min_days_and_filters(sales):
    net = sales

    def keys(**kwargs):
        return {(r["location"], r["sku"]) for r in page("stock-ageing", **kwargs).rows}

    # unsold for 50 days or more, or never sold: RM v1 (400), MI v2 (100), MI v3 (never)
    assert keys(extra={"min_days": 50}) == {("RM", "V1"), ("MI", "V2"), ("MI", "V3")}
    assert keys(extra={"min_days": 100}) == {("RM", "V1"), ("MI", "V2"), ("MI", "V3")}
    assert keys(extra={"min_days": 101}) == {("RM", "V1"), ("MI", "V3")}
    assert keys(extra={"min_days": 0}) == keys()
    assert keys(location_ids=(net.rm.pk,)) == {("RM", "V1")}
    assert keys(category_ids=(net.cardigans.pk,)) == {("MI", "V2")}
    assert keys(brand_id=net.b1.pk, location_ids=(net.mi.pk,)) == {("MI", "V1"), ("MI", "V3")}
    assert runner.count_rows(get_report("stock-ageing"), ReportFilters(extra={"min_days": 50})) == 3


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "0-30"), (30, "0-30"), (31, "31-90"), (90, "31-90"), (91, "91-180"), (180, "91-180"),
     (181, "181-365"), (365, "181-365"), (366, "over 365")],
)  # fmt: skip
def test_stock_ageing_bucket_edges(net, days, bucket):
    StockLevel.objects.filter(location=net.rm, variant=net.v1).update(last_sale_at=local_noon(days))
    row = page("stock-ageing", location_ids=(net.rm.pk,)).rows[0]
    assert (row["days_since_sale"], row["age_bucket"]) == (days, bucket)


# --- shrinkage -----------------------------------------------------------------------------------


def test_shrinkage_by_location_kind_and_reason(net):
    def move(location, variant, kind, quantity, reason=""):
        services.record_movement(
            actor=HQ,
            location_id=location.pk,
            variant_id=variant.pk,
            kind=kind,
            quantity=quantity,
            reason=reason,
        )

    move(net.mi, net.v1, "adjustment", -1, "shrinkage")  # 10 -> 9
    move(net.mi, net.v1, "adjustment", 2, "found")  # 9 -> 11
    move(net.mi, net.v1, "count", 8)  # counted 8 of 11: delta -3
    move(net.mi, net.v1, "count", 8)  # counted again, right: delta 0, nothing moved, not a posting
    move(net.mi, net.v2, "damage", 1, "damaged_in_store")  # 4 -> 3
    move(net.rm, net.v1, "adjustment", -2, "shrinkage")  # 6 -> 4
    # out of the window (30 days ago): not counted
    StockMovement.objects.create(
        location=net.mi,
        variant=net.v1,
        kind="adjustment",
        delta=-5,
        on_hand_after=3,
        reason="shrinkage",
        created_at=timezone.now() - dt.timedelta(days=30),
    )
    window = {"date_from": today() - dt.timedelta(days=7), "date_to": today()}
    p = page("shrinkage", **window)
    rows = by(p.rows, "location", "kind", "reason")
    # (location, kind, reason): postings, lost, found, net, value lost, net value (v1 cost 8, v2 cost 20).
    # RM's damage of v2 in the fixture (3 units x 20 = 60) happened today too.
    keys = ("postings", "units_lost", "units_found", "net_units", "value_lost", "net_value")
    assert {k: tuple(r[c] for c in keys) for k, r in rows.items()} == {
        ("MI", "Adjustment", "Shrinkage (theft or loss)"): (1, 1, 0, -1, D("8.00"), D("-8.00")),
        ("MI", "Adjustment", "Found"): (1, 0, 2, 2, D("0.00"), D("16.00")),
        ("MI", "Count", "No reason given"): (1, 3, 0, -3, D("24.00"), D("-24.00")),
        ("MI", "Damage", "Damaged in store"): (1, 1, 0, -1, D("20.00"), D("-20.00")),
        ("RM", "Adjustment", "Shrinkage (theft or loss)"): (1, 2, 0, -2, D("16.00"), D("-16.00")),
        ("RM", "Damage", "Damaged in store"): (1, 3, 0, -3, D("60.00"), D("-60.00")),
    }  # fmt: skip
    # value lost: 8 + 24 + 20 + 16 + 60 = 128; net -8 + 16 - 24 - 20 - 16 - 60 = -112
    assert p.totals["value_lost"] == D("128.00") and p.totals["net_value"] == D("-112.00")
    assert p.totals["postings"] == 6 and p.totals["units_lost"] == 10 and p.totals["units_found"] == 2
    # chart: value lost by location: RM 16 + 60 = 76, MI 8 + 24 + 20 = 52
    assert p.chart.labels == ["RM", "MI"] and p.chart.series["value_lost"] == [D("76.00"), D("52.00")]

    # the day 30 days ago alone: only the old adjustment (5 x 8 = 40)
    day = today() - dt.timedelta(days=30)
    p = page("shrinkage", date_from=day, date_to=day)
    assert [(r["location"], r["units_lost"], r["value_lost"]) for r in p.rows] == [("MI", 5, D("40.00"))]
    # a store manager of RM sees RM only; Cardigans (v2) only the damage rows
    assert {r["location"] for r in page("shrinkage", location_ids=(net.rm.pk,), **window).rows} == {"RM"}
    p = page("shrinkage", category_ids=(net.cardigans.pk,), **window)
    assert {(r["location"], r["kind"]) for r in p.rows} == {("MI", "Damage"), ("RM", "Damage")}
    p = page("shrinkage", brand_id=net.b1.pk, location_ids=(net.mi.pk,), **window)
    assert p.totals["units_lost"] == 1 + 3


# --- transfers in transit ------------------------------------------------------------------------


def test_transfers_in_transit(net):
    for variant, quantity in ((net.v1, 10), (net.v2, 5), (net.v3, 5)):
        receive(net.wh, variant, quantity)

    def transfer(to, lines, *, ship=True, receive_it=False):
        t = services.request_transfer(
            actor=HQ,
            from_location_id=net.wh.pk,
            to_location_id=to.pk,
            lines=[TransferLineInput(v.pk, q) for v, q in lines],
        )
        if ship:
            services.ship_transfer(actor=HQ, transfer_id=t.pk)
        if receive_it:
            services.receive_transfer(actor=HQ, transfer_id=t.pk, lines=[])
        return t

    t1 = transfer(net.mi, [(net.v1, 3), (net.v2, 2)])
    Transfer.objects.filter(pk=t1.pk).update(shipped_at=local_noon(3))
    t2 = transfer(net.rm, [(net.v3, 1)])
    transfer(net.rm, [(net.v1, 1)], ship=False)  # requested only
    transfer(net.mi, [(net.v1, 1)], receive_it=True)  # arrived

    p = page("transfers-in-transit")
    rows = by(p.rows, "number")
    assert set(rows) == {t1.number, t2.number}
    # T1: 2 lines, 3 + 2 = 5 units, cost 3x8 + 2x20 = 64, retail 3x20 + 2x50 = 160, 3 days on the road
    r1 = rows[t1.number]
    assert (r1["from_location"], r1["to_location"], r1["days_in_transit"], r1["lines"], r1["units"]) == (
        "WH",
        "MI",
        3,
        2,
        5,
    )
    assert (r1["value_cost"], r1["value_retail"], r1["shipped_at"]) == (
        D("64.00"),
        D("160.00"),
        local_noon(3),
    )
    # T2: v3 has no cost price: 0 at cost; 100 at retail; shipped today
    r2 = rows[t2.number]
    assert (r2["days_in_transit"], r2["units"], r2["value_cost"], r2["value_retail"]) == (
        0,
        1,
        D("0.00"),
        D("100.00"),
    )
    assert p.totals == {"lines": 3, "units": 6, "value_cost": D("64.00"), "value_retail": D("260.00")}
    assert p.chart.labels == ["MI", "RM"] and p.chart.series["units"] == [D(5), D(1)]
    assert [r["number"] for r in page("transfers-in-transit").rows] == [t1.number, t2.number]  # longest first

    # from or to the locations in scope: RM sees T2, MI sees T1, WH sees both
    assert [r["number"] for r in page("transfers-in-transit", location_ids=(net.rm.pk,)).rows] == [t2.number]
    assert [r["number"] for r in page("transfers-in-transit", location_ids=(net.mi.pk,)).rows] == [t1.number]
    assert page("transfers-in-transit", location_ids=(net.wh.pk,)).count == 2
    # Cardigans: only T1's v2 line (2 units, 2x20 = 40 at cost, 2x50 = 100 at retail); T2 has none
    p = page("transfers-in-transit", category_ids=(net.cardigans.pk,))
    assert [(r["number"], r["lines"], r["units"], r["value_cost"], r["value_retail"]) for r in p.rows] == [
        (t1.number, 1, 2, D("40.00"), D("100.00"))
    ]
    # received: no longer in transit
    services.receive_transfer(actor=HQ, transfer_id=t1.pk, lines=[])
    assert [r["number"] for r in page("transfers-in-transit").rows] == [t2.number]


# --- count variances -----------------------------------------------------------------------------


def test_count_variances(net):
    # MI, whole location: lists v1, v2, v3. v1 counted 9 of 10 (-1), v2 counted 4 of 4 (0), v3 not counted
    c1 = services.start_count(actor=HQ, location_id=net.mi.pk)
    services.record_count_entry(actor=HQ, count_id=c1.pk, variant_id=net.v1.pk, counted=9)
    services.record_count_entry(actor=HQ, count_id=c1.pk, variant_id=net.v2.pk, counted=4)
    services.post_count(actor=HQ, count_id=c1.pk)
    # RM, Knitwear: v1 counted 8 of 6 (+2)
    c2 = services.start_count(actor=HQ, location_id=net.rm.pk, category_id=net.knit.pk)
    services.record_count_entry(actor=HQ, count_id=c2.pk, variant_id=net.v1.pk, counted=8)
    services.post_count(actor=HQ, count_id=c2.pk)
    # open, cancelled, and posted 40 days ago: none in the report
    services.start_count(actor=HQ, location_id=net.mi.pk)
    c4 = services.start_count(actor=HQ, location_id=net.rm.pk)
    services.cancel_count(actor=HQ, count_id=c4.pk)
    c5 = services.start_count(actor=HQ, location_id=net.rm.pk)
    services.record_count_entry(actor=HQ, count_id=c5.pk, variant_id=net.v1.pk, counted=5)
    services.post_count(actor=HQ, count_id=c5.pk)
    StockCount.objects.filter(pk=c5.pk).update(posted_at=local_noon(40))

    window = {"date_from": today() - dt.timedelta(days=7), "date_to": today()}
    p = page("count-variances", **window)
    rows = by(p.rows, "number")
    assert set(rows) == {c1.number, c2.number}
    # C1: 2 lines counted, 9 + 4 = 13 units, net -1, absolute 1, -1 x 8 = -8 at cost, accuracy 1 / 2
    assert {k: v for k, v in rows[c1.number].items() if k not in ("posted_at", "number")} == {
        "location": "MI",
        "scope": "Whole location",
        "lines_counted": 2,
        "units_counted": 13,
        "net_variance": -1,
        "abs_variance": 1,
        "variance_value": D("-8.00"),
        "abs_variance_value": D("8.00"),
        "accuracy": D("0.5000"),
    }
    # C2: 1 line, 8 units, +2, 2 x 8 = 16 at cost, accuracy 0
    r2 = rows[c2.number]
    assert (
        r2["scope"],
        r2["lines_counted"],
        r2["net_variance"],
        r2["abs_variance_value"],
        r2["accuracy"],
    ) == (
        "Knitwear",
        1,
        2,
        D("16.00"),
        D("0.0000"),
    )
    assert p.totals["net_variance"] == 1 and p.totals["abs_variance"] == 3
    assert p.totals["abs_variance_value"] == D("24.00") and p.totals["variance_value"] == D("8.00")
    assert p.chart.labels == ["RM", "MI"] and p.chart.series["abs_variance_value"] == [D("16.00"), D("8.00")]
    assert [r["number"] for r in page("count-variances", location_ids=(net.mi.pk,), **window).rows] == [
        c1.number
    ]
    # the day 40 days ago: C5 only (RM v1 counted 5 of 8: -3)
    day = today() - dt.timedelta(days=40)
    p = page("count-variances", date_from=day, date_to=day)
    assert [(r["number"], r["net_variance"]) for r in p.rows] == [(c5.number, -3)]


# --- every filter, empty or not ------------------------------------------------------------------


def every_filter(net=None) -> ReportFilters:
    return ReportFilters(
        date_from=today() - dt.timedelta(days=30),
        date_to=today(),
        location_ids=(net.mi.pk, net.rm.pk) if net else (1, 2),
        category_ids=(net.knit.pk, net.cardigans.pk) if net else (1,),
        brand_id=net.b1.pk if net else 1,
        channel="web",
        extra={"group_by": "brand", "min_days": 3},
    )


@pytest.mark.parametrize("report", [r() for r in REPORTS], ids=lambda r: r.slug)
def test_every_report_runs_on_an_empty_database(report):
    for filters in (ReportFilters(), every_filter()):
        p = runner.run_page(report, filters)
        assert p.rows == [] and p.count == 0
        assert runner.count_rows(report, filters) == 0
        assert runner.estimate_rows(report, filters) >= 0
        for sort in [c.key for c in report.columns] + ["-" + c.key for c in report.columns]:
            runner.run_page(report, filters, sort=sort, with_chart=False)


@pytest.mark.parametrize("report", [r() for r in REPORTS], ids=lambda r: r.slug)
def test_every_report_runs_with_every_filter_set(net, report):
    filters = every_filter(net)
    p = runner.run_page(report, filters)
    assert p.count == runner.count_rows(report, filters) == len(list(runner.iter_rows(report, filters)))
    for row in p.rows:
        assert set(row) == {c.key for c in report.columns}


# --- ageing summary, the SKU list's page limit, cost columns ---------------------------------------


def test_stock_ageing_summary_by_location_and_age(sales):
    p = page("stock-ageing-summary")
    rows = by(p.rows, "location", "age_bucket")
    # from the SKU-level figures above: MI v1 (10 days, 10 units, cost 80, retail 200),
    # MI v2 (100 days, 4, cost 80, retail 200), MI v3 (never sold, 2, no cost, retail 200),
    # RM v1 (400 days, 6, cost 48, retail 120)
    assert {k: (r["skus"], r["on_hand"], r["value_cost"], r["value_retail"]) for k, r in rows.items()} == {
        ("MI", "0-30"): (1, 10, D("80.00"), D("200.00")),
        ("MI", "91-180"): (1, 4, D("80.00"), D("200.00")),
        ("MI", "never sold"): (1, 2, D("0.00"), D("200.00")),
        ("RM", "over 365"): (1, 6, D("48.00"), D("120.00")),
    }
    assert p.totals == {"skus": 4, "on_hand": 22, "value_cost": D("208.00"), "value_retail": D("720.00")}
    # the summary is the SKU list grouped: same units and value per location
    detail = page("stock-ageing", location_ids=(sales.mi.pk, sales.rm.pk))
    assert sum(r["on_hand"] for r in detail.rows) == p.totals["on_hand"]
    assert {r["location"] for r in page("stock-ageing-summary", location_ids=(sales.rm.pk,)).rows} == {"RM"}


def test_the_sku_ageing_page_needs_a_location_but_not_its_export(sales):
    report = get_report("stock-ageing")
    assert report.page_refusal(ReportFilters()) is not None  # HQ, every location
    assert report.page_refusal(ReportFilters(location_ids=(sales.mi.pk,))) is None
    assert report.page_refusal(ReportFilters(location_ids=tuple(range(1, 7)))) is not None
    # the export covers the network
    assert len(list(runner.iter_rows(report, ReportFilters()))) == 4


def test_cost_columns_are_hidden_from_store_managers(sales):
    manager = Actor(role="store", location_ids=frozenset({sales.mi.pk}))
    for slug in ("stock-position", "stock-ageing", "stock-ageing-summary", "shrinkage", "count-variances"):
        report = get_report(slug)
        hidden = report.hidden_columns(manager)
        assert hidden and hidden <= {c.key for c in report.columns}
        assert report.hidden_columns(HQ) == frozenset()
        filters = ReportFilters(location_ids=(sales.mi.pk,), hidden=hidden)
        p = runner.run_page(report, filters, sort=f"-{next(iter(hidden))}")
        assert p.sort.removeprefix("-") not in hidden  # a hidden column is no sort key
        assert all(not (set(row) & hidden) for row in p.rows)
        assert not set(p.totals) & hidden
        if p.chart is not None:
            assert not set(p.chart.series) & hidden
        row = next(runner.iter_rows(report, filters), None)
        if row is not None:
            assert len(row) == len(report.visible_columns(filters))
    report = get_report("stock-position")
    position = runner.run_page(
        report, ReportFilters(location_ids=(sales.mi.pk,), hidden=report.hidden_columns(manager))
    )
    assert position.chart is not None and list(position.chart.series) == ["value_retail"]


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(0, "0-30"), (30, "0-30"), (31, "31-90"), (90, "31-90"), (91, "91-180"), (180, "91-180"),
     (181, "181-365"), (365, "181-365"), (366, "over 365")],
)  # fmt: skip
def test_stock_ageing_summary_bucket_edges(net, days, bucket):
    # the summary compares times with local midnights instead of counting days: the same edges
    StockLevel.objects.filter(location=net.rm, variant=net.v1).update(last_sale_at=local_noon(days))
    rows = page("stock-ageing-summary", location_ids=(net.rm.pk,)).rows
    assert [(r["age_bucket"], r["on_hand"]) for r in rows] == [(bucket, 6)]
    # one second before that local midnight is one day older
    midnight = dt.datetime.combine(today() - dt.timedelta(days=days), dt.time.min, tzinfo=ROME)
    StockLevel.objects.filter(location=net.rm, variant=net.v1).update(last_sale_at=midnight)
    assert page("stock-ageing-summary", location_ids=(net.rm.pk,)).rows[0]["age_bucket"] == bucket
    StockLevel.objects.filter(location=net.rm, variant=net.v1).update(
        last_sale_at=midnight - dt.timedelta(seconds=1)
    )
    older = page("stock-ageing", location_ids=(net.rm.pk,)).rows[0]["age_bucket"]
    page_bucket = page("stock-ageing-summary", location_ids=(net.rm.pk,)).rows[0]["age_bucket"]
    assert page_bucket == older  # summary and SKU list agree on the day before


def test_values_are_exact_to_the_cent_with_odd_prices():
    # the stock reports sum on_hand x price in integer cents (Variant.price_cents, kept by PostgreSQL)
    variant = VariantFactory(sku="ODD", price=D("19.99"), cost_price=D("7.33"))
    shop = LocationFactory(code="ODD-1")
    receive(shop, variant, 3)
    variant.refresh_from_db()
    assert (variant.price_cents, variant.cost_cents) == (1999, 733)
    row = page("stock-position", location_ids=(shop.pk,)).rows[0]
    assert (row["value_retail"], row["value_cost"]) == (D("59.97"), D("21.99"))  # 3 x 19.99, 3 x 7.33
    variant.price = D("0.01")
    variant.save(update_fields=["price"])
    assert page("stock-position", location_ids=(shop.pk,)).rows[0]["value_retail"] == D("0.03")
    summary = page("stock-ageing-summary", location_ids=(shop.pk,)).rows[0]
    assert (summary["value_retail"], summary["value_cost"]) == (D("0.03"), D("21.99"))

"""The channel reports (orders/reports/) against small fixtures made with the real services: sales by
channel (cancelled orders and units left out, local days in Europe/Rome, returns under the original channel
at the receiving location, filters, a store manager's locations), click-and-collect (rates and median, as the
dashboard's pickup_figures) and returns; each report with every filter set and on an empty database."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from inventory.services import record_movement
from omni.actors import Actor
from omni.reports.base import ReportFilters, filter_field, get_report
from omni.reports.runner import iter_rows, run_page
from orders.models import Order
from orders.selectors import pickup_figures, returns_figures
from orders.services import (
    CustomerInput,
    FulfilmentInput,
    LineInput,
    PaymentInput,
    ReturnLineInput,
    cancel_order,
    collect,
    create_return,
    expire_pickups,
    mark_ready,
    place_order,
    ship_order,
    short_pick,
)
from tests.inventory.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
ROME = ZoneInfo("Europe/Rome")
CUSTOMER = CustomerInput(email="giulia@example.it", first_name="Giulia")
ADDRESS = {"line1": "Via Toledo 1", "city": "Napoli", "postcode": "80134", "country": "IT"}
DAY = dt.date(2025, 3, 10)  # a Monday, CET (UTC+1)
NEXT = dt.date(2025, 3, 11)


@pytest.fixture(autouse=True)
def _english():  # type: ignore[no-untyped-def]
    with translation.override("en"):
        yield


@contextlib.contextmanager
def at(moment: dt.datetime) -> Iterator[dt.datetime]:
    """Every timezone.now() in the services answers `moment`."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


def rome(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ROME)


@pytest.fixture
def net():  # type: ignore[no-untyped-def]
    milano = LocationFactory(code="MI-R", name="Milano", accepts_returns=True, preparation_minutes=60)
    roma = LocationFactory(code="RM-R", name="Roma", accepts_returns=True, preparation_minutes=60)
    hub = WarehouseFactory(code="WH-R", name="Hub")
    tops, bottoms = CategoryFactory(name="Tops R"), CategoryFactory(name="Bottoms R")
    acme, other = BrandFactory(name="Acme R"), BrandFactory(name="Other R")
    tee = VariantFactory(
        sku="TEE-RP", price=Decimal("20.00"), product=ProductFactory(category=tops, brand=acme)
    )
    jeans = VariantFactory(
        sku="JNS-RP", price=Decimal("50.00"), product=ProductFactory(category=bottoms, brand=other)
    )
    with at(rome(DAY, 0) - dt.timedelta(days=1)):
        for location in (milano, roma, hub):
            for variant in (tee, jeans):
                record_movement(
                    actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=20
                )
    return {
        "milano": milano,
        "roma": roma,
        "hub": hub,
        "tee": tee,
        "jeans": jeans,
        "tops": tops,
        "acme": acme,
    }


def till(location, lines, channel="store"):  # type: ignore[no-untyped-def]
    return place_order(
        actor=HQ,
        channel=channel,
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(type="carry_out", location=location.code),
        customer=CUSTOMER,
        payment=PaymentInput(method="card", status="captured"),
    )


def pickup(location, lines, channel="web"):  # type: ignore[no-untyped-def]
    return place_order(
        actor=HQ,
        channel=channel,
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(type="pickup", location=location.code),
        customer=CUSTOMER,
        payment=PaymentInput(method="card", status="captured"),
    )


def delivery(lines, channel="web"):  # type: ignore[no-untyped-def]
    return place_order(
        actor=HQ,
        channel=channel,
        lines=[LineInput(sku, q) for sku, q in lines],
        fulfilment=FulfilmentInput(type="delivery", address=ADDRESS),
        customer=CUSTOMER,
        payment=PaymentInput(method="card", status="captured"),
    )


def give_back(order, location, *lines):  # type: ignore[no-untyped-def]
    return create_return(
        actor=HQ,
        order_number=order.number,
        location_code=location.code,
        lines=[ReturnLineInput(*line) for line in lines],
    ).return_doc


def filters(**kw) -> ReportFilters:  # type: ignore[no-untyped-def]
    kw.setdefault("date_from", DAY)
    kw.setdefault("date_to", NEXT)
    return ReportFilters(**kw)


def rows_of(slug, f, sort=None):  # type: ignore[no-untyped-def]
    return run_page(get_report(slug), f, sort=sort, per_page=200)


# --- Sales by channel ---------------------------------------------------------------------------------------


@pytest.fixture
def sales(net):  # type: ignore[no-untyped-def]
    """Day X (10 March, Rome):
    - S1 till sale at Milano at 23:30 local (22:30 UTC, still the 10th): 2 tees = 40.00
    - W1 web pickup at Roma at 10:00: 1 jeans = 50.00, collected
    - W2 web pickup at Roma, 1 jeans, cancelled: left out
    - A1 app pickup at Milano: 3 tees, one missing at the pick and cancelled off: 2 tees = 40.00
    - W3 web delivery (no store took it) shipped from the Hub: 1 tee + 1 jeans = 70.00
    Day X+1:
    - S2 till sale at Roma at 00:30 local (23:30 UTC on the 10th: counts on the 11th): 1 jeans = 50.00
    - R1 at Roma at 10:00: 1 tee of S1 back (store channel, Roma, the 11th): refund 20.00
    - R2 at Milano at 11:00: the jeans of W3 back, damaged (web channel, Milano, the 11th): refund 50.00"""
    milano, roma = net["milano"], net["roma"]
    with at(rome(DAY, 23, 30)):
        s1 = till(milano, [("TEE-RP", 2)])
    with at(rome(DAY, 10)):
        w1 = pickup(roma, [("JNS-RP", 1)])
        w2 = pickup(roma, [("JNS-RP", 1)])
        a1 = pickup(milano, [("TEE-RP", 3)], channel="app")
        w3 = delivery([("TEE-RP", 1), ("JNS-RP", 1)])
    with at(rome(DAY, 11)):
        cancel_order(actor=HQ, number=w2.number)
        line = a1.lines.get()
        short_pick(actor=HQ, number=a1.number, line_id=line.pk, missing=1, resolution="cancel_line")
        ready = mark_ready(actor=HQ, number=w1.number)
        collect(actor=HQ, number=w1.number, code=ready.pickup_code)
        ship_order(actor=HQ, number=w3.number)
    with at(rome(NEXT, 0, 30)):
        s2 = till(roma, [("JNS-RP", 1)])
    with at(rome(NEXT, 10)):
        r1 = give_back(s1, roma, ("TEE-RP", 1, "resellable", "changed_mind"))
    with at(rome(NEXT, 11)):
        r2 = give_back(w3, milano, ("JNS-RP", 1, "damaged", "damaged_on_arrival"))
    return {"s1": s1, "w1": w1, "w2": w2, "a1": a1, "w3": w3, "s2": s2, "r1": r1, "r2": r2}


def key(row):  # type: ignore[no-untyped-def]
    return (row["day"], row["channel"], row["location"])


def test_the_fixture_is_what_the_services_made(net, sales):
    a1 = Order.objects.get(pk=sales["a1"].pk)
    line = a1.lines.get()
    assert (line.quantity, line.cancelled_quantity, line.line_total) == (2, 1, Decimal("40.00"))
    assert Order.objects.get(pk=sales["w2"].pk).status == "cancelled"
    assert sales["s1"].created_at.astimezone(dt.UTC).date() == DAY
    assert sales["s2"].created_at.astimezone(dt.UTC).date() == DAY  # UTC says the 10th; Rome the 11th
    assert (sales["r1"].refund_amount, sales["r2"].refund_amount) == (Decimal("20.00"), Decimal("50.00"))


def test_sales_by_channel_location_and_local_day(net, sales):
    page = rows_of("sales-by-channel", filters())
    got = {key(r): r for r in page.rows}
    assert set(got) == {
        (DAY, "Store till", "MI-R"),  # S1 at 23:30 local
        (DAY, "Web shop", "RM-R"),  # W1 (W2 cancelled)
        (DAY, "App", "MI-R"),  # A1
        (DAY, "Web shop", "WH-R"),  # W3 shipped from the hub
        (NEXT, "Store till", "RM-R"),  # S2 at 00:30 local + R1 (S1 was a store-till sale) received at Roma
        (NEXT, "Web shop", "MI-R"),  # R2: W3's jeans received at Milano
    }

    def figures(k):  # type: ignore[no-untyped-def]
        r = got[k]
        return (r["orders"], r["units"], r["revenue"], r["returned_units"], r["refunds"])

    assert figures((DAY, "Store till", "MI-R")) == (1, 2, Decimal("40.00"), 0, Decimal("0.00"))
    assert figures((DAY, "Web shop", "RM-R")) == (1, 1, Decimal("50.00"), 0, Decimal("0.00"))
    # 3 tees ordered, 1 cancelled off: 2 units, 2 x 20.00
    assert figures((DAY, "App", "MI-R")) == (1, 2, Decimal("40.00"), 0, Decimal("0.00"))
    assert figures((DAY, "Web shop", "WH-R")) == (1, 2, Decimal("70.00"), 0, Decimal("0.00"))
    # S2 (50.00) and R1 (1 tee, 20.00 back) share the row: the 11th, store till, Roma
    assert figures((NEXT, "Store till", "RM-R")) == (1, 1, Decimal("50.00"), 1, Decimal("20.00"))
    assert figures((NEXT, "Web shop", "MI-R")) == (0, 0, Decimal("0.00"), 1, Decimal("50.00"))
    # VAT included at 22 %: 40.00 x 22 / 122 = 7.21 (7.213...)
    assert got[(DAY, "Store till", "MI-R")]["vat"] == Decimal("7.21")
    assert got[(NEXT, "Web shop", "MI-R")]["location_name"] == "Milano"
    # totals: 40 + 50 + 40 + 70 + 50 = 250.00 over 5 orders and 2 + 1 + 2 + 2 + 1 = 8 units;
    # 2 units and 20 + 50 = 70.00 back
    t = page.totals
    assert (t["orders"], t["units"], t["revenue"], t["returned_units"], t["refunds"]) == (
        5,
        8,
        Decimal("250.00"),
        2,
        Decimal("70.00"),
    )
    # the chart: revenue and refunds by day
    assert page.chart is not None and page.chart.labels == [DAY, NEXT]
    assert page.chart.series["revenue"] == [Decimal("200.00"), Decimal("50.00")]
    assert page.chart.series["refunds"] == [Decimal("0"), Decimal("70.00")]
    # figures: 250.00 revenue, 5 orders, basket 250 / 5 = 50.00, 2 units back of 8 sold = 0.25
    assert [f.value for f in page.figures] == [Decimal("250.00"), 5, Decimal("50.00"), Decimal("0.2500")]


def test_sales_one_day_only_and_its_boundary(net, sales):
    page = rows_of("sales-by-channel", filters(date_from=NEXT, date_to=NEXT))
    # only S2 (00:30 on the 11th) and the two returns; S1 (23:30 on the 10th) is the day before
    assert page.totals["orders"] == 1 and page.totals["revenue"] == Decimal("50.00")
    assert page.totals["refunds"] == Decimal("70.00")


def test_sales_filtered_by_channel_category_and_brand(net, sales):
    web = rows_of("sales-by-channel", filters(channel="web"))
    # W1 50.00 + W3 70.00; R2 (web) 50.00 back; R1 belongs to the store-till channel
    assert (web.totals["orders"], web.totals["revenue"], web.totals["refunds"]) == (
        2,
        Decimal("120.00"),
        Decimal("50.00"),
    )
    assert {r["channel"] for r in web.rows} == {"Web shop"}

    tops = rows_of("sales-by-channel", filters(category_ids=(net["tops"].pk,)))
    # tee lines only: S1 2 x 20, A1 2 x 20, W3 1 x 20 -> 3 orders, 5 units, 100.00; R1's tee back (20.00)
    t = tops.totals
    assert (t["orders"], t["units"], t["revenue"], t["returned_units"], t["refunds"]) == (
        3,
        5,
        Decimal("100.00"),
        1,
        Decimal("20.00"),
    )
    acme = rows_of("sales-by-channel", filters(brand_id=net["acme"].pk))
    assert acme.totals == t  # the tee is the only Acme product
    both = rows_of("sales-by-channel", filters(category_ids=(net["tops"].pk,), brand_id=net["acme"].pk + 999))
    assert both.count == 0


def test_a_store_manager_sees_their_store_only(net, sales):
    manager = Actor.for_user(UserFactory(username="mgr-mi", role="store_manager", locations=[net["milano"]]))
    assert manager.location_ids is not None
    page = rows_of("sales-by-channel", filters(location_ids=tuple(manager.location_ids)))
    assert {r["location"] for r in page.rows} == {"MI-R"}
    # S1 40.00 + A1 40.00 sold at Milano; R2 received at Milano (50.00);
    # not Roma's S2, W1, R1 nor the hub's W3
    t = page.totals
    assert (t["orders"], t["revenue"], t["returned_units"], t["refunds"]) == (
        2,
        Decimal("80.00"),
        1,
        Decimal("50.00"),
    )


def test_a_delivery_shipped_from_two_locations_is_online(net):
    """5 tees, delivered: Milano (shipping now) holds 3 and the hub 2, so it ships from both."""
    net["milano"].ships = True
    net["milano"].save(update_fields=["ships"])
    with at(rome(DAY, 8)):
        for location, take in ((net["milano"], 17), (net["hub"], 18), (net["roma"], 20)):
            record_movement(
                actor=HQ,
                location_id=location.pk,
                variant_id=net["tee"].pk,
                kind="adjustment",
                quantity=-take,
                reason="correction",
            )
    with at(rome(DAY, 9)):
        order = delivery([("TEE-RP", 5)])
    assert set(order.shipments.values_list("location__code", flat=True)) == {"MI-R", "WH-R"}
    page = rows_of("sales-by-channel", filters())
    assert [(r["location"], r["location_name"], r["units"], r["revenue"]) for r in page.rows] == [
        ("Online", "Shipped from several locations", 5, Decimal("100.00"))
    ]
    # a store manager of Milano does not see it: it is not Milano's sale alone
    assert rows_of("sales-by-channel", filters(location_ids=(net["milano"].pk,))).count == 0


# --- Click and collect --------------------------------------------------------------------------------------


@pytest.fixture
def pickups(net):  # type: ignore[no-untyped-def]
    """At Roma, all placed on day X at 09:00, promised by 12:00 (set below):
    P1 ready at 10:00 (1 h), collected; P2 ready at 11:00 (2 h), not collected: expired (no-show);
    P3 ready at 15:00 (6 h, late), still waiting; P4 cancelled before it was ready.
    At Milano: P5 (app) ready at 09:30, collected."""
    roma, milano = net["roma"], net["milano"]
    t0 = rome(DAY, 9)
    with at(t0):
        p1, p2, p3, p4 = (pickup(roma, [("TEE-RP", 1)]) for _ in range(4))
        p5 = pickup(milano, [("TEE-RP", 1)], channel="app")
    Order.objects.filter(pk__in=[p.pk for p in (p1, p2, p3, p4)]).update(promised_ready_at=rome(DAY, 12))
    with at(t0 + dt.timedelta(minutes=30)):
        ready5 = mark_ready(actor=HQ, number=p5.number)
        collect(actor=HQ, number=p5.number, code=ready5.pickup_code)
    with at(t0 + dt.timedelta(hours=1)):
        ready1 = mark_ready(actor=HQ, number=p1.number)
        collect(actor=HQ, number=p1.number, code=ready1.pickup_code)
    with at(t0 + dt.timedelta(hours=2)):
        ready2 = mark_ready(actor=HQ, number=p2.number)
        cancel_order(actor=HQ, number=p4.number)
    with at(t0 + dt.timedelta(hours=6)):
        mark_ready(actor=HQ, number=p3.number)
    assert ready2.expires_at is not None
    with at(ready2.expires_at + dt.timedelta(minutes=1)):
        assert expire_pickups(as_of=ready2.expires_at + dt.timedelta(minutes=1)) == [p2.number]
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5}


def test_click_and_collect_rates_median_and_on_time(net, pickups):
    page = rows_of("click-and-collect", filters(), sort="location")
    assert [r["location"] for r in page.rows] == ["MI-R", "RM-R"]
    roma = page.rows[1]
    # 4 orders; 3 made ready (1 h, 2 h, 6 h): average 9 / 3 = 3.0 h, median 2.0 h
    assert (roma["orders"], roma["ready"]) == (4, 3)
    assert (roma["avg_hours_to_ready"], roma["median_hours_to_ready"]) == (Decimal("3.0"), Decimal("2.0"))
    # ready by 12:00: P1 and P2 of the 3 -> 2 / 3
    assert roma["on_time_share"] == Decimal("0.6667")
    assert (roma["collected"], roma["no_shows"], roma["cancelled"], roma["waiting"]) == (1, 1, 1, 1)
    # pickup rate = collected / made ready = 1 / 3; no-show rate = 1 / 3
    assert (roma["pickup_rate"], roma["no_show_rate"]) == (Decimal("0.3333"), Decimal("0.3333"))
    milano = page.rows[0]
    assert (milano["orders"], milano["collected"], milano["median_hours_to_ready"]) == (1, 1, Decimal("0.5"))
    assert milano["pickup_rate"] == Decimal("1.0000")
    # the dashboard's figures agree
    dash = {row["location"]: row for row in pickup_figures(date_from=DAY, date_to=DAY)}
    assert dash["RM-R"]["pickup_rate"] == pytest.approx(float(roma["pickup_rate"]), abs=1e-4)
    assert dash["RM-R"]["no_show_rate"] == pytest.approx(float(roma["no_show_rate"]), abs=1e-4)
    assert dash["RM-R"]["median_minutes_to_ready"] == pytest.approx(120.0)
    assert (dash["RM-R"]["expired"], dash["RM-R"]["cancelled"]) == (1, 1)
    # totals and the stacked chart of collected / no-shows by store (largest first)
    assert (page.totals["orders"], page.totals["collected"], page.totals["no_shows"]) == (5, 2, 1)
    assert page.chart is not None and page.chart.labels == ["RM-R", "MI-R"]
    assert page.chart.series == {"collected": [Decimal(1), Decimal(1)], "no_shows": [Decimal(1), Decimal(0)]}
    # figures: 4 made ready; collected 2 / 4; no-shows 1 / 4; median of 0.5, 1, 2, 6 h = 1.5 h
    assert [f.value for f in page.figures] == [4, Decimal("0.5000"), Decimal("0.2500"), Decimal("1.5")]


def test_click_and_collect_by_channel_and_for_a_store_manager(net, pickups):
    app = rows_of("click-and-collect", filters(channel="app"))
    assert [(r["location"], r["orders"]) for r in app.rows] == [("MI-R", 1)]
    mine = rows_of("click-and-collect", filters(location_ids=(net["roma"].pk,)))
    assert [(r["location"], r["orders"]) for r in mine.rows] == [("RM-R", 4)]
    assert rows_of("click-and-collect", filters(date_from=NEXT, date_to=NEXT)).count == 0


# --- Returns ------------------------------------------------------------------------------------------------


def test_returns_by_location_reason_and_original_channel(net, sales):
    with at(rome(NEXT, 12)):
        # R3 at Roma: W1's jeans (web, collected at Roma), wrong size, resellable
        r3 = give_back(
            Order.objects.get(pk=sales["w1"].pk), net["roma"], ("JNS-RP", 1, "resellable", "wrong_size")
        )
    page = rows_of("returns", filters(), sort="location")
    got = {(r["location"], r["reason"], r["channel"]): r for r in page.rows}
    assert set(got) == {
        ("RM-R", "Changed mind", "Store till"),  # R1
        ("RM-R", "Wrong size", "Web shop"),  # R3
        ("MI-R", "Damaged on arrival", "Web shop"),  # R2
    }
    r2 = got[("MI-R", "Damaged on arrival", "Web shop")]
    assert (r2["returns"], r2["units"], r2["resellable"], r2["damaged"], r2["refunds"]) == (
        1,
        1,
        0,
        1,
        Decimal("50.00"),
    )
    assert got[("RM-R", "Wrong size", "Web shop")]["refunds"] == r3.refund_amount == Decimal("50.00")
    # 3 units, 2 resellable, 1 damaged, 20 + 50 + 50 = 120.00
    t = page.totals
    assert (t["units"], t["resellable"], t["damaged"], t["refunds"]) == (3, 2, 1, Decimal("120.00"))
    # figures: 3 returns, 3 units, 120.00, resellable 2 / 3
    assert [f.value for f in page.figures] == [3, 3, Decimal("120.00"), Decimal("0.6667")]
    # the dashboard's returns_figures agree, row by row
    dash = {(row["location"], row["channel"]): row for row in returns_figures(date_from=NEXT, date_to=NEXT)}
    assert dash[("MI-R", "web")]["damaged"] == 1 and dash[("RM-R", "web")]["refund"] == Decimal("50.00")

    roma_only = rows_of("returns", filters(location_ids=(net["roma"].pk,)))
    assert {r["location"] for r in roma_only.rows} == {"RM-R"} and roma_only.totals["units"] == 2
    web = rows_of("returns", filters(channel="web"))
    assert web.totals["refunds"] == Decimal("100.00")  # R2 + R3
    tops = rows_of("returns", filters(category_ids=(net["tops"].pk,)))
    assert [(r["reason"], r["units"]) for r in tops.rows] == [("Changed mind", 1)]  # R1's tee
    assert rows_of("returns", filters(brand_id=net["acme"].pk)).totals["units"] == 1
    # the chart: units by reason
    assert page.chart is not None and sorted(page.chart.labels) == [
        "Changed mind",
        "Damaged on arrival",
        "Wrong size",
    ]


# --- Every report, every filter, an empty database ----------------------------------------------------------


@pytest.mark.parametrize("slug", ["sales-by-channel", "click-and-collect", "returns"])
def test_each_report_runs_with_every_filter_and_on_an_empty_database(slug):
    report = get_report(slug)
    assert report is not None and report.group == "channels"
    for f in (
        ReportFilters(),
        ReportFilters(
            date_from=dt.date(2025, 1, 1),
            date_to=dt.date(2025, 12, 31),
            location_ids=(1, 2),
            category_ids=(1, 2, 3),
            brand_id=7,
            channel="web",
        ),
    ):
        page = run_page(report, f)
        assert page.count == 0 and page.rows == []
        assert all(value is None for value in page.totals.values())
        assert page.chart is not None and page.chart.labels == []
        assert list(iter_rows(report, f)) == []
        assert len(page.figures) == 4
        for column in report.columns:  # every column sorts
            run_page(report, f, sort=f"-{column.key}")


def test_every_filter_and_sort_on_the_fixture(net, sales):
    f = filters(
        location_ids=(net["milano"].pk, net["roma"].pk),
        category_ids=(net["tops"].pk,),
        brand_id=net["acme"].pk,
        channel="store",
    )
    for slug in ("sales-by-channel", "click-and-collect", "returns"):
        report = get_report(slug)
        for column in report.columns:
            page = run_page(report, f, sort=column.key)
            assert len(list(iter_rows(report, f, sort=column.key))) == page.count
    page = rows_of("sales-by-channel", f)
    # store-till tee lines at Milano / Roma: S1 (2 tees, 40.00); R1's tee back at Roma
    assert (page.totals["revenue"], page.totals["refunds"]) == (Decimal("40.00"), Decimal("20.00"))


def test_the_channel_filter_field(net):
    spec = filter_field("channel")
    assert spec is not None
    field = spec.build(HQ)
    assert field.required is False
    assert [c[0] for c in field.choices][:3] == ["", "web", "app"]
    assert spec.value(field.clean("")) is None
    assert spec.value(field.clean("kiosk")) == "kiosk"
    from django import forms

    with pytest.raises(forms.ValidationError):
        field.clean("fax")

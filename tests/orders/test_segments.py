"""Customer segments: each rule kind against hand-built customers (orders in and out of the window,
categories, channels, tiers, preferred stores, cities), rules ANDed, live counts, the CSV export, a segment
promotion applied on a web order and at the till to a member and refused to a non-member and to an
anonymous order (totals worked out by hand), placement's query count unchanged when no segment promotion
runs, the pages (managers only), the member detail's `segments` and the daily sizes with their report."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from inventory.services import record_movement
from loyalty import services as loyalty
from loyalty.models import Customer, Member, Tier
from omni.actors import Actor
from orders.exceptions import SegmentInvalid
from orders.models import Order, Segment, SegmentSize
from orders.segment_rules import clean_rules
from orders.selectors import segments as seg
from orders.services import CustomerInput, FulfilmentInput, LineInput, place_order
from orders.services.pricing import price_lines
from orders.services.segments import save_segment, snapshot_segment_sizes
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.loyalty.factories import OrderFactory, order_with_lines
from tests.omni.factories import UserFactory
from tests.orders.factories import PromotionFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

HQ = Actor.system()
D = Decimal


def days_ago(n: float):
    return timezone.now() - timedelta(days=n)


def enrol(email: str, tier: str | None = None, first_name: str = "") -> Member:
    member = loyalty.enroll_member(email=email, first_name=first_name, last_name="Test", actor=HQ)
    if tier is not None:
        Member.objects.filter(pk=member.pk).update(tier=Tier.objects.get(code=tier))
    member.refresh_from_db()
    return member


def members(rules) -> set[str]:
    sql, params = seg.members_sql(clean_rules(rules))
    return set(Customer.objects.filter(pk__in=_ids(sql, params)).values_list("email", flat=True))


def _ids(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def segment(code: str, rules, **fields) -> Segment:
    return save_segment(actor=HQ, code=code, name=code.title(), rules=rules, **fields)


@pytest.fixture
def world():
    """anna: gold, 2 web orders in the last 30 days (120 + 50 EUR, shoes), prefers Milano, buys at Milano;
    bruno: silver, one kiosk order 100 days ago (300 EUR, tees) at Roma and one cancelled web order today;
    carla: no tier, one store order 10 days ago (40 EUR, tees) at Roma, prefers Roma;
    dario: a customer with no orders; a guest (not a loyalty customer) with a web order today."""
    milano = LocationFactory(code="MI-SEG", city="Milano")
    roma = LocationFactory(code="RM-SEG", city="Roma")
    shoes_parent = CategoryFactory(name="Shoes", slug="shoes")
    sneakers = CategoryFactory(name="Sneakers", slug="sneakers", parent=shoes_parent)
    tees_cat = CategoryFactory(name="Tees", slug="tees")
    shoe = VariantFactory(sku="SHOE-1", price=D("60.00"), product=ProductFactory(category=sneakers))
    tee = VariantFactory(sku="TEE-S", price=D("20.00"), product=ProductFactory(category=tees_cat))
    anna = enrol("anna@example.it", "gold")
    bruno = enrol("bruno@example.it", "silver")
    carla = enrol("carla@example.it")
    Member.objects.filter(pk=carla.pk).update(tier=None)
    Customer.objects.filter(pk=anna.customer_id).update(preferred_location=milano)
    Customer.objects.filter(pk=carla.customer_id).update(preferred_location=roma)
    Customer.objects.create(email="dario@example.it")
    pickup = {"fulfilment_type": "pickup", "delivery_address": None}
    order_with_lines(
        [(shoe, 2)], customer_email="anna@example.it", created_at=days_ago(5), location=milano, **pickup
    )
    order_with_lines(
        [(shoe, 1)], customer_email="anna@example.it", created_at=days_ago(20)
    )  # 60: web delivery
    order_with_lines(
        [(tee, 15)],
        customer_email="bruno@example.it",
        channel="kiosk",
        created_at=days_ago(100),
        location=roma,
        **pickup,
    )
    order_with_lines(
        [(shoe, 5)], customer_email="bruno@example.it", status="cancelled", created_at=days_ago(0)
    )
    order_with_lines(
        [(tee, 2)],
        customer_email="carla@example.it",
        channel="store",
        status="completed",
        fulfilment_type="carry_out",
        delivery_address=None,
        location=roma,
        created_at=days_ago(10),
    )
    order_with_lines([(tee, 1)], customer_email="guest@example.it", created_at=days_ago(1))
    return {
        "milano": milano,
        "roma": roma,
        "shoes": shoes_parent,
        "sneakers": sneakers,
        "tees": tees_cat,
        "anna": anna,
        "bruno": bruno,
        "carla": carla,
        "shoe": shoe,
        "tee": tee,
    }


# --- Each rule kind ----------------------------------------------------------------------------------------


def test_tier(world):
    assert members([{"kind": "tier", "tiers": ["gold"]}]) == {"anna@example.it"}
    assert members([{"kind": "tier", "tiers": ["gold", "silver"]}]) == {"anna@example.it", "bruno@example.it"}


def test_spend_over_a_period_counts_orders_in_the_window_and_never_cancelled_ones(world):
    # anna: 120 + 60 = 180 in 30 days; bruno: 300 but 100 days ago (his 300 EUR today was cancelled)
    assert members([{"kind": "spend", "min_amount": "180.00", "days": 30}]) == {"anna@example.it"}
    assert members([{"kind": "spend", "min_amount": "180.01", "days": 30}]) == set()
    assert members([{"kind": "spend", "min_amount": "150", "days": 10}]) == set()  # only 120 in 10 days
    assert members([{"kind": "spend", "min_amount": "200", "days": 120}]) == {"bruno@example.it"}


def test_last_purchase_within_and_not_within(world):
    assert members([{"kind": "last_purchase", "within": True, "days": 30}]) == {
        "anna@example.it",
        "carla@example.it",
    }
    # lapsed: bought before, not in the last 30 days (bruno's cancelled order does not count); dario
    # never bought
    assert members([{"kind": "last_purchase", "within": False, "days": 30}]) == {"bruno@example.it"}


def test_preferred_store(world):
    rule = {"kind": "preferred_store", "locations": [world["roma"].pk]}
    assert members([rule]) == {"carla@example.it"}


def test_city_of_the_store_bought_at_most(world):
    assert members([{"kind": "city", "cities": ["milano"]}]) == {"anna@example.it"}
    assert members([{"kind": "city", "cities": ["Roma"]}]) == {"bruno@example.it", "carla@example.it"}


def test_categories_bought_include_the_categories_below_and_keep_to_the_window(world):
    shoes = world["shoes"].pk
    assert members([{"kind": "categories", "categories": [shoes], "days": 30}]) == {"anna@example.it"}
    assert members([{"kind": "categories", "categories": [world["sneakers"].pk], "days": 10}]) == {
        "anna@example.it"
    }
    tees = world["tees"].pk
    assert members([{"kind": "categories", "categories": [tees], "days": 30}]) == {"carla@example.it"}
    assert members([{"kind": "categories", "categories": [tees], "days": 365}]) == {
        "bruno@example.it",
        "carla@example.it",
    }


def test_channels_used_ever_or_in_a_window(world):
    assert members([{"kind": "channels", "channels": ["kiosk"], "days": None}]) == {"bruno@example.it"}
    assert members([{"kind": "channels", "channels": ["kiosk"], "days": 30}]) == set()
    assert members([{"kind": "channels", "channels": ["web", "store"], "days": 30}]) == {
        "anna@example.it",
        "carla@example.it",
    }


def test_a_cart_started_in_another_channel_counts_that_channel_too(world):
    Order.objects.filter(customer_email="carla@example.it").update(started_channel="app")
    assert members([{"kind": "channels", "channels": ["app"], "days": None}]) == {"carla@example.it"}


def test_rules_are_anded_and_no_rules_is_every_customer_with_an_email(world):
    rules = [
        {"kind": "last_purchase", "within": True, "days": 30},
        {"kind": "city", "cities": ["Roma"]},
    ]
    assert members(rules) == {"carla@example.it"}
    rules.append({"kind": "tier", "tiers": ["gold"]})
    assert members(rules) == set()
    assert members([]) == {"anna@example.it", "bruno@example.it", "carla@example.it", "dario@example.it"}


def test_a_merged_duplicates_orders_count_for_the_person_and_erased_or_merged_profiles_are_never_members(
    world,
):
    dup = Customer.objects.create(email="anna.old@example.it")
    OrderFactory(
        customer_email="anna.old@example.it", channel="phone", total=D("10.00"), created_at=days_ago(2)
    )
    Customer.objects.filter(pk=dup.pk).update(merged_into=world["anna"].customer)
    assert members([{"kind": "channels", "channels": ["phone"], "days": None}]) == {"anna@example.it"}
    Customer.objects.filter(pk=world["carla"].customer_id).update(erased_at=timezone.now())
    assert "carla@example.it" not in members([])


@pytest.mark.parametrize(
    ("rules", "path"),
    [
        ("gold", "rules"),
        ([{"kind": "age"}], "rules.0.kind"),
        ([{"kind": "tier", "tiers": ["platinum"]}], "rules.0.tiers"),
        ([{"kind": "tier", "tiers": []}], "rules.0.tiers"),
        ([{"kind": "spend", "min_amount": "-5", "days": 30}], "rules.0.min_amount"),
        ([{"kind": "spend", "min_amount": "1.234", "days": 30}], "rules.0.min_amount"),
        ([{"kind": "spend", "min_amount": "NaN", "days": 30}], "rules.0.min_amount"),
        ([{"kind": "spend", "min_amount": "10", "days": 0}], "rules.0.days"),
        ([{"kind": "last_purchase", "within": "yes", "days": 3}], "rules.0.within"),
        ([{"kind": "channels", "channels": ["fax"]}], "rules.0.channels"),
        ([{"kind": "categories", "categories": [999999], "days": 3}], "rules.0.categories"),
        ([{"kind": "preferred_store", "locations": [True]}], "rules.0.locations"),
    ],
)
def test_bad_rules_are_refused_naming_the_condition(db, rules, path):
    with pytest.raises(SegmentInvalid) as refused:
        clean_rules(rules)
    assert path in (refused.value.errors or {})


def test_refusals_are_in_the_active_language(db):
    rules = [{"kind": "spend", "min_amount": "-5", "days": 30}]
    for language, text, field in (
        ("en", "`min_amount` must be an amount above zero", "An amount above zero, e.g. 150.00."),
        (
            "it",
            "`min_amount` deve essere un importo maggiore di zero",
            "Un importo maggiore di zero, ad es. 150.00.",
        ),
    ):
        with translation.override(language), pytest.raises(SegmentInvalid) as refused:
            clean_rules(rules)
        assert text in refused.value.detail and refused.value.errors == {"rules.0.min_amount": [field]}
    with translation.override("it"), pytest.raises(SegmentInvalid) as bad_code:
        save_segment(actor=Actor.system(), code="Not a code!", name="X", rules=[])
    assert bad_code.value.detail == "Il codice ha da 1 a 40 lettere minuscole, cifre, - o _."


# --- Counts, the export, membership ------------------------------------------------------------------------


def test_live_counts_of_every_segment_in_one_query(world, django_assert_num_queries):
    gold = segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    recent = segment("recent", [{"kind": "last_purchase", "within": True, "days": 30}])
    everyone = segment("everyone", [])
    with django_assert_num_queries(1):
        counts = seg.member_counts([gold, recent, everyone])
    assert counts == {gold.pk: 1, recent.pk: 2, everyone.pk: 4}
    OrderFactory(customer_email="dario@example.it", total=D("5.00"))  # dario buys: live, no refresh needed
    assert seg.member_counts([recent]) == {recent.pk: 3}


def test_membership_of_one_email_in_one_query_for_all_segments(world, django_assert_num_queries):
    gold = segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    roma = segment("roma", [{"kind": "city", "cities": ["Roma"]}])
    with django_assert_num_queries(1):
        assert seg.segments_of_email(" Anna@Example.it ", [gold, roma]) == {gold.pk}
    assert seg.segments_of_email("carla@example.it", [gold, roma]) == {roma.pk}
    assert seg.segments_of_email("guest@example.it", [gold, roma]) == set()  # not a loyalty customer
    assert seg.segment_codes_of(world["bruno"].customer) == ["roma"]


# --- Segment promotions ------------------------------------------------------------------------------------


@pytest.fixture
def gold_promo(world):
    gold = segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    PromotionFactory(name="Gold shoes", variant=world["shoe"], value=D("25.00"), segment=gold)
    return gold


def _stock(location, variant, quantity):
    record_movement(
        actor=HQ, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def test_pricing_gives_a_segment_promotion_to_members_only(world, gold_promo):
    shoe = world["shoe"]
    lines = [(shoe, 2)]
    member = price_lines(lines, channel="web", at=timezone.now(), customer_email="anna@example.it")[0]
    assert (member.promotion_discount, member.line_total) == (D("30.00"), D("90.00"))  # 25% of 60 x 2
    for email in ("bruno@example.it", "guest@example.it", ""):
        other = price_lines(lines, channel="web", at=timezone.now(), customer_email=email)[0]
        assert (other.promotion, other.line_total) == (None, D("120.00"))


def test_an_inactive_segment_opens_its_promotion_to_no_one(world, gold_promo):
    save_segment(actor=HQ, segment=gold_promo, code="gold", name="Gold", rules=gold_promo.rules, active=False)
    line = price_lines(
        [(world["shoe"], 1)], channel="web", at=timezone.now(), customer_email="anna@example.it"
    )[0]
    assert line.promotion is None


def test_a_web_order_gets_the_segment_promotion_for_a_member_only(world, gold_promo):
    hub = WarehouseFactory(code="WH-SEG", city="Piacenza", latitude=D("45.05"), longitude=D("9.69"))
    _stock(hub, world["shoe"], 10)

    def web(email):
        return place_order(
            actor=HQ,
            channel="web",
            lines=[LineInput("SHOE-1", 1)],
            fulfilment=FulfilmentInput(
                type="delivery",
                address={
                    "line1": "Via Roma 1",
                    "city": "Milano",
                    "postcode": "20100",
                    "country": "IT",
                    "latitude": 45.46,
                    "longitude": 9.19,
                },
            ),
            customer=CustomerInput(email=email, first_name="X", last_name="Y"),
        )

    assert web("ANNA@example.it").total == D("45.00")  # 60 - 25%
    assert web("bruno@example.it").total == D("60.00")  # not gold
    assert web("guest@example.it").total == D("60.00")  # a guest: no loyalty profile, so no segment


def test_the_till_gives_the_segment_promotion_to_the_attached_member_only(client, world, gold_promo):
    store = world["milano"]
    _stock(store, world["shoe"], 10)
    client.force_login(UserFactory(username="till-seg", role="associate", locations=[store]))
    url = "/orders/counter/"

    def post(**data):
        return client.post(url, data, HTTP_ACCEPT_LANGUAGE="en", follow=True)

    post(action="add", sku="SHOE-1")
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["total"] == D("60.00")  # no card yet
    post(action="card", card=world["anna"].card_number)
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["total"] == D("45.00")
    post(action="pay", method="card")
    assert Order.objects.get(channel="store", customer_email="anna@example.it").total == D("45.00")

    post(action="add", sku="SHOE-1")
    post(action="card", card=world["bruno"].card_number)
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["total"] == D("60.00")  # silver: refused
    post(action="card-remove")
    assert client.get(url, HTTP_ACCEPT_LANGUAGE="en").context["total"] == D("60.00")  # anonymous: refused
    post(action="pay", method="cash")
    assert Order.objects.filter(channel="store").order_by("-pk").first().total == D("60.00")


def _place_queries(email: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        place_order(
            actor=HQ,
            channel="store",
            lines=[LineInput("TEE-S", 1)],
            fulfilment=FulfilmentInput(type="carry_out", location="MI-SEG"),
            customer=CustomerInput(email=email),
        )
    return len(ctx.captured_queries)


def test_placing_costs_the_same_queries_when_no_segment_promotion_runs(world):
    _stock(world["milano"], world["tee"], 20)
    _place_queries("anna@example.it")  # the process's copies loaded
    baseline, anonymous = _place_queries("anna@example.it"), _place_queries("")
    gold = segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    PromotionFactory(name="Gold shoes only", variant=world["shoe"], segment=gold)  # not on these lines
    PromotionFactory(name="Tees for all", variant=world["tee"])
    _place_queries("anna@example.it")
    assert _place_queries("anna@example.it") == baseline
    PromotionFactory(name="Gold tees", variant=world["tee"], segment=gold)  # now one runs on the line
    _place_queries("anna@example.it")
    assert _place_queries("anna@example.it") == baseline + 1  # the one membership query
    assert _place_queries("") == anonymous  # anonymous: never evaluated


# --- Pages -------------------------------------------------------------------------------------------------


@pytest.fixture
def manager(client, world):
    user = UserFactory(username="seg-manager", role="store_manager", locations=[world["milano"]])
    client.force_login(user)
    return user


def test_pages_are_for_managers_and_associates_get_403(client, world):
    gold = segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    client.force_login(UserFactory(username="seg-assoc", role="associate", locations=[world["milano"]]))
    for url in (
        "/orders/segments/",
        "/orders/segments/new/",
        f"/orders/segments/{gold.pk}/",
        f"/orders/segments/{gold.pk}/edit/",
        f"/orders/segments/{gold.pk}/export.csv",
    ):
        assert client.get(url).status_code == 403, url
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="nav-segments"' not in html


def test_list_with_live_counts_in_both_languages(client, manager, world):
    segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    segment("roma", [{"kind": "city", "cities": ["Roma"]}])
    page = client.get("/orders/segments/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200 and "Customer segments" in html and 'data-testid="nav-segments"' in html
    counts = {s.code: n for s, n in page.context["rows"]}
    assert counts == {"gold": 1, "roma": 2}
    italian = client.get("/orders/segments/", HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Segmenti di clienti" in italian


def test_a_manager_creates_a_segment_from_conditions_and_bad_input_keeps_what_was_typed(
    client, manager, world
):
    data = {
        "code": "roma-recent",
        "name": "Roma, recent",
        "active": "on",
        "cities": ["Roma"],
        "last_purchase": "within",
        "last_purchase_days": "",  # forgotten
        "spend_min": "30",
        "spend_days": "30",
    }
    refused = client.post("/orders/segments/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "Say over how many days." in refused.content.decode()
    assert 'value="Roma, recent"' in refused.content.decode() and not Segment.objects.exists()
    data["last_purchase_days"] = "30"
    created = client.post("/orders/segments/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    saved = Segment.objects.get(code="roma-recent")
    assert created.status_code == 302 and created["Location"] == f"/orders/segments/{saved.pk}/"
    assert saved.rules == [
        {"kind": "spend", "min_amount": "30.00", "days": 30},
        {"kind": "last_purchase", "within": True, "days": 30},
        {"kind": "city", "cities": ["Roma"]},
    ]
    assert saved.created_by == manager
    detail = client.get(f"/orders/segments/{saved.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 member now" in detail and "carla@example.it" in detail and "bruno@example.it" not in detail
    taken = client.post("/orders/segments/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert taken.status_code == 400 and "A segment roma-recent already exists." in taken.content.decode()


def test_editing_shows_the_stored_conditions_and_saves_changes(client, manager, world):
    gold = segment(
        "gold", [{"kind": "tier", "tiers": ["gold"]}, {"kind": "channels", "channels": ["web"], "days": 90}]
    )
    form = client.get(f"/orders/segments/{gold.pk}/edit/", HTTP_ACCEPT_LANGUAGE="en")
    assert form.context["form"].initial["tiers"] == ["gold"]
    assert form.context["form"].initial["channels_days"] == 90
    client.post(
        f"/orders/segments/{gold.pk}/edit/",
        {"code": "gold", "name": "Gold and silver", "active": "on", "tiers": ["gold", "silver"]},
    )
    gold.refresh_from_db()
    assert gold.name == "Gold and silver" and gold.rules == [{"kind": "tier", "tiers": ["gold", "silver"]}]


def test_the_export_lists_the_members_with_the_languages_separators(client, manager, world):
    roma = segment("roma", [{"kind": "city", "cities": ["Roma"]}])
    english = client.get(f"/orders/segments/{roma.pk}/export.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert english["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(english.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Email", "First name", "Last name", "Card number", "Tier", "Points balance"]
    assert [r[0] for r in rows[1:]] == ["bruno@example.it", "carla@example.it"]
    assert rows[1][3] == world["bruno"].card_number and rows[1][4] == "Silver"
    italian = client.get(f"/orders/segments/{roma.pk}/export.csv", HTTP_ACCEPT_LANGUAGE="it")
    text = b"".join(italian.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("bruno@example.it;")


# --- The member's detail, the customer page, the daily sizes -----------------------------------------------


def test_a_members_detail_carries_its_segments(make_api_client, world):
    segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    segment("recent", [{"kind": "last_purchase", "within": True, "days": 30}])
    segment("off", [], active=False)
    api = make_api_client("integration")
    anna = api.get(f"/api/v1/loyalty/members/{world['anna'].pk}/").json()
    assert anna["segments"] == ["gold", "recent"]
    bruno = api.get(f"/api/v1/loyalty/members/{world['bruno'].pk}/").json()
    assert bruno["segments"] == []


def test_the_customer_page_lists_the_segments(client, manager, world):
    segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    html = client.get(
        f"/loyalty/customers/{world['anna'].customer_id}/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'data-testid="customer-segments"><span class="badge">gold</span>' in html


def test_daily_sizes_are_kept_and_reported_by_day(client, manager, world):
    gold = segment("gold", [{"kind": "tier", "tiers": ["gold"]}])
    segment("off", [], active=False)
    yesterday = timezone.localdate() - timedelta(days=1)
    assert snapshot_segment_sizes(day=yesterday) == 1
    Member.objects.filter(pk=world["bruno"].pk).update(tier=Tier.objects.get(code="gold"))
    snapshot_segment_sizes()
    snapshot_segment_sizes()  # twice the same day: replaced, not doubled
    sizes = list(SegmentSize.objects.filter(segment=gold).order_by("day").values_list("day", "members"))
    assert sizes == [(yesterday, 1), (timezone.localdate(), 2)]
    page = client.get("/reports/segment-sizes/?segment=gold", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Segment sizes" in html and "Gold" in html

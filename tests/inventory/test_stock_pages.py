"""The stock pages through Django's test client: each renders for an associate at his store, the forms
write through the services, another store's objects are refused (403) and bad input is a form error
that changes nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory import services
from inventory.models import (
    CountStatus,
    LowStockAlert,
    StockCount,
    StockLevel,
    StockMovement,
    Transfer,
    TransferStatus,
)
from omni.actors import Actor
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

EAN13 = "4006381333931"


@pytest.fixture
def store_a():
    return LocationFactory(
        code="MI-01", name="Milano Duomo", latitude=Decimal("45.4642"), longitude=Decimal("9.19")
    )


@pytest.fixture
def store_b():
    return LocationFactory(
        code="TO-01", name="Torino Centro", latitude=Decimal("45.0703"), longitude=Decimal("7.6869")
    )


@pytest.fixture
def store_c():
    return LocationFactory(
        code="RM-01", name="Roma Corso", latitude=Decimal("41.9028"), longitude=Decimal("12.4964")
    )


@pytest.fixture
def sweater():
    product = ProductFactory(
        name="Maglia girocollo", category=CategoryFactory(name="Maglieria", slug="maglieria")
    )
    return VariantFactory(product=product, sku="MGC-S", gtin=EAN13, size="S")


@pytest.fixture
def shoe():
    product = ProductFactory(
        name="Scarpa running", category=CategoryFactory(name="Calzature", slug="calzature")
    )
    return VariantFactory(product=product, sku="RUN-42", gtin=None, size="42")


def stock(location, variant, quantity):
    services.record_movement(
        actor=None, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


def on_hand(location, variant) -> int:
    row = StockLevel.objects.filter(location=location, variant=variant).first()
    return row.on_hand if row else 0


@pytest.fixture
def associate(client, store_a):
    user = UserFactory(username="giulia", role="associate", locations=[store_a])
    client.force_login(user)
    return user


@pytest.fixture
def manager(client, store_a):
    user = UserFactory(username="marco", role="store_manager", locations=[store_a])
    client.force_login(user)
    return user


def url(name, *args):
    return reverse(f"inventory:{name}", args=args)


# --- rendering ---------------------------------------------------------------------------------------


def test_not_logged_in_redirects_to_login(client):
    response = client.get(url("stock-list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_every_page_renders_for_an_associate_at_his_store(client, associate, store_a, store_b, sweater):
    stock(store_a, sweater, 5)
    count = services.start_count(actor=Actor.for_user(associate), location_id=store_a.pk)
    transfer = services.request_transfer(
        actor=Actor.for_user(associate),
        from_location_id=store_a.pk,
        to_location_id=store_b.pk,
        lines=[services.TransferLineInput(variant_id=sweater.pk, quantity=2)],
    )
    for page in [
        url("stock-lookup"),
        url("stock-lookup") + "?q=MGC-S",
        url("stock-list"),
        url("stock-movements", "MGC-S"),
        url("stock-movement-new"),
        url("count-list"),
        url("count-new"),
        url("count-detail", count.pk),
        url("count-review", count.pk),
        url("transfer-list"),
        url("transfer-new"),
        url("transfer-detail", transfer.pk),
    ]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert b'data-testid="stock-tabs"' in response.content, page


def test_nav_links_to_stock_transfers_and_counts(client, associate):
    html = client.get(url("stock-list")).content.decode()
    for name in ("stock-list", "transfer-list", "count-list"):
        assert f'href="{url(name)}"' in html


# --- 1. lookup -----------------------------------------------------------------------------------------


def test_lookup_by_scanned_gtin_lists_locations_nearest_first(
    client, associate, store_a, store_b, store_c, sweater
):
    stock(store_c, sweater, 4)
    stock(store_b, sweater, 2)
    stock(store_a, sweater, 1)
    response = client.get(url("stock-lookup"), {"q": EAN13})
    assert response.status_code == 200
    assert response.context["variant"] == sweater
    codes = [loc.location for loc in response.context["stock"].locations]
    assert codes == ["MI-01", "TO-01", "RM-01"]  # from Milano: Milano, Torino, Roma
    html = response.content.decode()
    assert 'data-testid="stock-location-RM-01"' in html


def test_lookup_by_name_offers_the_matching_skus(client, associate, sweater, shoe):
    other = VariantFactory(product=sweater.product, sku="MGC-M", size="M")
    response = client.get(url("stock-lookup"), {"q": "girocollo"})
    assert response.context["variant"] is None
    assert {v.sku for v in response.context["matches"]} == {"MGC-S", other.sku}
    one = client.get(url("stock-lookup"), {"q": "running"})
    assert one.context["variant"] == shoe


# --- 2. list and alerts --------------------------------------------------------------------------------


def test_stock_list_filters_and_shows_alerts_to_managers(client, manager, store_a, store_b, sweater, shoe):
    stock(store_a, sweater, 5)
    stock(store_a, shoe, 1)
    services.record_movement(
        actor=None, location_id=store_a.pk, variant_id=shoe.pk, kind="damage", quantity=1
    )
    stock(store_b, sweater, 9)
    LowStockAlert.objects.create(location=store_a, variant=shoe, available_at_raise=0, reorder_point=3)
    response = client.get(url("stock-list"))
    assert [lv.variant.sku for lv in response.context["page"].object_list] == ["MGC-S", "RUN-42"]
    assert [a.variant.sku for a in response.context["alerts"]] == ["RUN-42"]
    assert b'data-testid="low-stock-alerts"' in response.content
    out = client.get(url("stock-list"), {"out_of_stock": "on"})
    assert [lv.variant.sku for lv in out.context["page"].object_list] == ["RUN-42"]
    shoes = client.get(url("stock-list"), {"category": "calzature"})
    assert [lv.variant.sku for lv in shoes.context["page"].object_list] == ["RUN-42"]


def test_associates_do_not_see_alerts(client, associate, store_a, shoe):
    LowStockAlert.objects.create(location=store_a, variant=shoe, available_at_raise=0, reorder_point=3)
    response = client.get(url("stock-list"))
    assert response.context["alerts"] is None


def test_another_stores_stock_is_refused(client, associate, store_b):
    assert client.get(url("stock-list"), {"location": store_b.pk}).status_code == 403


def test_hq_chooses_a_location(client, store_a, sweater):
    client.force_login(UserFactory(role="hq_manager"))
    response = client.get(url("stock-list"))
    assert response.status_code == 200 and b'data-testid="location-picker"' in response.content
    stock(store_a, sweater, 3)
    response = client.get(url("stock-list"), {"location": store_a.pk})
    assert [lv.on_hand for lv in response.context["page"].object_list] == [3]


# --- 3 and 4. movements --------------------------------------------------------------------------------


def test_receipt_by_scanned_gtin_adds_a_movement(client, associate, store_a, sweater):
    response = client.post(
        url("stock-movement-new"),
        {"location": store_a.pk, "sku": EAN13, "kind": "receipt", "quantity": "6", "reason": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == url("stock-movements", "MGC-S") + f"?location={store_a.pk}"
    movement = StockMovement.objects.get(location=store_a, variant=sweater)
    assert (movement.kind, movement.delta, movement.user) == ("receipt", 6, associate)
    assert on_hand(store_a, sweater) == 6

    history = client.get(response["Location"])
    rows = list(history.context["page"].object_list)
    assert [(m.kind, m.delta, m.on_hand_after) for m in rows] == [("receipt", 6, 6)]
    assert "giulia" in history.content.decode()


def test_movement_history_is_newest_first_with_the_running_level(client, associate, store_a, sweater):
    stock(store_a, sweater, 5)
    services.record_movement(
        actor=None,
        location_id=store_a.pk,
        variant_id=sweater.pk,
        kind="adjustment",
        quantity=-2,
        reason="shrinkage",
    )
    response = client.get(url("stock-movements", "MGC-S"))
    assert [(m.kind, m.delta, m.on_hand_after) for m in response.context["page"].object_list] == [
        ("adjustment", -2, 3),
        ("receipt", 5, 5),
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"sku": "NOPE", "kind": "receipt", "quantity": "1"}, "sku"),
        ({"sku": "MGC-S", "kind": "receipt", "quantity": "abc"}, "quantity"),
        ({"sku": "MGC-S", "kind": "receipt", "quantity": "0"}, "quantity"),
        ({"sku": "MGC-S", "kind": "adjustment", "quantity": "-1", "reason": ""}, "reason"),
        ({"sku": "MGC-S", "kind": "steal", "quantity": "1"}, "kind"),
        ({"sku": "MGC-S", "kind": "damage", "quantity": "9"}, None),  # insufficient stock
    ],
)
def test_bad_movements_are_form_errors_and_change_nothing(client, associate, store_a, sweater, data, field):
    stock(store_a, sweater, 2)
    response = client.post(url("stock-movement-new"), {"location": store_a.pk, **data})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors
    if field:
        assert field in form.errors
    else:
        assert form.non_field_errors() and "MGC-S" in form.non_field_errors()[0]
    assert StockMovement.objects.filter(variant=sweater).count() == 1
    assert on_hand(store_a, sweater) == 2


def test_an_associate_cannot_record_a_movement_at_another_store(client, associate, store_b, sweater):
    response = client.post(
        url("stock-movement-new"),
        {"location": store_b.pk, "sku": "MGC-S", "kind": "receipt", "quantity": "1"},
    )
    assert response.status_code == 403
    assert not StockMovement.objects.exists()


# --- 5. counts -------------------------------------------------------------------------------------------


def test_a_count_from_start_to_post(client, associate, store_a, sweater, shoe):
    stock(store_a, sweater, 5)
    stock(store_a, shoe, 2)
    response = client.post(url("count-new"), {"location": store_a.pk, "category": "", "blind": "on"})
    count = StockCount.objects.get()
    assert response["Location"] == url("count-detail", count.pk)
    assert count.blind and count.lines.count() == 2

    assert client.post(url("count-detail", count.pk), {"sku": EAN13, "counted": "4"}).status_code == 302
    assert client.post(url("count-detail", count.pk), {"sku": "RUN-42", "counted": "2"}).status_code == 302
    page = client.get(url("count-detail", count.pk))
    assert b'data-testid="expected"' not in page.content  # blind: the expected quantity is hidden
    assert page.context["counted"] == 2

    stock(store_a, sweater, 3)  # a delivery after the count: kept, not counted as a variance
    review = client.get(url("count-review", count.pk))
    variances = {row.line.variant.sku: (row.variance, row.moved_since) for row in review.context["rows"]}
    assert variances == {"MGC-S": (-1, 3), "RUN-42": (0, 0)}

    assert client.post(url("count-post", count.pk)).status_code == 302
    count.refresh_from_db()
    assert count.status == CountStatus.POSTED
    assert on_hand(store_a, sweater) == 7
    movement = StockMovement.objects.get(kind="count")
    assert (movement.delta, movement.reference) == (-1, f"count:{count.number}")


def test_an_open_count_that_is_not_blind_shows_the_expected_quantity(client, associate, store_a, sweater):
    stock(store_a, sweater, 5)
    client.post(url("count-new"), {"location": store_a.pk})
    count = StockCount.objects.get()
    assert not count.blind
    client.post(url("count-detail", count.pk), {"sku": "MGC-S", "counted": "5"})
    assert b'data-testid="expected"' in client.get(url("count-detail", count.pk)).content


def test_a_category_count_refuses_another_category(client, associate, store_a, sweater, shoe):
    stock(store_a, sweater, 1)
    stock(store_a, shoe, 1)
    category = sweater.product.category
    client.post(url("count-new"), {"location": store_a.pk, "category": category.pk, "blind": "on"})
    count = StockCount.objects.get()
    response = client.post(url("count-detail", count.pk), {"sku": "RUN-42", "counted": "1"})
    assert response.status_code == 200 and "sku" in response.context["form"].errors
    assert not count.lines.filter(counted__isnull=False).exists()


def test_bad_count_entries_are_form_errors(client, associate, store_a, sweater):
    count = services.start_count(actor=Actor.for_user(associate), location_id=store_a.pk)
    for data in ({"sku": "MGC-S", "counted": "-1"}, {"sku": "NOPE", "counted": "1"}, {"sku": "MGC-S"}):
        response = client.post(url("count-detail", count.pk), data)
        assert response.status_code == 200 and response.context["form"].errors, data
    assert not count.lines.filter(counted__isnull=False).exists()


def test_cancel_a_count(client, associate, store_a, sweater):
    count = services.start_count(actor=Actor.for_user(associate), location_id=store_a.pk)
    assert client.post(url("count-cancel", count.pk)).status_code == 302
    count.refresh_from_db()
    assert count.status == CountStatus.CANCELLED
    response = client.post(url("count-post", count.pk), follow=True, HTTP_ACCEPT_LANGUAGE="en")  # too late
    assert any("cancelled" in str(m) for m in response.context["messages"])  # a message, no change


def test_another_stores_count_is_refused(client, associate, store_b, sweater):
    stock(store_b, sweater, 3)
    count = services.start_count(actor=Actor.system(), location_id=store_b.pk)
    assert client.get(url("count-detail", count.pk)).status_code == 404
    assert client.post(url("count-detail", count.pk), {"sku": "MGC-S", "counted": "1"}).status_code == 403
    assert client.post(url("count-post", count.pk)).status_code == 403
    assert client.post(url("count-cancel", count.pk)).status_code == 403
    assert client.post(url("count-new"), {"location": store_b.pk}).status_code == 403
    assert StockCount.objects.get().status == CountStatus.OPEN
    assert not count.lines.filter(counted__isnull=False).exists()


# --- 6. transfers -------------------------------------------------------------------------------------------


def transfer_post(from_location, to_location, *lines, action="scan"):
    """A post of the new-transfer page's draft form: a scan of the first SKU given (or the request)."""
    return {
        "action": action,
        "from_location": from_location.pk,
        "to_location": to_location.pk,
        "reference": "",
        "note": "",
        "sku": lines[0][0] if lines else "",
    }


def request_through_the_draft(client, from_location, to_location, *lines):
    """Scan each SKU as many times as its quantity, then request the transfer: the last response (the
    page's own, when a scan was refused on the way)."""
    for sku, quantity in lines:
        for _ in range(quantity):
            response = client.post(url("transfer-new"), transfer_post(from_location, to_location, (sku, 1)))
            if response.status_code != 302:
                return response
    return client.post(url("transfer-new"), transfer_post(from_location, to_location, action="request"))


def test_a_transfer_requested_shipped_and_received_with_a_shortfall(client, store_a, store_b, sweater, shoe):
    stock(store_a, sweater, 5)
    stock(store_a, shoe, 2)
    sender = UserFactory(role="store_manager", locations=[store_a])
    receiver = UserFactory(role="store_manager", locations=[store_b])

    client.force_login(sender)
    response = request_through_the_draft(client, store_a, store_b, (EAN13, 3), ("RUN-42", 2))
    transfer = Transfer.objects.get()
    assert response["Location"] == url("transfer-detail", transfer.pk)
    assert StockLevel.objects.get(location=store_a, variant=sweater).reserved == 3
    outgoing = client.get(url("transfer-list"), {"direction": "out"})
    assert list(outgoing.context["page"].object_list) == [transfer]
    assert client.post(url("transfer-ship", transfer.pk), {"carrier": "BRT"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED and transfer.carrier == "BRT"

    client.force_login(receiver)
    incoming = client.get(url("transfer-list"), {"direction": "in"})
    assert list(incoming.context["page"].object_list) == [transfer]
    lines = {line.variant.sku: line for line in transfer.lines.select_related("variant")}
    detail = client.get(url("transfer-detail", transfer.pk))
    assert detail.context["receive_form"] is not None and detail.context["ship_form"] is None
    response = client.post(
        url("transfer-receive", transfer.pk),
        {
            f"received_{lines['MGC-S'].pk}": "2",
            f"reason_{lines['MGC-S'].pk}": "box damaged",
            f"received_{lines['RUN-42'].pk}": "2",
            f"reason_{lines['RUN-42'].pk}": "",
        },
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    short = transfer.lines.get(variant=sweater)
    assert (short.quantity_received, short.shortfall_reason) == (2, "box damaged")
    assert (on_hand(store_a, sweater), on_hand(store_b, sweater)) == (2, 2)
    assert (on_hand(store_a, shoe), on_hand(store_b, shoe)) == (0, 2)


def test_bad_transfers_are_form_errors(client, associate, store_a, store_b, sweater):
    stock(store_a, sweater, 2)
    cases = [
        (store_a, store_b),  # no lines
        (store_a, store_a, ("MGC-S", 1)),  # same location
        (store_a, store_b, ("NOPE", 1)),  # unknown SKU
        (store_a, store_b, ("MGC-S", 3)),  # more than available (the third scan)
    ]
    for case in cases:
        client.session.flush()
        client.force_login(associate)
        response = request_through_the_draft(client, *case)
        assert response.status_code == 200, case
        assert response.context["form"].errors or response.context["scan_form"].errors, case
    assert not Transfer.objects.exists()
    assert StockLevel.objects.get(location=store_a, variant=sweater).reserved == 0


def test_receiving_more_than_shipped_is_a_form_error(client, store_a, store_b, sweater):
    stock(store_a, sweater, 5)
    transfer = services.request_transfer(
        actor=Actor.system(),
        from_location_id=store_a.pk,
        to_location_id=store_b.pk,
        lines=[services.TransferLineInput(variant_id=sweater.pk, quantity=3)],
    )
    services.ship_transfer(actor=Actor.system(), transfer_id=transfer.pk)
    client.force_login(UserFactory(role="associate", locations=[store_b]))
    line = transfer.lines.get()
    response = client.post(url("transfer-receive", transfer.pk), {f"received_{line.pk}": "4"})
    assert response.status_code == 200 and response.context["receive_form"].errors
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED and on_hand(store_b, sweater) == 0


def test_an_associate_cannot_act_on_another_stores_transfer(
    client, associate, store_a, store_b, store_c, sweater
):
    stock(store_b, sweater, 5)
    transfer = services.request_transfer(
        actor=Actor.system(),
        from_location_id=store_b.pk,
        to_location_id=store_c.pk,
        lines=[services.TransferLineInput(variant_id=sweater.pk, quantity=2)],
    )
    assert client.get(url("transfer-detail", transfer.pk)).status_code == 404
    assert client.post(url("transfer-ship", transfer.pk)).status_code == 403
    assert client.post(url("transfer-cancel", transfer.pk)).status_code == 403
    assert client.post(url("transfer-receive", transfer.pk)).status_code == 403
    assert client.post(url("transfer-new"), transfer_post(store_b, store_c, ("MGC-S", 1))).status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REQUESTED and Transfer.objects.count() == 1


def test_the_receiving_store_cannot_ship_and_cancel_releases(client, store_a, store_b, sweater):
    stock(store_a, sweater, 5)
    transfer = services.request_transfer(
        actor=Actor.system(),
        from_location_id=store_a.pk,
        to_location_id=store_b.pk,
        lines=[services.TransferLineInput(variant_id=sweater.pk, quantity=2)],
    )
    client.force_login(UserFactory(role="associate", locations=[store_b]))
    assert client.post(url("transfer-ship", transfer.pk)).status_code == 403
    assert client.post(url("transfer-cancel", transfer.pk)).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert StockLevel.objects.get(location=store_a, variant=sweater).reserved == 0


# --- the low-stock digest email -----------------------------------------------------------------------------


def test_low_stock_digest_email(mailoutbox, store_a, shoe):
    from inventory.services.alerts import send_low_stock_digests

    UserFactory(username="dora", first_name="Dora", role="store_manager", locations=[store_a])
    LowStockAlert.objects.create(location=store_a, variant=shoe, available_at_raise=1, reorder_point=3)
    assert send_low_stock_digests() == 1
    mail = mailoutbox[0]
    assert "MI-01" in mail.subject and "\n" not in mail.subject
    assert "RUN-42" in mail.body and "Dora" in mail.body
    assert "RUN-42" in mail.alternatives[0][0]

"""The store floor, scanner first, through Django's test client: a count where each scan counts one unit
(and a line's quantity can still be set exactly), a transfer drafted by scanning and kept in the session
until it is requested, the transfer's delivery note, the stock lookup that always lists one's own store,
and a SKU's page that answers "do we have it?" (here, nearby, on its way)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory import services
from inventory.models import StockCount, StockLevel, Transfer
from omni.actors import Actor
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory, WarehouseFactory

pytestmark = pytest.mark.django_db

GTIN = "8001234567897"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def url(name, *args):
    return reverse(f"inventory:{name}", args=args)


@pytest.fixture
def milano():
    return LocationFactory(
        code="MI-01",
        name="Milano Duomo",
        city="Milano",
        latitude=Decimal("45.4642"),
        longitude=Decimal("9.19"),
    )


@pytest.fixture
def monza():
    return LocationFactory(
        code="MB-01",
        name="Monza Centro",
        city="Monza",
        latitude=Decimal("45.5845"),
        longitude=Decimal("9.2744"),
    )


@pytest.fixture
def roma():
    return LocationFactory(
        code="RM-01",
        name="Roma Corso",
        city="Roma",
        latitude=Decimal("41.9028"),
        longitude=Decimal("12.4964"),
    )


@pytest.fixture
def tee():
    product = ProductFactory(
        name="T-shirt basic", category=CategoryFactory(name="Maglieria", slug="maglieria")
    )
    return VariantFactory(product=product, sku="TEE-M-BLU", gtin=GTIN, size="M", color="Blu")


@pytest.fixture
def jeans():
    product = ProductFactory(name="Jeans slim", category=CategoryFactory(name="Denim", slug="denim"))
    return VariantFactory(product=product, sku="JNS-32", gtin=None, size="32")


def stock(location, variant, quantity):
    services.record_movement(
        actor=None, location_id=location.pk, variant_id=variant.pk, kind="receipt", quantity=quantity
    )


@pytest.fixture
def giulia(client, milano):
    user = UserFactory(username="giulia", role="store_manager", locations=[milano])
    client.force_login(user)
    return user


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


# --- counts -----------------------------------------------------------------------------------------------


@pytest.fixture
def count(giulia, milano, tee, jeans):
    stock(milano, tee, 5)
    stock(milano, jeans, 2)
    return services.start_count(actor=Actor.for_user(giulia), location_id=milano.pk, blind=True)


def scan_count(client, count, code, **extra):
    return client.post(url("count-detail", count.pk), {"action": "scan", "sku": code}, **extra)


def counted(count, variant):
    return count.lines.get(variant=variant).counted


def test_a_scan_alone_counts_one_unit_and_repeated_scans_add_up(client, count, tee):
    response = scan_count(client, count, GTIN, **EN)
    assert response.status_code == 302
    assert response["Location"] == url("count-detail", count.pk) + "?scanned=TEE-M-BLU"
    assert counted(count, tee) == 1
    client.get(response["Location"])
    client.get(scan_count(client, count, "tee-m-blu")["Location"])  # typed, any case
    page = client.get(scan_count(client, count, GTIN, **EN)["Location"], **EN)
    assert counted(count, tee) == 3
    assert messages_of(page) == ["TEE-M-BLU: 3 counted."]
    html = page.content.decode()
    assert 'data-testid="count-last"' in html and "TEE-M-BLU" in html
    assert "data-scan-box" in html and "autofocus" in html
    assert page.context["counted"] == 1
    assert count.status == "open" and not count.lines.filter(variance__isnull=False).exists()


def test_the_scan_box_is_its_own_form_and_posting_is_a_separate_page(client, count):
    html = client.get(url("count-detail", count.pk), **EN).content.decode()
    scan_form = html[html.index('data-testid="count-scan-form"') :]
    scan_form = scan_form[: scan_form.index("</form>")]
    assert 'name="action" value="scan"' in scan_form and 'name="counted"' not in scan_form
    assert url("count-post", count.pk) not in html  # posting the count is on the review page only
    assert url("count-review", count.pk) in html


def test_a_lines_quantity_is_set_exactly_after_scanning(client, count, tee):
    for _ in range(2):
        scan_count(client, count, GTIN)
    response = client.post(
        url("count-detail", count.pk), {"action": "set", "sku": "TEE-M-BLU", "counted": "12"}
    )
    assert response.status_code == 302
    assert counted(count, tee) == 12
    scan_count(client, count, GTIN)
    assert counted(count, tee) == 13
    page = client.get(url("count-detail", count.pk))
    assert 'value="13"' in page.content.decode()


def test_an_unknown_code_says_so_keeps_the_code_and_counts_nothing(client, count):
    scan_count(client, count, GTIN)
    for lang, text in (
        ("en", "No SKU or barcode 999999 in the catalog."),
        ("it", "Nessuno SKU o codice a barre 999999 nel catalogo."),
    ):
        response = scan_count(client, count, "999999", HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        assert response.context["scan_form"].errors["sku"]
        html = response.content.decode()
        assert text in html
        assert 'value="999999"' in html and "autofocus" in html  # the code stays in the focused box
    assert [(line.variant.sku, line.counted) for line in count.lines.filter(counted__isnull=False)] == [
        ("TEE-M-BLU", 1)
    ]


def _counted_table(html):
    table = html[html.index('data-testid="count-recent"') :]
    return re.sub(r'<input type="hidden"[^>]*>', "", table[: table.index("</table>")])


def test_a_blind_count_never_shows_the_expected_quantity(client, count, milano, tee, giulia):
    stock(milano, tee, 1229)  # 1234 on hand
    scan_count(client, count, GTIN)
    blind = client.get(url("count-detail", count.pk) + "?scanned=TEE-M-BLU", **EN).content.decode()
    assert 'data-testid="expected"' not in blind and ">Expected<" not in blind
    last = blind.split('data-testid="count-last"')[1][:400]
    for figure in ("1234", "1,234"):
        assert figure not in _counted_table(blind) and figure not in last
    open_count = services.start_count(actor=Actor.for_user(giulia), location_id=milano.pk, blind=False)
    scan_count(client, open_count, GTIN)
    seen = client.get(url("count-detail", open_count.pk), **EN).content.decode()
    assert 'data-testid="expected">1,234<' in _counted_table(seen)


def test_scans_into_a_posted_count_are_refused(client, count, tee):
    services.post_count(actor=Actor.system(), count_id=count.pk)
    response = scan_count(client, count, GTIN, **EN)
    assert response.status_code == 200 and response.context["scan_form"].errors
    assert "no longer takes entries" in response.content.decode()
    assert counted(count, tee) is None


def test_another_stores_count_refuses_scans(client, giulia, roma, tee):
    stock(roma, tee, 1)
    other = services.start_count(actor=Actor.system(), location_id=roma.pk)
    assert scan_count(client, other, GTIN).status_code == 403
    assert not StockCount.objects.get(pk=other.pk).lines.filter(counted__isnull=False).exists()


# --- transfers: a draft built by scanning -----------------------------------------------------------------


def scan_transfer(client, code, from_location, to_location, **extra):
    data = {"action": "scan", "sku": code, "from_location": from_location.pk, "to_location": to_location.pk}
    data.update({"reference": "", "note": ""})
    return client.post(url("transfer-new"), data, **extra)


def draft(client):
    return client.session.get("inventory_transfer_draft") or {}


def test_scans_build_the_draft_and_nothing_is_requested_until_asked(
    client, giulia, milano, monza, tee, jeans
):
    stock(milano, tee, 5)
    stock(milano, jeans, 4)
    response = scan_transfer(client, GTIN, milano, monza, **EN)
    assert response.status_code == 302
    assert response["Location"] == url("transfer-new") + "?scanned=TEE-M-BLU"
    scan_transfer(client, GTIN, milano, monza)
    scan_transfer(client, "JNS-32", milano, monza)
    assert not Transfer.objects.exists()
    assert draft(client)["lines"] == {"TEE-M-BLU": 2, "JNS-32": 1}
    assert (draft(client)["from"], draft(client)["to"]) == (milano.pk, monza.pk)

    page = client.get(url("transfer-new") + "?scanned=TEE-M-BLU", **EN)
    assert [(r["variant"].sku, r["quantity"], r["available"]) for r in page.context["lines"]] == [
        ("TEE-M-BLU", 2, 5),
        ("JNS-32", 1, 4),
    ]
    html = page.content.decode()
    assert f'<option value="{monza.pk}" selected>' in html  # the route is kept while scanning
    assert 'data-testid="transfer-last"' in html and "2 on the transfer" in html

    # a line's quantity is corrected, another removed, then the transfer is requested explicitly
    client.post(url("transfer-new"), {"action": "set", "sku": "TEE-M-BLU", "quantity": "4"})
    client.post(url("transfer-new"), {"action": "remove", "sku": "JNS-32"})
    assert draft(client)["lines"] == {"TEE-M-BLU": 4}
    response = client.post(
        url("transfer-new"),
        {
            "action": "request",
            "from_location": milano.pk,
            "to_location": monza.pk,
            "reference": "R-7",
            "note": "",
        },
    )
    transfer = Transfer.objects.get()
    assert response["Location"] == url("transfer-detail", transfer.pk)
    assert [(line.variant.sku, line.quantity) for line in transfer.lines.all()] == [("TEE-M-BLU", 4)]
    assert transfer.reference == "R-7"
    assert StockLevel.objects.get(location=milano, variant=tee).reserved == 4
    assert draft(client) == {}


def test_any_number_of_lines(client, giulia, milano, monza):
    product = ProductFactory(name="Calzini")
    skus = [f"SOCK-{n:02d}" for n in range(12)]
    for sku in skus:
        stock(milano, VariantFactory(product=product, sku=sku, gtin=None), 1)
        scan_transfer(client, sku, milano, monza)
    client.post(
        url("transfer-new"), {"action": "request", "from_location": milano.pk, "to_location": monza.pk}
    )
    assert Transfer.objects.get().lines.count() == 12


def test_a_scan_beyond_what_the_source_has_is_refused_with_a_message(client, giulia, milano, monza, tee):
    stock(milano, tee, 2)
    scan_transfer(client, GTIN, milano, monza)
    scan_transfer(client, GTIN, milano, monza)
    response = scan_transfer(client, GTIN, milano, monza, **EN)
    assert response.status_code == 200
    assert "Only 2 of TEE-M-BLU available at MI-01." in response.context["scan_form"].errors["sku"]
    assert draft(client)["lines"] == {"TEE-M-BLU": 2}
    it = scan_transfer(client, GTIN, milano, monza, HTTP_ACCEPT_LANGUAGE="it")
    assert "Solo 2 di TEE-M-BLU disponibili in MI-01." in it.content.decode()
    # setting a line above what is available is refused too
    response = client.post(url("transfer-new"), {"action": "set", "sku": "TEE-M-BLU", "quantity": "3"}, **EN)
    assert draft(client)["lines"] == {"TEE-M-BLU": 2}
    assert any("Only 2 of TEE-M-BLU" in m for m in messages_of(client.get(response["Location"])))


def test_a_code_not_held_at_the_source_or_unknown_is_refused(client, giulia, milano, monza, jeans):
    response = scan_transfer(client, "JNS-32", milano, monza, **EN)
    assert "Only 0 of JNS-32 available at MI-01." in response.context["scan_form"].errors["sku"]
    response = scan_transfer(client, "NOPE-1", milano, monza, **EN)
    assert response.status_code == 200 and 'value="NOPE-1"' in response.content.decode()
    assert "No SKU or barcode NOPE-1 in the catalog." in response.context["scan_form"].errors["sku"]
    assert draft(client)["lines"] == {}
    assert draft(client)["to"] == monza.pk  # the route chosen is kept all the same


def test_requesting_an_empty_draft_or_the_same_location_is_a_form_error(client, giulia, milano, tee):
    stock(milano, tee, 3)
    response = client.post(
        url("transfer-new"), {"action": "request", "from_location": milano.pk, "to_location": ""}, **EN
    )
    assert response.status_code == 200 and "to_location" in response.context["form"].errors
    response = scan_transfer(client, GTIN, milano, milano)
    assert response.status_code == 200 and "to_location" in response.context["form"].errors
    monza = LocationFactory(code="MB-02", name="Monza")
    response = client.post(
        url("transfer-new"), {"action": "request", "from_location": milano.pk, "to_location": monza.pk}, **EN
    )
    assert response.status_code == 200
    assert "Scan at least one SKU first." in response.context["form"].non_field_errors()
    assert not Transfer.objects.exists()


def test_a_transfer_between_two_other_stores_is_refused(client, giulia, monza, roma, tee):
    assert scan_transfer(client, GTIN, monza, roma).status_code == 403
    assert draft(client) == {}


# --- delivery note --------------------------------------------------------------------------------------


def test_the_delivery_note_lists_the_lines_and_a_signature_line(client, giulia, milano, monza, tee, jeans):
    stock(milano, tee, 5)
    stock(milano, jeans, 2)
    transfer = services.request_transfer(
        actor=Actor.for_user(giulia),
        from_location_id=milano.pk,
        to_location_id=monza.pk,
        lines=[
            services.TransferLineInput(variant_id=tee.pk, quantity=3),
            services.TransferLineInput(variant_id=jeans.pk, quantity=2),
        ],
    )
    services.ship_transfer(actor=Actor.for_user(giulia), transfer_id=transfer.pk, carrier="BRT")
    detail = client.get(url("transfer-detail", transfer.pk)).content.decode()
    assert url("transfer-delivery-note", transfer.pk) in detail
    for lang, texts in (
        ("en", ["Delivery note", "Received by", "Total units"]),
        ("it", ["Documento di trasporto", "Ricevuto da", "Totale pezzi"]),
    ):
        response = client.get(url("transfer-delivery-note", transfer.pk), HTTP_ACCEPT_LANGUAGE=lang)
        assert response.status_code == 200
        html = response.content.decode()
        for text in [transfer.number, "MI-01", "MB-01", "TEE-M-BLU", "JNS-32", "BRT", *texts]:
            assert text in html, (lang, text)
        assert 'data-testid="delivery-note-units"><strong>5<' in html
        assert "<script" not in html.split("</head>")[1]  # no inline script: printing is scan.js
    assert 'data-action="print"' in html


def test_another_stores_delivery_note_is_a_404(client, giulia, monza, roma, tee):
    stock(monza, tee, 1)
    transfer = services.request_transfer(
        actor=Actor.system(),
        from_location_id=monza.pk,
        to_location_id=roma.pk,
        lines=[services.TransferLineInput(variant_id=tee.pk, quantity=1)],
    )
    assert client.get(url("transfer-delivery-note", transfer.pk)).status_code == 404


# --- stock lookup -----------------------------------------------------------------------------------------


def test_the_lookup_lists_ones_own_store_first_with_zero(client, giulia, milano, monza, roma, tee):
    stock(roma, tee, 4)
    stock(monza, tee, 1)
    response = client.get(url("stock-lookup"), {"q": GTIN}, **EN)
    locations = response.context["stock"].locations
    assert [(loc.location, loc.on_hand, loc.available) for loc in locations] == [
        ("MI-01", 0, 0),
        ("MB-01", 1, 1),
        ("RM-01", 4, 4),
    ]
    html = response.content.decode()
    assert 'data-testid="stock-here"' in html and "data-scan-box" in html and "autofocus" in html


def test_the_lookup_keeps_ones_own_store_first_when_it_has_stock(client, giulia, milano, monza, tee):
    stock(monza, tee, 1)
    stock(milano, tee, 2)
    response = client.get(url("stock-lookup"), {"q": "TEE-M-BLU"})
    assert [loc.location for loc in response.context["stock"].locations] == ["MI-01", "MB-01"]


# --- the SKU page: do we have it? --------------------------------------------------------------------------


def test_the_sku_page_shows_stock_here_nearby_and_in_transit(client, giulia, milano, monza, roma, tee):
    stock(milano, tee, 3)
    stock(roma, tee, 6)
    stock(monza, tee, 2)
    WarehouseFactory(code="WH-01")
    transfer = services.request_transfer(
        actor=Actor.system(),
        from_location_id=roma.pk,
        to_location_id=milano.pk,
        lines=[services.TransferLineInput(variant_id=tee.pk, quantity=2)],
    )
    services.ship_transfer(actor=Actor.system(), transfer_id=transfer.pk)
    services.reserve_stock(
        owner="test:hold",
        lines=[services.StockLine(location_id=milano.pk, variant_id=tee.pk, quantity=1)],
    )
    response = client.get(url("sku-detail", "TEE-M-BLU"), **EN)
    assert response.context["here_level"] == {"on_hand": 3, "reserved": 1, "available": 2}
    nearby = [(loc.location, loc.available) for loc in response.context["nearby"]]
    assert nearby == [("MB-01", 2), ("RM-01", 4)]  # nearest first, not here, stores only
    assert response.context["nearby"][0].distance_km < response.context["nearby"][1].distance_km
    assert [(line.transfer.number, line.quantity) for line in response.context["in_transit"]] == [
        (transfer.number, 2)
    ]
    html = response.content.decode()
    for testid in ("stock-here", "nearby-MB-01", f"in-transit-{transfer.number}"):
        assert f'data-testid="{testid}"' in html
    assert " km" in html
    assert "Do we have it?" in html
    it = client.get(url("sku-detail", "TEE-M-BLU"), HTTP_ACCEPT_LANGUAGE="it").content.decode()
    assert "Ce l&#x27;abbiamo?" in it or "Ce l'abbiamo?" in it


def test_the_sku_page_without_stock_anywhere(client, giulia, milano, tee):
    response = client.get(url("sku-detail", "TEE-M-BLU"), **EN)
    assert response.context["here_level"] == {"on_hand": 0, "reserved": 0, "available": 0}
    html = response.content.decode()
    assert 'data-testid="no-nearby"' in html and 'data-testid="no-in-transit"' in html


# --- the catalog search: a scan or a whole SKU goes straight to its page ----------------------------


@pytest.mark.parametrize("typed", ["TEE-M-BLU", "tee-m-blu", GTIN, "0" + GTIN])
def test_a_sku_or_barcode_in_the_catalog_search_opens_the_sku(client, giulia, tee, typed):
    response = client.get(url("catalog"), {"q": typed})
    assert response.status_code == 302
    assert response["Location"] == url("sku-detail", "TEE-M-BLU")


def test_a_sku_start_or_a_name_still_lists_the_matches(client, giulia, tee):
    VariantFactory(product=tee.product, sku="TEE-L-BLU", size="L", color="Blu")
    for typed in ("TEE", "basic blu"):
        response = client.get(url("catalog"), {"q": typed})
        assert response.status_code == 200
        assert {v.sku for v in response.context["page"].object_list} == {"TEE-M-BLU", "TEE-L-BLU"}

"""The catalog's staff pages: the search (a scanned barcode jumps to its SKU), a SKU's detail, the
price form for HQ, and the dashboard panel."""

from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import Variant
from omni.models import AuditEntry
from tests.inventory.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

CATALOG = reverse("inventory:catalog")
EAN13 = "4006381333931"
UPCA = "036000291452"


def detail_url(sku):
    return reverse("inventory:sku-detail", kwargs={"sku": sku})


@pytest.fixture
def sweater():
    product = ProductFactory(
        name="Maglia girocollo",
        brand=BrandFactory(name="Acme"),
        category=CategoryFactory(name="Maglieria", slug="maglieria"),
        description="Cotone",
    )
    VariantFactory(
        product=product, sku="MGC-S", gtin=EAN13, size="S", price=Decimal("19.90"), cost_price=Decimal("8.15")
    )
    VariantFactory(product=product, sku="MGC-M", gtin=UPCA, size="M", price=Decimal("21.50"))
    return product


@pytest.fixture
def shoe():
    product = ProductFactory(
        name="Scarpa running",
        brand=BrandFactory(name="Zeta"),
        category=CategoryFactory(name="Calzature", slug="calzature"),
    )
    VariantFactory(product=product, sku="RUN-42", gtin=None, size="42")
    return product


@pytest.fixture
def associate(client):
    user = UserFactory(role="associate")
    client.force_login(user)
    return user


@pytest.fixture
def manager(client):
    user = UserFactory(role="store_manager")
    client.force_login(user)
    return user


@pytest.fixture
def hq(client):
    user = UserFactory(role="hq_manager")
    client.force_login(user)
    return user


def rows(response):
    return [v.sku for v in response.context["page"].object_list]


@pytest.mark.parametrize("url", [CATALOG, detail_url("MGC-S")])
def test_not_logged_in_redirects_to_login(client, sweater, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_catalog_page_has_an_autofocus_search_box(client, associate, sweater, shoe):
    response = client.get(CATALOG)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="q"' in html and "autofocus" in html
    assert rows(response) == ["MGC-M", "MGC-S", "RUN-42"]


def test_search_by_name_shows_a_table(client, associate, sweater, shoe):
    response = client.get(CATALOG, {"q": "girocollo"})
    assert response.status_code == 200
    assert rows(response) == ["MGC-M", "MGC-S"]
    html = response.content.decode()
    assert 'data-testid="catalog-results"' in html
    for text in ("Maglia girocollo", "Acme", "Maglieria", "MGC-S", EAN13, detail_url("MGC-S")):
        assert text in html


def test_search_by_brand_and_sku(client, associate, sweater, shoe):
    assert rows(client.get(CATALOG, {"q": "zeta"})) == ["RUN-42"]
    assert rows(client.get(CATALOG, {"q": "mgc-"})) == ["MGC-M", "MGC-S"]
    exact = client.get(CATALOG, {"q": "mgc-s"})  # a whole SKU opens its page, as a scan does
    assert exact.status_code == 302 and exact["Location"] == detail_url("MGC-S")


@pytest.mark.parametrize("scanned", [EAN13, "0" + EAN13])
def test_scanned_gtin_jumps_to_the_sku(client, associate, sweater, scanned):
    response = client.get(CATALOG, {"q": scanned})
    assert response.status_code == 302
    assert response["Location"] == detail_url("MGC-S")


def test_scanned_upca_read_as_ean13_jumps_too(client, associate, sweater):
    response = client.get(CATALOG, {"q": "0" + UPCA}, follow=True)
    assert response.redirect_chain == [(detail_url("MGC-M"), 302)]
    assert response.context["variant"].sku == "MGC-M"


def test_unknown_scanned_gtin_says_so(client, associate, sweater):
    response = client.get(CATALOG, {"q": "96385074"})
    assert response.status_code == 200
    assert rows(response) == []
    assert any("96385074" in str(m) for m in response.context["messages"])


def test_filters_by_category_and_brand(client, associate, sweater, shoe):
    assert rows(client.get(CATALOG, {"category": "calzature"})) == ["RUN-42"]
    assert rows(client.get(CATALOG, {"brand": "Acme"})) == ["MGC-M", "MGC-S"]
    assert rows(client.get(CATALOG, {"brand": "Acme", "category": "calzature"})) == []
    response = client.get(CATALOG, {"category": "no-such-category"})
    assert response.status_code == 200 and rows(response) == [] and response.context["form"].errors


def test_items_not_on_sale_only_on_request(client, associate, sweater, shoe):
    shoe.active = False
    shoe.save(update_fields=["active"])
    assert rows(client.get(CATALOG, {"q": "running"})) == []
    assert rows(client.get(CATALOG, {"q": "running", "inactive": "on"})) == ["RUN-42"]


def test_results_are_paginated(client, associate):
    product = ProductFactory(name="Calza")
    VariantFactory.create_batch(55, product=product)
    first = client.get(CATALOG, {"q": "calza"})
    assert len(rows(first)) == 50 and first.context["page"].paginator.num_pages == 2
    assert "q=calza&amp;page=2" in first.content.decode()
    assert len(rows(client.get(CATALOG, {"q": "calza", "page": 2}))) == 5


def test_sku_detail_shows_product_and_siblings(client, associate, sweater):
    response = client.get(detail_url("MGC-S"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Maglia girocollo" in html and "Acme" in html and "Maglieria" in html and "Cotone" in html
    assert [s.sku for s in response.context["siblings"]] == ["MGC-S", "MGC-M"]  # sizes: S before M
    assert detail_url("MGC-M") in html
    assert 'data-testid="cost-price"' not in html and "8,15" not in html and "8.15" not in html
    assert 'data-testid="price-form"' not in html


def test_managers_see_cost_prices(client, manager, sweater):
    html = client.get(detail_url("MGC-S")).content.decode()
    assert 'data-testid="cost-price"' in html
    assert "8,15" in html or "8.15" in html
    assert 'data-testid="price-form"' not in html  # store managers do not set prices


def test_sku_with_a_slash(client, associate, sweater):
    VariantFactory(product=sweater, sku="MGC/XL.2")
    response = client.get(detail_url("MGC/XL.2"))
    assert response.status_code == 200 and response.context["variant"].sku == "MGC/XL.2"


def test_unknown_sku_is_404(client, associate):
    assert client.get(detail_url("NOPE")).status_code == 404


def test_hq_changes_a_price_through_the_service(client, hq, sweater):
    page = client.get(detail_url("MGC-S")).content.decode()
    assert 'data-testid="price-form"' in page
    response = client.post(
        reverse("inventory:sku-update", kwargs={"sku": "MGC-S"}),
        {"price": "24,90", "cost_price": "9,00", "active": "on"},
    )
    assert response.status_code == 302 and response["Location"] == detail_url("MGC-S")
    variant = Variant.objects.get(sku="MGC-S")
    assert variant.price == Decimal("24.90") and variant.cost_price == Decimal("9.00") and variant.active
    entry = AuditEntry.objects.get(action="variant.price_changed", object_id="MGC-S")
    assert entry.user == hq


def test_bad_price_is_refused(client, hq, sweater):
    url = reverse("inventory:sku-update", kwargs={"sku": "MGC-S"})
    response = client.post(url, {"price": "-1", "active": "on"}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert Variant.objects.get(sku="MGC-S").price == Decimal("19.90")


@pytest.mark.parametrize("role", ["associate", "store_manager"])
def test_store_staff_may_not_change_prices(client, sweater, role):
    client.force_login(UserFactory(role=role))
    url = reverse("inventory:sku-update", kwargs={"sku": "MGC-S"})
    assert client.post(url, {"price": "1,00", "active": "on"}).status_code == 403
    assert Variant.objects.get(sku="MGC-S").price == Decimal("19.90")


def test_price_form_is_post_only(client, hq, sweater):
    assert client.get(reverse("inventory:sku-update", kwargs={"sku": "MGC-S"})).status_code == 405


def test_dashboard_panel_shows_catalog_figures(client, associate, sweater, shoe):
    VariantFactory(product=shoe, sku="RUN-43", active=False)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    (panel,) = [p for p in response.context["panels"] if p.links and p.links[0][1] == CATALOG]
    assert [f.value for f in panel.figures] == [2, 3, 2, 2]
    assert CATALOG in response.content.decode()

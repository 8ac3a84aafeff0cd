"""The catalog's admin: searchable, and it never writes a bad or duplicate GTIN."""

from decimal import Decimal

import pytest

from inventory.models import Variant
from tests.inventory.factories import ProductFactory, VariantFactory
from tests.omni.factories import UserFactory

pytestmark = pytest.mark.django_db

EAN13 = "4006381333931"
UPCA = "036000291452"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", role="admin", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("model", ["category", "brand", "product", "variant"])
def test_changelists_render(admin_client, model):
    VariantFactory(gtin=EAN13)
    assert admin_client.get(f"/admin/inventory/{model}/").status_code == 200


def test_variant_search_by_sku_and_gtin(admin_client):
    VariantFactory(sku="FIND-ME", gtin=EAN13)
    VariantFactory(sku="OTHER")
    by_sku = admin_client.get("/admin/inventory/variant/", {"q": "find-me"})
    assert [v.sku for v in by_sku.context["cl"].result_list] == ["FIND-ME"]
    by_gtin = admin_client.get("/admin/inventory/variant/", {"q": EAN13})
    assert [v.sku for v in by_gtin.context["cl"].result_list] == ["FIND-ME"]
    by_gtin14 = admin_client.get("/admin/inventory/variant/", {"q": "0" + EAN13})
    assert [v.sku for v in by_gtin14.context["cl"].result_list] == ["FIND-ME"]


def test_product_page_shows_its_variants_with_read_only_prices(admin_client):
    variant = VariantFactory(sku="INLINE-1", price=Decimal("19.90"))
    response = admin_client.get(f"/admin/inventory/product/{variant.product_id}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INLINE-1" in html and 'name="variants-0-price"' not in html


def _add_variant(admin_client, **fields):
    product = ProductFactory()
    data = {"product": product.pk, "sku": "ADM-1", "gtin": "", "size": "", "color": "", "price": "9.90"}
    data.update(fields)
    return admin_client.post("/admin/inventory/variant/add/", data)


def test_admin_adds_a_variant_with_its_gtin14(admin_client):
    response = _add_variant(admin_client, gtin=UPCA)
    assert response.status_code == 302
    assert Variant.objects.get(sku="ADM-1").gtin14 == "00" + UPCA


def test_admin_refuses_a_bad_gtin(admin_client):
    response = _add_variant(admin_client, gtin="4006381333932")
    assert response.status_code == 200
    assert "Wrong check digit" in str(response.context["adminform"].form.errors["gtin"])
    assert not Variant.objects.filter(sku="ADM-1").exists()


def test_admin_refuses_a_gtin_taken_in_another_form(admin_client):
    VariantFactory(sku="OWNER", gtin=UPCA)
    response = _add_variant(admin_client, gtin="0" + UPCA)
    assert response.status_code == 200
    assert "OWNER" in str(response.context["adminform"].form.errors["gtin"])


def test_admin_cannot_change_an_existing_price(admin_client):
    variant = VariantFactory(sku="KEEP", price=Decimal("19.90"))
    data = {
        "product": variant.product_id,
        "gtin": variant.gtin,
        "size": "L",
        "color": "",
        "price": "0.01",
        "active": "on",
    }
    response = admin_client.post(f"/admin/inventory/variant/{variant.pk}/change/", data)
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.size == "L" and variant.price == Decimal("19.90")

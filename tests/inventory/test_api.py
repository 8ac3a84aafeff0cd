"""The catalog API as API-CONTRACT.md fixes it: every endpoint, every role, and the unhappy paths."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from inventory.models import Brand, Category, Product, Variant
from omni.models import AuditEntry
from tests.conftest import assert_problem
from tests.inventory.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory
from tests.omni.factories import UserFactory
from tests.stores.factories import LocationFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/products/"
SKUS = "/api/v1/skus/"
EAN13 = "4006381333931"
UPCA = "036000291452"
EAN8 = "96385074"
GTIN14 = "10012345678902"
READERS = ["integration", "eshop", "kiosk", "store"]
NOT_INTEGRATION = ["eshop", "kiosk", "store"]


@pytest.fixture
def api(make_api_client):
    """api("kiosk") -> a client of that role (location-bound roles get a store)."""

    def make(role: str = "integration") -> APIClient:
        location = LocationFactory() if role in ("kiosk", "store") else None
        return make_api_client(role, location=location)

    return make


def body(**overrides):
    data = {
        "name": "Maglia girocollo",
        "brand": "Acme",
        "category": "Maglieria",
        "description": "Cotone biologico",
        "variants": [
            {
                "sku": "MGC-S-BLU",
                "gtin": EAN13,
                "size": "S",
                "color": "Blu",
                "price": "19.90",
                "cost_price": "8.00",
            },
            {"sku": "MGC-M-BLU", "gtin": UPCA, "size": "M", "color": "Blu", "price": 19.9},
        ],
    }
    data.update(overrides)
    return data


def variant(**overrides):
    data = {"sku": "NEW-1", "price": "10.00"}
    data.update(overrides)
    return data


@pytest.fixture
def sweater():
    product = ProductFactory(
        name="Maglia girocollo",
        brand=BrandFactory(name="Acme"),
        category=CategoryFactory(name="Maglieria", slug="maglieria"),
        vat_rate=Decimal("22.00"),
    )
    VariantFactory(
        product=product,
        sku="MGC-S",
        gtin=EAN13,
        size="S",
        color="Blu",
        price=Decimal("19.90"),
        cost_price=Decimal("8"),
    )
    VariantFactory(product=product, sku="MGC-M", gtin=None, size="M", color="Blu", price=Decimal("21.50"))
    return product


# --- POST /products/ ---------------------------------------------------------------------------------


def test_create_product(api):
    response = api("integration").post(PRODUCTS, body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    product = Product.objects.get()
    assert response["Location"] == f"{PRODUCTS}{product.pk}/"
    assert data["id"] == product.pk
    assert data["name"] == "Maglia girocollo" and data["brand"] == "Acme"
    assert data["category"] == "Maglieria" and data["category_slug"] == "maglieria"
    assert data["description"] == "Cotone biologico"
    assert data["vat_rate"] == "22.00" and data["active"] is True
    assert [v["sku"] for v in data["variants"]] == ["MGC-M-BLU", "MGC-S-BLU"]
    m, s = data["variants"]
    assert s == {
        "sku": "MGC-S-BLU",
        "gtin": EAN13,
        "size": "S",
        "color": "Blu",
        "price": "19.90",
        "cost_price": "8.00",
        "currency": "EUR",
        "active": True,
    }
    assert m["price"] == "19.90" and m["cost_price"] is None and m["gtin"] == UPCA
    assert Variant.objects.get(sku="MGC-M-BLU").gtin14 == "00" + UPCA
    assert AuditEntry.objects.filter(action="product.created", api_client__isnull=False).count() == 1


def test_create_product_minimal_body_uses_defaults(api):
    response = api().post(
        PRODUCTS,
        {
            "name": "Tazza",
            "brand": "Casa",
            "category": "Cucina",
            "variants": [{"sku": "TZ-1", "price": "4.50"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["vat_rate"] == "22.00" and data["description"] == ""
    assert data["variants"][0]["gtin"] is None and data["variants"][0]["size"] == ""


def test_create_reuses_brand_and_category_by_name(api):
    BrandFactory(name="Acme")
    CategoryFactory(name="Maglieria", slug="maglieria")
    response = api().post(PRODUCTS, body(brand="acme", category="MAGLIERIA"), format="json")
    assert response.status_code == 201
    assert Brand.objects.count() == 1 and Category.objects.count() == 1


@pytest.mark.parametrize("role", NOT_INTEGRATION)
def test_only_integration_creates(api, role):
    assert_problem(api(role).post(PRODUCTS, body(), format="json"), 403, "permission_denied")
    assert not Product.objects.exists()


def test_create_without_token_is_401():
    assert_problem(APIClient().post(PRODUCTS, body(), format="json"), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "Wrong check digit: a GTIN starting 400638133393 ends in 1."),
        ("4006381333", "A GTIN has 8, 12, 13 or 14 digits, not 10."),
        ("40063813339X", "A GTIN has digits only."),
    ],
)
def test_bad_gtin_is_400_naming_the_variant(api, gtin, message):
    data = body()
    data["variants"][0]["gtin"] = gtin
    problem = assert_problem(api().post(PRODUCTS, data, format="json"), 400, "validation_error")
    assert problem["errors"] == {"variants.0.gtin": [message]}
    assert problem["detail"].startswith("variants.0.gtin:")
    assert not Product.objects.exists()


def test_every_gtin_length_is_accepted(api):
    variants = [variant(sku=f"L-{len(g)}", gtin=g) for g in (EAN8, UPCA, EAN13, GTIN14)]
    response = api().post(PRODUCTS, body(variants=variants), format="json")
    assert response.status_code == 201, response.json()


def test_duplicate_sku_in_the_catalog_is_400(api, sweater):
    problem = assert_problem(
        api().post(PRODUCTS, body(variants=[variant(sku="NEW-1"), variant(sku="MGC-S")]), format="json"),
        400,
        "validation_error",
    )
    assert problem["errors"] == {"variants.1.sku": ["SKU MGC-S is already in the catalog."]}
    assert Product.objects.count() == 1


def test_duplicate_sku_in_the_request_is_400(api):
    problem = assert_problem(
        api().post(PRODUCTS, body(variants=[variant(sku="TWICE"), variant(sku="TWICE")]), format="json"),
        400,
        "validation_error",
    )
    assert list(problem["errors"]) == ["variants.1.sku"]


def test_duplicate_gtin_in_the_catalog_in_another_form_is_400(api, sweater):
    problem = assert_problem(
        api().post(PRODUCTS, body(variants=[variant(gtin="0" + EAN13)]), format="json"),
        400,
        "validation_error",
    )
    assert problem["errors"] == {"variants.0.gtin": [f"GTIN 0{EAN13} already belongs to SKU MGC-S."]}


def test_duplicate_gtin_in_the_request_is_400(api):
    variants = [variant(sku="A", gtin=UPCA), variant(sku="B", gtin="0" + UPCA)]
    problem = assert_problem(
        api().post(PRODUCTS, body(variants=variants), format="json"), 400, "validation_error"
    )
    assert list(problem["errors"]) == ["variants.1.gtin"]


@pytest.mark.parametrize(
    ("variants", "field"),
    [
        ([], "variants"),
        ([variant(price="-1.00")], "variants.0.price"),
        ([variant(price="19.999")], "variants.0.price"),
        ([variant(price="abc")], "variants.0.price"),
        ([variant(price="NaN")], "variants.0.price"),
        ([variant(price="1e10")], "variants.0.price"),
        ([variant(cost_price="-5")], "variants.0.cost_price"),
        ([{"sku": "NO-PRICE"}], "variants.0.price"),
        ([variant(sku="bad sku")], "variants.0.sku"),
        ([variant(sku="x" * 65)], "variants.0.sku"),
        ([variant(size="x" * 21)], "variants.0.size"),
        ("not a list", "variants.non_field_errors"),
    ],
)
def test_bad_variants_are_400_naming_the_field(api, variants, field):
    problem = assert_problem(
        api().post(PRODUCTS, body(variants=variants), format="json"), 400, "validation_error"
    )
    assert field in problem["errors"], problem
    assert not Product.objects.exists()


def test_missing_variants_is_400(api):
    data = body()
    del data["variants"]
    problem = assert_problem(api().post(PRODUCTS, data, format="json"), 400, "validation_error")
    assert "variants" in problem["errors"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"brand": None}, "brand"),
        ({"category": "x" * 81}, "category"),
        ({"category": "???"}, "category"),
        ({"vat_rate": "100.01"}, "vat_rate"),
        ({"vat_rate": "-1"}, "vat_rate"),
        ({"name": "nul\x00byte"}, "name"),
    ],
)
def test_bad_product_fields_are_400(api, overrides, field):
    problem = assert_problem(api().post(PRODUCTS, body(**overrides), format="json"), 400, "validation_error")
    assert list(problem["errors"]) == [field]


def test_body_that_is_not_an_object_is_400(api):
    assert_problem(api().post(PRODUCTS, [1, 2], format="json"), 400, "validation_error")
    response = api().post(PRODUCTS, "{not json", content_type="application/json")
    assert_problem(response, 400, "parse_error")


def test_create_is_idempotent(api):
    client = api()
    first = client.post(PRODUCTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="create-mgc-1")
    again = client.post(PRODUCTS, body(), format="json", HTTP_IDEMPOTENCY_KEY="create-mgc-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and again["Location"] == first["Location"]
    assert Product.objects.count() == 1
    other = client.post(PRODUCTS, body(name="Other"), format="json", HTTP_IDEMPOTENCY_KEY="create-mgc-1")
    assert_problem(other, 422, "idempotency_key_reused")


def test_validation_error_is_replayed_too(api):
    client = api()
    data = body(variants=[])
    first = client.post(PRODUCTS, data, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    again = client.post(PRODUCTS, data, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert_problem(first, 400, "validation_error")
    assert again.status_code == 400 and again["Idempotent-Replayed"] == "true"


def test_hq_staff_session_may_create_but_store_staff_may_not(client):
    hq = UserFactory(role="hq_manager")
    client.force_login(hq)
    assert client.post(PRODUCTS, body(), content_type="application/json").status_code == 201
    associate = UserFactory(role="associate")
    client.force_login(associate)
    response = client.post(PRODUCTS, body(variants=[variant(sku="OTHER")]), content_type="application/json")
    assert_problem(response, 403, "permission_denied")


# --- GET /products/ ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_every_role_lists_products(api, sweater, role):
    response = api(role).get(PRODUCTS)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1 and data["next"] is None
    (product,) = data["results"]
    assert product["name"] == "Maglia girocollo" and product["brand"] == "Acme"
    assert [v["sku"] for v in product["variants"]] == ["MGC-M", "MGC-S"]
    shows_cost = role == "integration"
    assert all(("cost_price" in v) is shows_cost for v in product["variants"])


def test_list_without_token_is_401():
    assert_problem(APIClient().get(PRODUCTS), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "girocollo"}, ["Maglia girocollo"]),
        ({"search": "ACME"}, ["Maglia girocollo", "Vecchia"]),
        ({"search": "mgc-"}, ["Maglia girocollo"]),
        ({"search": EAN13}, ["Maglia girocollo"]),
        ({"search": UPCA}, ["Scarpa"]),
        ({"search": "0" + UPCA}, ["Scarpa"]),
        ({"category": "maglieria", "active": "true"}, ["Maglia girocollo"]),
        ({"category": "Calzature"}, ["Scarpa"]),
        ({"brand": "zeta"}, ["Scarpa"]),
        ({"active": "false"}, ["Vecchia"]),
        ({"active": "true", "search": "a"}, ["Maglia girocollo", "Scarpa"]),
        ({"search": "nothing"}, []),
    ],
)
def test_list_filters(api, sweater, params, expected):
    shoe = ProductFactory(
        name="Scarpa",
        brand=BrandFactory(name="Zeta"),
        category=CategoryFactory(name="Calzature", slug="calzature"),
    )
    VariantFactory(product=shoe, sku="SC-42", gtin=UPCA)
    ProductFactory(name="Vecchia", brand=sweater.brand, category=sweater.category, active=False)
    response = api("kiosk").get(PRODUCTS, params)
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == expected


def test_list_is_paginated(api):
    for i in range(5):
        VariantFactory(product=ProductFactory(name=f"P{i}"))
    data = api().get(PRODUCTS, {"limit": 2}).json()
    assert data["count"] == 5 and len(data["results"]) == 2 and data["next"]
    assert "offset=2" in data["next"]


def test_search_that_is_too_long_is_400(api):
    problem = assert_problem(api().get(PRODUCTS, {"search": "x" * 101}), 400, "validation_error")
    assert list(problem["errors"]) == ["search"]


def test_list_costs_the_same_queries_for_3_or_30_products(api, django_assert_max_num_queries):
    client = api("eshop")
    client.get(PRODUCTS)  # the token's last_used_at is written on the first call only

    def add(n):
        for _ in range(n):
            product = ProductFactory()
            VariantFactory.create_batch(3, product=product)

    add(3)
    with django_assert_max_num_queries(5) as few:
        assert len(client.get(PRODUCTS).json()["results"]) == 3
    add(27)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(PRODUCTS, {"search": "Maglia"}).json()["results"]) == 30


# --- GET /products/{id}/ -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
def test_retrieve_product(api, sweater, role):
    response = api(role).get(f"{PRODUCTS}{sweater.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == sweater.pk and len(data["variants"]) == 2
    assert ("cost_price" in data["variants"][0]) is (role == "integration")


def test_unknown_product_is_404(api):
    assert_problem(api().get(f"{PRODUCTS}999999/"), 404, "not_found")
    assert_problem(api().get(f"{PRODUCTS}abc/"), 404, "not_found")
    assert_problem(api().get(f"{PRODUCTS}99999999999999999/"), 404, "not_found")


def test_retrieve_without_token_is_401(sweater):
    assert_problem(APIClient().get(f"{PRODUCTS}{sweater.pk}/"), 401, "not_authenticated")


# --- PATCH /products/{id}/ ---------------------------------------------------------------------------


def test_patch_product(api, sweater):
    response = api().patch(
        f"{PRODUCTS}{sweater.pk}/",
        {"name": "Maglia nuova", "vat_rate": "10.00", "active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["name"] == "Maglia nuova" and data["vat_rate"] == "10.00" and data["active"] is False
    sweater.refresh_from_db()
    assert sweater.name == "Maglia nuova" and not sweater.active


@pytest.mark.parametrize("role", NOT_INTEGRATION)
def test_only_integration_patches_products(api, sweater, role):
    assert_problem(
        api(role).patch(f"{PRODUCTS}{sweater.pk}/", {"name": "x"}, format="json"), 403, "permission_denied"
    )


def test_patch_product_unhappy_paths(api, sweater):
    client = api()
    problem = assert_problem(
        client.patch(f"{PRODUCTS}{sweater.pk}/", {"vat_rate": "101"}, format="json"), 400, "validation_error"
    )
    assert list(problem["errors"]) == ["vat_rate"]
    assert_problem(client.patch(f"{PRODUCTS}999999/", {"name": "x"}, format="json"), 404, "not_found")
    assert client.put(f"{PRODUCTS}{sweater.pk}/", {"name": "x"}, format="json").status_code == 405
    assert client.delete(f"{PRODUCTS}{sweater.pk}/").status_code == 405
    assert_problem(APIClient().patch(f"{PRODUCTS}{sweater.pk}/", {}, format="json"), 401, "not_authenticated")


# --- POST /products/{id}/variants/ -------------------------------------------------------------------


def test_add_variant(api, sweater):
    response = api().post(
        f"{PRODUCTS}{sweater.pk}/variants/", variant(sku="MGC-L", gtin=EAN8, size="L"), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response["Location"] == f"{SKUS}MGC-L/"
    data = response.json()
    assert data["sku"] == "MGC-L" and data["gtin"] == EAN8 and data["product"]["id"] == sweater.pk
    assert data["price"] == "10.00"


def test_add_variant_unhappy_paths(api, sweater):
    client = api()
    url = f"{PRODUCTS}{sweater.pk}/variants/"
    problem = assert_problem(client.post(url, variant(sku="MGC-S"), format="json"), 400, "validation_error")
    assert problem["errors"] == {"sku": ["SKU MGC-S is already in the catalog."]}
    problem = assert_problem(client.post(url, variant(gtin=EAN13), format="json"), 400, "validation_error")
    assert list(problem["errors"]) == ["gtin"]
    problem = assert_problem(
        client.post(url, variant(gtin="4006381333932"), format="json"), 400, "validation_error"
    )
    assert problem["errors"] == {"gtin": ["Wrong check digit: a GTIN starting 400638133393 ends in 1."]}
    assert_problem(client.post(f"{PRODUCTS}999999/variants/", variant(), format="json"), 404, "not_found")
    assert_problem(api("eshop").post(url, variant(), format="json"), 403, "permission_denied")


# --- GET /skus/{sku}/ --------------------------------------------------------------------------------


def test_sku_detail_shape(api, sweater):
    response = api("kiosk").get(f"{SKUS}MGC-S/")
    assert response.status_code == 200
    assert response.json() == {
        "sku": "MGC-S",
        "gtin": EAN13,
        "name": "Maglia girocollo (S / Blu)",
        "size": "S",
        "color": "Blu",
        "price": "19.90",
        "currency": "EUR",
        "vat_rate": "22.00",
        "active": True,
        "sellable": True,
        "product": {
            "id": sweater.pk,
            "name": "Maglia girocollo",
            "brand": "Acme",
            "category": "Maglieria",
            "category_slug": "maglieria",
            "active": True,
        },
    }


@pytest.mark.parametrize("role", READERS)
def test_every_role_reads_a_sku_and_only_integration_sees_its_cost(api, sweater, role):
    data = api(role).get(f"{SKUS}MGC-S/").json()
    assert data["price"] == "19.90"
    if role == "integration":
        assert data["cost_price"] == "8.00"
    else:
        assert "cost_price" not in data


@pytest.mark.parametrize("sku", ["AB.12", "AB/12/XL", "ab_12-x", "A"])
def test_sku_with_dots_slashes_and_underscores(api, sweater, sku):
    VariantFactory(product=sweater, sku=sku)
    response = api().get(f"{SKUS}{sku}/")
    assert response.status_code == 200, response.content
    assert response.json()["sku"] == sku


def test_unknown_sku_is_404_problem(api):
    problem = assert_problem(api("store").get(f"{SKUS}NOPE-1/"), 404, "not_found")
    assert "NOPE-1" in problem["detail"]
    assert_problem(api().get(f"{SKUS}bad%20sku/"), 404, "not_found")


def test_inactive_product_makes_its_skus_unsellable(api, sweater):
    sweater.active = False
    sweater.save(update_fields=["active"])
    data = api().get(f"{SKUS}MGC-S/").json()
    assert data["active"] is True and data["sellable"] is False and data["product"]["active"] is False


def test_sku_without_token_is_401(sweater):
    assert_problem(APIClient().get(f"{SKUS}MGC-S/"), 401, "not_authenticated")


# --- GET /skus/ --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", READERS)
@pytest.mark.parametrize("form", [UPCA, "0" + UPCA, "00" + UPCA])
def test_barcode_lookup_in_every_form(api, sweater, role, form):
    VariantFactory(product=sweater, sku="MGC-XL", gtin=UPCA)
    data = api(role).get(SKUS, {"gtin": form}).json()
    assert [s["sku"] for s in data["results"]] == ["MGC-XL"]
    assert data["results"][0]["currency"] == "EUR"


def test_barcode_lookup_of_ean8_and_gtin14(api, sweater):
    VariantFactory(product=sweater, sku="E8", gtin=EAN8)
    VariantFactory(product=sweater, sku="G14", gtin=GTIN14)
    client = api("kiosk")
    assert [s["sku"] for s in client.get(SKUS, {"gtin": EAN8}).json()["results"]] == ["E8"]
    assert [s["sku"] for s in client.get(SKUS, {"gtin": GTIN14}).json()["results"]] == ["G14"]


def test_unknown_barcode_is_an_empty_list(api, sweater):
    data = api("kiosk").get(SKUS, {"gtin": EAN8}).json()
    assert data["count"] == 0 and data["results"] == []


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "Wrong check digit: a GTIN starting 400638133393 ends in 1."),
        ("12345", "A GTIN has 8, 12, 13 or 14 digits, not 5."),
        ("ABCDEFGH", "A GTIN has digits only."),
    ],
)
def test_invalid_barcode_is_400_naming_gtin(api, gtin, message):
    problem = assert_problem(api("kiosk").get(SKUS, {"gtin": gtin}), 400, "validation_error")
    assert problem["errors"] == {"gtin": [message]}


def test_sku_search_and_product_filter(api, sweater):
    other = VariantFactory(sku="ZZ-1", product=ProductFactory(name="Altro"))
    client = api("eshop")
    assert [s["sku"] for s in client.get(SKUS, {"search": "girocollo"}).json()["results"]] == [
        "MGC-M",
        "MGC-S",
    ]
    assert [s["sku"] for s in client.get(SKUS, {"search": EAN13}).json()["results"]] == ["MGC-S"]
    assert [s["sku"] for s in client.get(SKUS, {"search": "zz"}).json()["results"]] == ["ZZ-1"]
    assert [s["sku"] for s in client.get(SKUS, {"product": other.product_id}).json()["results"]] == ["ZZ-1"]
    assert [s["sku"] for s in client.get(SKUS, {"brand": "acme", "active": "true"}).json()["results"]] == [
        "MGC-M",
        "MGC-S",
    ]
    problem = assert_problem(client.get(SKUS, {"product": "abc"}), 400, "validation_error")
    assert list(problem["errors"]) == ["product"]


def test_sku_list_costs_constant_queries(api, django_assert_max_num_queries):
    client = api("kiosk")
    client.get(SKUS)
    VariantFactory.create_batch(3)
    with django_assert_max_num_queries(5) as few:
        client.get(SKUS)
    VariantFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(SKUS).json()["results"]) == 33


def test_sku_list_without_token_is_401():
    assert_problem(APIClient().get(SKUS, {"gtin": EAN13}), 401, "not_authenticated")


# --- PATCH /skus/{sku}/ ------------------------------------------------------------------------------


def test_patch_sku_price(api, sweater):
    response = api().patch(f"{SKUS}MGC-S/", {"price": "24.90", "active": False}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["price"] == "24.90" and data["active"] is False and data["sellable"] is False
    assert Variant.objects.get(sku="MGC-S").price == Decimal("24.90")
    entry = AuditEntry.objects.get(action="variant.price_changed", object_id="MGC-S")
    assert entry.data["price"] == {"from": "19.90", "to": "24.90"} and entry.api_client is not None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "1.001"}, "price"),
        ({"price": None}, "price"),
        ({"cost_price": "x"}, "cost_price"),
    ],
)
def test_patch_sku_bad_prices(api, sweater, payload, field):
    problem = assert_problem(api().patch(f"{SKUS}MGC-S/", payload, format="json"), 400, "validation_error")
    assert list(problem["errors"]) == [field]
    assert Variant.objects.get(sku="MGC-S").price == Decimal("19.90")


@pytest.mark.parametrize("role", NOT_INTEGRATION)
def test_only_integration_changes_prices(api, sweater, role):
    assert_problem(
        api(role).patch(f"{SKUS}MGC-S/", {"price": "1.00"}, format="json"), 403, "permission_denied"
    )
    assert Variant.objects.get(sku="MGC-S").price == Decimal("19.90")


def test_patch_unknown_sku_is_404(api):
    assert_problem(api().patch(f"{SKUS}NOPE/", {"price": "1.00"}, format="json"), 404, "not_found")


def test_sku_cannot_be_created_or_deleted_through_skus(api, sweater):
    client = api()
    assert_problem(client.post(SKUS, variant(), format="json"), 405, "method_not_allowed")
    assert_problem(client.delete(f"{SKUS}MGC-S/"), 405, "method_not_allowed")


# --- schema ------------------------------------------------------------------------------------------


def test_catalog_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in ("/api/v1/products/", "/api/v1/products/{id}/", "/api/v1/products/{id}/variants/"):
        assert path in paths
    assert "/api/v1/skus/{sku}/" in paths
    parameters = {p["name"] for p in paths["/api/v1/skus/"]["get"]["parameters"]}
    assert {"gtin", "search", "product", "limit", "offset"} <= parameters
    assert "404" in paths["/api/v1/skus/{sku}/"]["get"]["responses"]
    assert "403" in paths["/api/v1/products/"]["post"]["responses"]

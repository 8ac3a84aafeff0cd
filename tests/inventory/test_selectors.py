"""Catalog reads: searches that accept a name, a brand, a SKU start or a scanned GTIN."""

import re
from decimal import Decimal

import pytest
from django.db import connection

from inventory import selectors
from inventory.selectors import catalog as catalog_selectors
from omni.actors import Actor
from tests.inventory.factories import BrandFactory, CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

EAN13 = "4006381333931"
UPCA = "036000291452"


@pytest.fixture
def catalog():
    knitwear = CategoryFactory(name="Maglieria", slug="maglieria")
    shoes = CategoryFactory(name="Calzature", slug="calzature")
    acme, zeta = BrandFactory(name="Acme"), BrandFactory(name="Zeta Sport")
    sweater = ProductFactory(name="Maglia girocollo", brand=acme, category=knitwear)
    runner = ProductFactory(name="Scarpa running", brand=zeta, category=shoes)
    old = ProductFactory(name="Maglia vecchia", brand=acme, category=knitwear, active=False)
    VariantFactory(product=sweater, sku="MGC-S", gtin=EAN13, size="S")
    VariantFactory(product=sweater, sku="MGC-M", gtin=None, size="M")
    VariantFactory(product=runner, sku="RUN-42", gtin=UPCA, size="42")
    VariantFactory(product=old, sku="OLD-1", gtin=None)
    return {"sweater": sweater, "runner": runner, "old": old}


def names(products):
    return sorted(p.name for p in products)


def skus(variants):
    return sorted(v.sku for v in variants)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("maglia", ["Maglia girocollo", "Maglia vecchia"]),
        ("GIROCOLLO", ["Maglia girocollo"]),
        ("zeta", ["Scarpa running"]),  # brand name
        ("MGC", ["Maglia girocollo"]),  # SKU start
        ("mgc-m", ["Maglia girocollo"]),  # SKU start, typed in lower case
        ("RUN-42", ["Scarpa running"]),  # SKU exactly
        (EAN13, ["Maglia girocollo"]),  # scanned EAN-13
        (UPCA, ["Scarpa running"]),  # scanned UPC-A
        ("0" + UPCA, ["Scarpa running"]),  # the same UPC-A read as an EAN-13
        ("00" + UPCA, ["Scarpa running"]),  # and as a GTIN-14
        ("nothing", []),
        ("100%", []),  # LIKE wildcards are literal
        ("", ["Maglia girocollo", "Maglia vecchia", "Scarpa running"]),
    ],
)
def test_search_products(catalog, query, expected):
    assert names(selectors.search_products(query)) == expected


def test_search_products_filters(catalog):
    assert names(selectors.search_products(category="calzature")) == ["Scarpa running"]
    assert names(selectors.search_products(category="Maglieria")) == ["Maglia girocollo", "Maglia vecchia"]
    assert names(selectors.search_products(brand="acme", active=True)) == ["Maglia girocollo"]
    assert names(selectors.search_products("maglia", active=False)) == ["Maglia vecchia"]
    assert names(selectors.search_products("maglia", brand="Zeta Sport")) == []


def test_search_products_loads_variants_in_sku_order(catalog, django_assert_num_queries):
    with django_assert_num_queries(2):
        products = list(selectors.search_products("girocollo"))
        assert [v.sku for v in products[0].variants.all()] == ["MGC-M", "MGC-S"]
        assert products[0].brand.name == "Acme" and products[0].category.slug == "maglieria"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("maglia", ["MGC-M", "MGC-S", "OLD-1"]),
        ("acme", ["MGC-M", "MGC-S", "OLD-1"]),
        ("MGC-S", ["MGC-S"]),
        (EAN13, ["MGC-S"]),
        ("0" + UPCA, ["RUN-42"]),
        ("4006381333932", []),  # a wrong check digit is not a GTIN, and matches nothing else
    ],
)
def test_search_variants(catalog, query, expected):
    assert skus(selectors.search_variants(query)) == expected


def test_search_variants_filters(catalog):
    sweater = catalog["sweater"]
    assert skus(selectors.search_variants(product_id=sweater.pk)) == ["MGC-M", "MGC-S"]
    assert skus(selectors.search_variants(category="calzature")) == ["RUN-42"]
    assert skus(selectors.search_variants(brand="ACME", active=True)) == ["MGC-M", "MGC-S"]
    assert skus(selectors.search_variants(active=False)) == ["OLD-1"]  # its product is withdrawn
    assert skus(selectors.search_variants(gtin=UPCA)) == ["RUN-42"]
    assert skus(selectors.search_variants(gtin="bad")) == []


def test_variant_by_sku_and_gtin(catalog):
    assert selectors.variant_by_sku("MGC-S").gtin == EAN13
    assert selectors.variant_by_sku("mgc-s") is None
    for form in (UPCA, "0" + UPCA, "00" + UPCA):
        assert selectors.variant_by_gtin(form).sku == "RUN-42"
    assert selectors.variant_by_gtin("036000291453") is None  # wrong check digit
    assert selectors.variant_by_gtin("96385074") is None  # valid, unknown
    assert selectors.variant_by_gtin("") is None


def test_scanned_gtin14():
    assert selectors.scanned_gtin14(" 036000291452 ") == "00036000291452"
    assert selectors.scanned_gtin14("MGC-S") is None
    assert selectors.scanned_gtin14(None) is None


def test_sibling_variants(catalog):
    variant = selectors.variant_by_sku("MGC-S")
    assert skus(selectors.sibling_variants(variant)) == ["MGC-M", "MGC-S"]


def test_catalog_figures(catalog):
    VariantFactory(product=catalog["runner"], sku="RUN-43", active=False)
    figures = selectors.catalog_figures()
    assert figures == selectors.CatalogFigures(active_products=2, active_skus=3, categories=2, brands=2)


@pytest.mark.parametrize(
    ("role", "sees"), [("integration", True), ("eshop", False), ("kiosk", False), ("store", False)]
)
def test_only_integration_sees_cost_prices(role, sees):
    assert selectors.can_see_cost_price(Actor(role=role)) is sees


def test_name_search_can_use_the_trigram_index(catalog):
    """The GIN trigram index on UPPER(name) serves the name predicate that both searches use. Which plan
    a planner prefers over a handful of rows differs between PostgreSQL versions (15 picks the index, 18
    walks the primary key), so plain scans are ruled out for the statement: the index must then be
    able to answer the predicate by itself."""
    named = catalog_selectors._named("girocollo").values("pk")
    predicate = re.compile(r'UPPER\((U\d+|"inventory_product")\."name"\)::text LIKE %GIROCOLLO%')
    for query in (named, selectors.search_products("girocollo"), selectors.search_variants("girocollo")):
        assert predicate.search(str(query.query)), str(query.query)
    with connection.cursor() as cursor:
        for scan in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{scan} = off")
    plan = named.explain()
    assert "Bitmap Index Scan on product_name_trgm" in plan, plan
    assert list(named) == [{"pk": catalog["sweater"].pk}]


def test_money_is_stored_with_two_places(catalog):
    assert selectors.variant_by_sku("MGC-S").price == Decimal("19.90")


# --- Several words, and sizes in their order (the store floor) ---------------------------------------


@pytest.fixture
def monviso():
    product = ProductFactory(name="Maglia Monviso")
    made = {}
    for color in ("Blu", "Rosso"):
        for size in ("XL", "S", "L", "M"):
            made[(color, size)] = VariantFactory(
                product=product, sku=f"MONV-{color[:3].upper()}-{size}", color=color, size=size
            )
    VariantFactory(product=ProductFactory(name="Maglia Cervino"), sku="CERV-BLU-M", color="Blu", size="M")
    return product, made


def test_several_words_match_name_colour_and_size_together(monviso):
    product, made = monviso
    blue = {v.sku for v in selectors.search_variants("monviso blu")}
    assert blue == {"MONV-BLU-XL", "MONV-BLU-S", "MONV-BLU-L", "MONV-BLU-M"}
    assert {v.sku for v in selectors.search_variants("monviso blu m")} == {"MONV-BLU-M"}
    assert {v.sku for v in selectors.search_variants("blu m")} == {"MONV-BLU-M", "CERV-BLU-M"}
    assert not selectors.search_variants("monviso verde").exists()
    assert list(selectors.search_products("monviso rosso")) == [product]
    assert not selectors.search_products("cervino rosso").exists()
    assert {v.sku for v in selectors.search_variants("monviso")} == {
        sku for _, sku in [(k, v.sku) for k, v in made.items()]
    }


def test_a_products_sizes_are_listed_in_their_natural_order(monviso):
    _, made = monviso
    VariantFactory(product=made[("Blu", "M")].product, sku="MONV-BLU-10", color="Blu", size="10")
    VariantFactory(product=made[("Blu", "M")].product, sku="MONV-BLU-9", color="Blu", size="9")
    siblings = selectors.sibling_variants(made[("Blu", "M")])
    assert [(v.color, v.size) for v in siblings] == [
        ("Blu", "S"),
        ("Blu", "M"),
        ("Blu", "L"),
        ("Blu", "XL"),
        ("Blu", "9"),
        ("Blu", "10"),
        ("Rosso", "S"),
        ("Rosso", "M"),
        ("Rosso", "L"),
        ("Rosso", "XL"),
    ]

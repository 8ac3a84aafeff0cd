"""Catalog writes: create_product, update_product, add_variant, update_variant."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from inventory.exceptions import (
    CatalogInvalid,
    DuplicateGtin,
    DuplicateSku,
    ProductNotFound,
    SkuNotFound,
)
from inventory.models import Brand, Category, Product, Variant
from inventory.services import VariantSpec, catalog_checks, create_product
from inventory.services import catalog as services
from omni.actors import Actor
from omni.models import AuditEntry
from tests.inventory.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

EAN13 = "4006381333931"
UPCA = "036000291452"
EAN8 = "96385074"
GTIN14 = "10012345678902"


def make(**overrides):
    kwargs = {
        "name": "Maglia girocollo",
        "brand": "Acme",
        "category": "Maglieria",
        "variants": [
            VariantSpec(sku="MGC-S-BLU", gtin=EAN13, size="S", color="Blu", price=Decimal("19.90")),
            VariantSpec(sku="MGC-M-BLU", gtin=UPCA, size="M", color="Blu", price=Decimal("19.90")),
        ],
    }
    kwargs.update(overrides)
    return create_product(**kwargs)


def errors_of(excinfo):
    return excinfo.value.errors


# --- create_product ----------------------------------------------------------------------------------


def test_create_product_with_variants():
    product = make(description="  Cotone  ", vat_rate=Decimal("10.00"))
    assert product.brand.name == "Acme"
    assert product.category.name == "Maglieria" and product.category.slug == "maglieria"
    assert product.description == "Cotone" and product.vat_rate == Decimal("10.00") and product.active
    variants = {v.sku: v for v in product.variants.all()}
    assert set(variants) == {"MGC-S-BLU", "MGC-M-BLU"}
    # bulk_create bypasses save(): the service sets gtin14 itself
    assert variants["MGC-S-BLU"].gtin14 == "0" + EAN13
    assert variants["MGC-M-BLU"].gtin == UPCA and variants["MGC-M-BLU"].gtin14 == "00" + UPCA
    assert variants["MGC-M-BLU"].price == Decimal("19.90")
    assert AuditEntry.objects.filter(action="product.created", object_id=str(product.pk)).exists()


def test_variant_without_gtin_and_with_cost_price():
    product = make(
        variants=[VariantSpec(sku="NOGTIN", gtin="", price=Decimal("5"), cost_price=Decimal("2.5"))]
    )
    variant = product.variants.get()
    assert variant.gtin is None and variant.gtin14 is None
    assert variant.price == Decimal("5.00") and variant.cost_price == Decimal("2.50")


def test_gtin_of_every_length_is_accepted():
    product = make(
        variants=[
            VariantSpec(sku=f"L{len(g)}", gtin=g, price=Decimal("1.00")) for g in (EAN8, UPCA, EAN13, GTIN14)
        ]
    )
    assert sorted(len(v.gtin14) for v in product.variants.all()) == [14, 14, 14, 14]


def test_brand_and_category_are_reused_whatever_the_case():
    first = make()
    second = make(
        brand="ACME",
        category="maglieria",
        variants=[VariantSpec(sku="OTHER-1", price=Decimal("1.00"))],
    )
    assert second.brand_id == first.brand_id and second.category_id == first.category_id
    assert Brand.objects.count() == 1 and Category.objects.count() == 1


def test_category_with_the_same_slug_is_the_same_category():
    existing = CategoryFactory(name="T-Shirt", slug="t-shirt")
    product = make(category="T Shirt")
    assert product.category == existing


def test_new_category_gets_a_slug_from_its_name():
    product = make(category="Accessori Caffè")
    assert product.category.slug == "accessori-caffe"


def test_no_variants_is_refused():
    with pytest.raises(CatalogInvalid) as excinfo:
        make(variants=[])
    assert "variants" in errors_of(excinfo)
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("gtin", "message"),
    [
        ("4006381333932", "Wrong check digit: a GTIN starting 400638133393 ends in 1."),
        ("40063813339", "A GTIN has 8, 12, 13 or 14 digits, not 11."),
        ("ABC", "A GTIN has digits only."),
    ],
)
def test_bad_gtin_is_named_with_the_reason(gtin, message):
    with pytest.raises(CatalogInvalid) as excinfo:
        make(
            variants=[
                VariantSpec(sku="OK-1", gtin=EAN13, price=Decimal("1")),
                VariantSpec(sku="OK-2", gtin=gtin, price=Decimal("1")),
            ]
        )
    assert errors_of(excinfo) == {"variants.1.gtin": [message]}
    assert excinfo.value.code == "validation_error"
    assert excinfo.value.detail.startswith("variants.1.gtin:")


@pytest.mark.parametrize(
    ("price", "field", "fragment"),
    [
        (Decimal("-0.01"), "price", "negative"),
        (Decimal("19.999"), "price", "2 decimal"),
        (Decimal("NaN"), "price", "decimal number"),
        (Decimal("100000000"), "price", "at most"),
        (None, "price", "required"),
    ],
)
def test_bad_prices_are_refused(price, field, fragment):
    with pytest.raises(CatalogInvalid) as excinfo:
        make(variants=[VariantSpec(sku="P-1", price=price)])
    errors = errors_of(excinfo)
    assert list(errors) == [f"variants.0.{field}"]
    assert fragment in errors[f"variants.0.{field}"][0]


def test_bad_cost_price_is_named():
    with pytest.raises(CatalogInvalid) as excinfo:
        make(variants=[VariantSpec(sku="P-1", price=Decimal("1"), cost_price=Decimal("-1"))])
    assert errors_of(excinfo) == {"variants.0.cost_price": ["A cost price cannot be negative."]}


def test_bad_sku_is_refused():
    with pytest.raises(CatalogInvalid) as excinfo:
        make(variants=[VariantSpec(sku="bad sku!", price=Decimal("1"))])
    assert list(errors_of(excinfo)) == ["variants.0.sku"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "  "),
        ("brand", ""),
        ("category", "!!!"),
        ("vat_rate", Decimal("100.01")),
        ("name", "x" * 201),
    ],
)
def test_bad_product_fields_are_named(field, value):
    with pytest.raises(CatalogInvalid) as excinfo:
        make(**{field: value})
    assert list(errors_of(excinfo)) == [field]
    assert not Product.objects.exists() and not Brand.objects.exists()


def test_duplicate_sku_in_the_request():
    with pytest.raises(CatalogInvalid) as excinfo:
        make(
            variants=[
                VariantSpec(sku="SAME", price=Decimal("1")),
                VariantSpec(sku="SAME", price=Decimal("1")),
            ]
        )
    assert errors_of(excinfo) == {
        "variants.1.sku": ["SKU SAME appears twice in this request (also variants.0.sku)."]
    }


def test_duplicate_gtin_in_the_request_compares_the_14_digit_form():
    with pytest.raises(CatalogInvalid) as excinfo:
        make(
            variants=[
                VariantSpec(sku="A", gtin=UPCA, price=Decimal("1")),
                VariantSpec(sku="B", gtin="0" + UPCA, price=Decimal("1")),  # the same, as an EAN-13
            ]
        )
    assert list(errors_of(excinfo)) == ["variants.1.gtin"]


def test_duplicate_sku_in_the_catalog():
    VariantFactory(sku="TAKEN")
    with pytest.raises(DuplicateSku) as excinfo:
        make(
            variants=[
                VariantSpec(sku="NEW", price=Decimal("1")),
                VariantSpec(sku="TAKEN", price=Decimal("1")),
            ]
        )
    assert errors_of(excinfo) == {"variants.1.sku": ["SKU TAKEN is already in the catalog."]}
    assert excinfo.value.code == "validation_error" and excinfo.value.status == 400
    assert Product.objects.count() == 1  # the factory's product only: nothing was written


def test_duplicate_gtin_in_the_catalog_in_another_form():
    VariantFactory(sku="OWNER", gtin=UPCA)
    with pytest.raises(DuplicateGtin) as excinfo:
        make(variants=[VariantSpec(sku="NEW", gtin="00" + UPCA, price=Decimal("1"))])
    assert errors_of(excinfo) == {"variants.0.gtin": [f"GTIN 00{UPCA} already belongs to SKU OWNER."]}


def test_unique_index_refusal_becomes_the_same_400(monkeypatch):
    """The check saw nothing (as when a concurrent request commits between check and insert)."""
    VariantFactory(sku="RACED")
    real = catalog_checks._duplicates
    calls = {"n": 0}

    def first_sees_nothing(specs, prefix):
        calls["n"] += 1
        return ({}, False) if calls["n"] == 1 else real(specs, prefix)

    monkeypatch.setattr(catalog_checks, "_duplicates", first_sees_nothing)
    with pytest.raises(DuplicateSku) as excinfo:
        make(variants=[VariantSpec(sku="RACED", price=Decimal("1"))])
    assert errors_of(excinfo) == {"variants.0.sku": ["SKU RACED is already in the catalog."]}
    assert calls["n"] == 2


def test_database_refuses_an_inconsistent_gtin14():
    variant = VariantFactory(gtin=EAN13)
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(gtin14="00000000000000")
    with pytest.raises(IntegrityError), transaction.atomic():
        Variant.objects.filter(pk=variant.pk).update(gtin="12345", gtin14="00000000012345")


# --- races -------------------------------------------------------------------------------------------


def _wait_for_a_lock_wait(timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("second", "field", "error"),
    [
        (VariantSpec(sku="RACE-1", price=Decimal("2.00")), "variants.0.sku", DuplicateSku),
        (VariantSpec(sku="RACE-2", gtin="0" + UPCA, price=Decimal("2.00")), "variants.0.gtin", DuplicateGtin),
    ],
    ids=["same-sku", "same-gtin"],
)
def test_concurrent_creates_of_the_same_sku_or_gtin(second, field, error):
    """The first request holds its uncommitted insert; the second passes the check, blocks on the unique
    index, and when the first commits gets the same 400 as a sequential duplicate: never a 500."""
    inserted, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                make(variants=[VariantSpec(sku="RACE-1", gtin=UPCA, price=Decimal("1.00"))])
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def contender() -> None:
        try:
            make(name="Other", brand="Other brand", category="Other category", variants=[second])
        except Exception as exc:
            outcome["error"] = exc
        else:
            outcome["error"] = None
        finally:
            connection.close()

    holder = threading.Thread(target=first)
    holder.start()
    assert inserted.wait(10)
    racer = threading.Thread(target=contender)
    racer.start()
    blocked = _wait_for_a_lock_wait()
    release.set()
    holder.join(10)
    racer.join(10)
    assert blocked, "the second insert never waited on the first one's unique index"
    assert isinstance(outcome["error"], error), outcome
    assert list(outcome["error"].errors) == [field]
    assert Variant.objects.count() == 1
    assert not Product.objects.filter(name="Other").exists()  # the whole second request rolled back


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_a_new_brand_share_it():
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def create(sku: str) -> None:
        try:
            start.wait(5)
            make(
                brand="Brand new",
                category="Category new",
                variants=[VariantSpec(sku=sku, price=Decimal("1"))],
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(sku,)) for sku in ("NB-1", "NB-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert Brand.objects.filter(name="Brand new").count() == 1
    assert Category.objects.filter(slug="category-new").count() == 1
    assert Product.objects.count() == 2


# --- update_product -----------------------------------------------------------------------------------


def test_update_product_changes_only_what_is_given():
    product = ProductFactory(name="Old", description="Keep")
    updated = services.update_product(product_id=product.pk, name=" New  name ", active=False)
    product.refresh_from_db()
    assert updated.name == product.name == "New name"
    assert product.description == "Keep" and not product.active
    assert AuditEntry.objects.filter(action="product.updated", object_id=str(product.pk)).exists()


def test_update_product_refuses_bad_vat_and_unknown_products():
    product = ProductFactory()
    with pytest.raises(CatalogInvalid) as excinfo:
        services.update_product(product_id=product.pk, vat_rate=Decimal("-1"))
    assert list(excinfo.value.errors) == ["vat_rate"]
    product.refresh_from_db()
    assert product.vat_rate == Decimal("22.00")
    with pytest.raises(ProductNotFound):
        services.update_product(product_id=product.pk + 1000, name="x")


# --- add_variant -------------------------------------------------------------------------------------


def test_add_variant():
    product = ProductFactory()
    variant = services.add_variant(
        product_id=product.pk, spec=VariantSpec(sku="ADD-1", gtin=EAN8, size="L", price=Decimal("9.90"))
    )
    assert variant.product_id == product.pk and variant.gtin14 == "000000" + EAN8
    assert AuditEntry.objects.filter(action="variant.created", object_id="ADD-1").exists()


def test_add_variant_names_the_field_alone():
    VariantFactory(sku="TAKEN", gtin=EAN13)
    product = ProductFactory()
    with pytest.raises(DuplicateSku) as excinfo:
        services.add_variant(product_id=product.pk, spec=VariantSpec(sku="TAKEN", price=Decimal("1")))
    assert list(excinfo.value.errors) == ["sku"]
    with pytest.raises(DuplicateGtin) as excinfo:
        services.add_variant(
            product_id=product.pk, spec=VariantSpec(sku="FREE", gtin=EAN13, price=Decimal("1"))
        )
    assert list(excinfo.value.errors) == ["gtin"]
    with pytest.raises(ProductNotFound):
        services.add_variant(product_id=product.pk + 1000, spec=VariantSpec(sku="X", price=Decimal("1")))


# --- update_variant ----------------------------------------------------------------------------------


def test_price_change_is_audited_with_who_and_what():
    from tests.omni.factories import UserFactory

    variant = VariantFactory(sku="PRICE-1", price=Decimal("19.90"), cost_price=Decimal("8.00"))
    user = UserFactory(role="hq_manager")
    services.update_variant(sku="PRICE-1", price=Decimal("24.9"), actor=Actor.for_user(user))
    variant.refresh_from_db()
    assert variant.price == Decimal("24.90") and variant.cost_price == Decimal("8.00")
    entry = AuditEntry.objects.get(action="variant.price_changed", object_id="PRICE-1")
    assert entry.user == user
    assert entry.data == {"price": {"from": "19.90", "to": "24.90"}}


def test_update_variant_active_and_cost_price():
    variant = VariantFactory(sku="V-1", cost_price=Decimal("8.00"))
    services.update_variant(sku="V-1", active=False, cost_price=None)
    variant.refresh_from_db()
    assert not variant.active and variant.cost_price is None


def test_same_price_is_no_change():
    VariantFactory(sku="V-1", price=Decimal("19.90"))
    services.update_variant(sku="V-1", price=Decimal("19.90"))
    assert not AuditEntry.objects.filter(object_id="V-1").exists()


@pytest.mark.parametrize("price", [Decimal("-1"), Decimal("1.001"), None])
def test_update_variant_refuses_bad_prices(price):
    variant = VariantFactory(sku="V-1", price=Decimal("19.90"))
    with pytest.raises(CatalogInvalid) as excinfo:
        services.update_variant(sku="V-1", price=price)
    assert list(excinfo.value.errors) == ["price"]
    variant.refresh_from_db()
    assert variant.price == Decimal("19.90")


def test_update_unknown_variant():
    with pytest.raises(SkuNotFound):
        services.update_variant(sku="NOPE", price=Decimal("1"))

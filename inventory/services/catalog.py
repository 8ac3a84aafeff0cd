"""Catalog writes: products, their variants (SKUs with GTINs) and prices. Every change to a price goes
through here, so that the rules (two decimals, never negative, unique SKU and GTIN) hold whatever the
caller, and each price change leaves an audit entry."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from inventory import locks
from inventory.exceptions import DuplicateGtin, DuplicateSku, ProductNotFound, SkuNotFound
from inventory.gtin import to_gtin14
from inventory.models import Brand, Category, Product, Variant
from inventory.services import catalog_checks
from inventory.services.catalog_checks import (
    CENT,
    VariantSpec,
    _clean_gtin,
    _invalid,
    _money,
    _path,
    _text,
    _validate_specs,
    _vat_problem,
    money_problem,
)
from omni.actors import Actor
from omni.services import record_audit

DEFAULT_VAT_RATE = Decimal("22.00")


class _Unset(enum.Enum):
    UNSET = enum.auto()


UNSET: Final = _Unset.UNSET


def _build_variant(product: Product, spec: VariantSpec) -> Variant:
    """A Variant ready for bulk_create, which bypasses save(): gtin14 is set here."""
    gtin = _clean_gtin(spec.gtin)
    return Variant(
        product=product,
        sku=spec.sku,
        gtin=gtin,
        gtin14=to_gtin14(gtin) if gtin else None,
        size=" ".join(spec.size.split()),
        color=" ".join(spec.color.split()),
        price=Decimal(str(spec.price)).quantize(CENT),
        cost_price=_money(spec.cost_price),
        active=spec.active,
    )


def _constraint_name(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _insert_variants(product: Product, specs: Sequence[VariantSpec], prefix: str | None) -> list[Variant]:
    """Insert in a savepoint. A concurrent request that took one of our SKUs or GTINs after our check
    makes the unique index refuse the insert: answer with the same field errors as the check."""
    rows = [_build_variant(product, spec) for spec in specs]
    try:
        with transaction.atomic():
            return Variant.objects.bulk_create(rows)
    except IntegrityError as exc:
        constraint = _constraint_name(exc)
        duplicates, sku_taken = catalog_checks._duplicates(specs, prefix)
        if duplicates:
            raise _invalid(duplicates, DuplicateSku if sku_taken else DuplicateGtin) from exc
        if "gtin14" in constraint:
            raise _invalid(
                {f"{_path(prefix, 0)}gtin": ["This GTIN was just taken by another SKU."]}, DuplicateGtin
            ) from exc
        if "sku" in constraint:
            raise _invalid(
                {f"{_path(prefix, 0)}sku": ["This SKU was just taken by another request."]}, DuplicateSku
            ) from exc
        raise


def _get_or_create_brand(name: str) -> Brand:
    brand = Brand.objects.filter(name__iexact=name).first()
    if brand is not None:
        return brand
    try:
        with transaction.atomic():
            return Brand.objects.create(name=name)
    except IntegrityError:  # created by a concurrent request since our read
        brand = Brand.objects.filter(name__iexact=name).first()
        if brand is None:
            raise
        return brand


def _get_or_create_category(name: str, slug: str) -> Category:
    """By name (any case), else by slug: "T Shirt" and "T-Shirt" are one category."""
    category = (
        Category.objects.filter(name__iexact=name).first() or Category.objects.filter(slug=slug).first()
    )
    if category is not None:
        return category
    try:
        with transaction.atomic():
            return Category.objects.create(name=name, slug=slug)
    except IntegrityError:  # created by a concurrent request since our read
        category = (
            Category.objects.filter(name__iexact=name).first() or Category.objects.filter(slug=slug).first()
        )
        if category is None:
            raise
        return category


# --- products ---------------------------------------------------------------------------------------


@transaction.atomic
def create_product(
    *,
    name: str,
    brand: str,
    category: str,
    variants: Sequence[VariantSpec],
    description: str = "",
    vat_rate: Decimal = DEFAULT_VAT_RATE,
    active: bool = True,
    actor: Actor | None = None,
) -> Product:
    """Create a product with its variants. Brand and category are names, created when new."""
    errors: dict[str, list[str]] = {}
    name = _text(name, field="name", max_length=200, required=True, errors=errors)
    brand = _text(brand, field="brand", max_length=80, required=True, errors=errors)
    category = _text(category, field="category", max_length=80, required=True, errors=errors)
    slug = slugify(category)[:80].strip("-")
    if category and "category" not in errors and not slug:
        errors["category"] = ["A category name needs at least one letter or digit."]
    if problem := _vat_problem(vat_rate):
        errors["vat_rate"] = [problem]
    if not variants:
        errors["variants"] = ["A product needs at least one variant."]
    if errors:
        raise _invalid(errors)
    _validate_specs(variants, "variants")

    product = Product.objects.create(
        name=name,
        brand=_get_or_create_brand(brand),
        category=_get_or_create_category(category, slug),
        description=(description or "").strip(),
        vat_rate=vat_rate,
        active=active,
    )
    _insert_variants(product, variants, "variants")
    record_audit(
        action="product.created",
        actor=actor,
        object_type="product",
        object_id=product.pk,
        data={"skus": [spec.sku for spec in variants]},
    )
    return product


@transaction.atomic
def update_product(
    *,
    product_id: int,
    name: str | _Unset = UNSET,
    description: str | _Unset = UNSET,
    active: bool | _Unset = UNSET,
    vat_rate: Decimal | _Unset = UNSET,
    actor: Actor | None = None,
) -> Product:
    """Change a product's name, description, VAT rate or whether it is on sale."""
    product = locks.product(product_id)
    if product is None:
        raise ProductNotFound()
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    if not isinstance(name, _Unset):
        product.name = _text(name, field="name", max_length=200, required=True, errors=errors)
        changed.append("name")
    if not isinstance(description, _Unset):
        product.description = (description or "").strip()
        changed.append("description")
    if not isinstance(vat_rate, _Unset):
        if problem := _vat_problem(vat_rate):
            errors["vat_rate"] = [problem]
        product.vat_rate = vat_rate
        changed.append("vat_rate")
    if not isinstance(active, _Unset):
        product.active = bool(active)
        changed.append("active")
    if errors:
        raise _invalid(errors)
    if changed:
        product.save(update_fields=[*changed, "updated_at"])
        record_audit(
            action="product.updated",
            actor=actor,
            object_type="product",
            object_id=product.pk,
            data={field: str(getattr(product, field)) for field in changed if field != "description"},
        )
    return product


# --- variants ---------------------------------------------------------------------------------------


@transaction.atomic
def add_variant(*, product_id: int, spec: VariantSpec, actor: Actor | None = None) -> Variant:
    """Add one SKU to an existing product. Field errors name the field alone ("sku", "gtin")."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    _validate_specs([spec], None)
    (variant,) = _insert_variants(product, [spec], None)
    record_audit(
        action="variant.created",
        actor=actor,
        object_type="variant",
        object_id=variant.sku,
        data={"product": product.pk, "price": str(variant.price)},
    )
    return variant


@transaction.atomic
def update_variant(
    *,
    sku: str,
    price: Decimal | _Unset = UNSET,
    cost_price: Decimal | _Unset | None = UNSET,
    active: bool | _Unset = UNSET,
    actor: Actor | None = None,
) -> Variant:
    """Change a SKU's retail price, cost price or whether it is on sale. Price changes are audited."""
    variant = locks.variant_by_sku(sku)
    if variant is None:
        raise SkuNotFound(f"No SKU {sku} in the catalog.")
    errors: dict[str, list[str]] = {}
    changed: dict[str, tuple[str, str]] = {}
    if not isinstance(price, _Unset):
        if problem := money_problem(price):
            errors["price"] = [problem]
        else:
            new_price = _money(price)
            if new_price != variant.price:
                changed["price"] = (str(variant.price), str(new_price))
                variant.price = new_price  # type: ignore[assignment]
    if not isinstance(cost_price, _Unset):
        if problem := money_problem(cost_price, required=False):
            errors["cost_price"] = [problem.replace("A price", "A cost price")]
        else:
            new_cost = _money(cost_price)
            if new_cost != variant.cost_price:
                changed["cost_price"] = (str(variant.cost_price), str(new_cost))
                variant.cost_price = new_cost
    if not isinstance(active, _Unset) and bool(active) != variant.active:
        changed["active"] = (str(variant.active), str(bool(active)))
        variant.active = bool(active)
    if errors:
        raise _invalid(errors)
    if changed:
        variant.save(update_fields=list(changed))
        action = "variant.price_changed" if {"price", "cost_price"} & changed.keys() else "variant.updated"
        record_audit(
            action=action,
            actor=actor,
            object_type="variant",
            object_id=variant.sku,
            data={field: {"from": old, "to": new} for field, (old, new) in changed.items()},
        )
    return variant

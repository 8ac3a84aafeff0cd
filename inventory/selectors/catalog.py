"""Catalog reads. Every search accepts what a person types or a scanner sends: part of a product or
brand name, the start of a SKU, or a GTIN in any of its 8, 12, 13 or 14-digit forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Case, Count, FloatField, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Upper

from inventory.gtin import is_valid_gtin, to_gtin14
from inventory.models import Brand, Category, Product, Variant
from omni.actors import Actor
from omni.exceptions import InvalidInput
from omni.models import ApiRole

MAX_QUERY_LENGTH = 100


def normalise_query(query: str | None) -> str:
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH]


def scanned_gtin14(query: str | None) -> str | None:
    """The 14-digit form of a query that is a valid GTIN (what a barcode scanner types), else None."""
    query = (query or "").strip()
    return to_gtin14(query) if is_valid_gtin(query) else None


def can_see_cost_price(actor: Actor) -> bool:
    """Cost prices are HQ's business: the integration role (and HQ staff, who act as it) only."""
    return actor.role == ApiRole.INTEGRATION


# --- building blocks -------------------------------------------------------------------------------
# A search is a UNION of ids, one arm per index: the trigram GIN index on UPPER(name) for names, the
# pattern index on sku for SKU starts, the unique index on gtin14 for barcodes. (An OR of the same
# conditions in one WHERE would make PostgreSQL scan every row.)


def _code_matches(query: str) -> Q:
    """The SKU exactly or by its start (LIKE 'X%' on the sku index), or the GTIN in any of its forms."""
    condition = Q(sku__startswith=query) | Q(sku__startswith=query.upper())
    if gtin14 := scanned_gtin14(query):
        condition |= Q(gtin14=gtin14)
    return condition


def _named(query: str) -> QuerySet[Product]:
    """Products whose name contains the query: UPPER(name) LIKE '%QUERY%' (the trigram index)."""
    return Product.objects.alias(name_upper=Upper("name")).filter(name_upper__contains=query.upper())


def _of_brand_named(query: str) -> QuerySet[Product]:
    return Product.objects.filter(brand__name__icontains=query)


def _tokens(query: str) -> list[str]:
    """The words of a search ("monviso blu" -> name and colour), at most five; one word is the query."""
    words = query.split()
    return words[:5] if len(words) > 1 else [query]


def _is_size(word: str) -> bool:
    return word.upper() in LETTER_SIZES or (word.isdigit() and len(word) <= 3)


def _variant_ids_for_word(word: str) -> QuerySet[Any]:
    """SKUs that one word of a search describes: by code, by their product's or brand's name, by colour,
    or by size. A word that is a size ("m", "xl", "42") is the size only: "m" is in too many names."""
    if _is_size(word):
        return Variant.objects.filter(size__iexact=word).values("pk").order_by()
    return _matching_variant_ids(word).union(
        Variant.objects.filter(Q(color__icontains=word) | Q(size__iexact=word)).values("pk").order_by()
    )


def _matching_product_ids(query: str) -> QuerySet[Any]:
    """Ids of products named like the query, of a brand named like it, or with a SKU/GTIN matching it."""
    return (
        _named(query)
        .values("pk")
        .order_by()
        .union(
            _of_brand_named(query).values("pk").order_by(),
            Variant.objects.filter(_code_matches(query)).values("product_id").order_by(),
        )
    )


def _matching_variant_ids(query: str) -> QuerySet[Any]:
    """Ids of SKUs matching the query by code, or of a product or brand named like it."""
    named_products = (
        _named(query).values("pk").order_by().union(_of_brand_named(query).values("pk").order_by())
    )
    return (
        Variant.objects.filter(_code_matches(query))
        .values("pk")
        .order_by()
        .union(Variant.objects.filter(product_id__in=named_products).values("pk").order_by())
    )


def _category_q(value: str | None, prefix: str = "") -> Q:
    value = (value or "").strip()
    if not value:
        return Q()
    return Q(**{f"{prefix}category__slug": value.lower()}) | Q(**{f"{prefix}category__name__iexact": value})


def _brand_q(value: str | None, prefix: str = "") -> Q:
    value = (value or "").strip()
    if not value:
        return Q()
    return Q(**{f"{prefix}brand__name__iexact": value})


# --- products ----------------------------------------------------------------------------------------


def product_list() -> QuerySet[Product]:
    """Products with brand, category and variants loaded in a constant number of queries."""
    return (
        Product.objects.select_related("brand", "category")
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.order_by("sku")))
        .order_by("name", "id")
    )


def search_products(
    query: str | None = None,
    *,
    category: str | None = None,
    brand: str | None = None,
    active: bool | None = None,
    products: QuerySet[Product] | None = None,
) -> QuerySet[Product]:
    """Products whose name or brand contains `query`, or with a SKU starting with it or a GTIN equal to it;
    several words: each word matches the product or one of its SKUs (name, brand, code, colour, size).
    `category` is a category's name or slug, `brand` a brand's name; `products` narrows a product_list()."""
    products = product_list() if products is None else products
    if query := normalise_query(query):
        words = _tokens(query)
        if len(words) == 1:
            products = products.filter(pk__in=_matching_product_ids(query))
        for word in words if len(words) > 1 else []:  # every word describes the product or one of its SKUs
            ids = Variant.objects.filter(pk__in=_variant_ids_for_word(word)).values("product_id")
            products = products.filter(
                Q(pk__in=ids) if _is_size(word) else Q(pk__in=_matching_product_ids(word)) | Q(pk__in=ids)
            )
    products = products.filter(_category_q(category)).filter(_brand_q(brand))
    if active is not None:
        products = products.filter(active=active)
    return products


def product_by_id(product_id: int) -> Product | None:
    return product_list().filter(pk=product_id).first()


# --- variants (SKUs) ---------------------------------------------------------------------------------


def variant_list() -> QuerySet[Variant]:
    return Variant.objects.select_related("product__brand", "product__category").order_by("sku")


def search_variants(
    query: str | None = None,
    *,
    category: str | None = None,
    brand: str | None = None,
    product_id: int | None = None,
    gtin: str | None = None,
    active: bool | None = None,
    variants: QuerySet[Variant] | None = None,
) -> QuerySet[Variant]:
    """SKUs matching a search box (product or brand name, SKU start, scanned GTIN; several words: each
    word matches a name, a code, the colour or the size), with filters.
    `gtin` is an exact barcode lookup in any of its forms; an invalid GTIN matches nothing.
    `active=True` keeps the SKUs on sale (the SKU and its product both active); `variants` narrows
    a variant_list()."""
    variants = variant_list() if variants is None else variants
    query = normalise_query(query)
    words = _tokens(query) if query else []
    if len(words) == 1:
        variants = variants.filter(pk__in=_matching_variant_ids(query))
    for word in words if len(words) > 1 else []:  # "monviso blu m": name, colour and size together
        variants = variants.filter(pk__in=_variant_ids_for_word(word))
    if gtin is not None:
        variants = variants.filter(gtin14=scanned_gtin14(gtin) or "-")
    if product_id is not None:
        variants = variants.filter(product_id=product_id)
    variants = variants.filter(_category_q(category, "product__")).filter(_brand_q(brand, "product__"))
    if active is True:
        variants = variants.filter(active=True, product__active=True)
    elif active is False:
        variants = variants.filter(Q(active=False) | Q(product__active=False))
    return variants


def variant_by_sku(sku: str) -> Variant | None:
    return variant_list().filter(sku=sku).first()


def variant_by_gtin(gtin: str) -> Variant | None:
    """The SKU with this barcode, in any of its forms (a UPC-A read as an EAN-13 still matches)."""
    gtin14 = scanned_gtin14(gtin)
    if gtin14 is None:
        return None
    return variant_list().filter(gtin14=gtin14).first()


def variant_by_code(code: str | None) -> Variant | None:
    """The SKU a person typed or scanned: a valid GTIN by its barcode, else the SKU exactly (any case)."""
    code = normalise_query(code)
    if not code:
        return None
    if scanned_gtin14(code):
        found = variant_by_gtin(code)
        if found is not None:
            return found
    return variant_list().filter(Q(sku=code) | Q(sku=code.upper())).order_by("sku").first()


def known_variant(sku: str, *, field: str = "sku") -> Variant:
    """The SKU a client sent, or a 400 naming `field`."""
    variant = Variant.objects.filter(sku=sku).first()
    if variant is None:
        raise InvalidInput(f"No SKU {sku} in the catalog.", errors={field: [f"Unknown SKU {sku}."]})
    return variant


def known_variants(skus: Sequence[str], *, prefix: str = "lines") -> list[Variant]:
    """The variants of these SKUs, in order, in one query; a 400 naming every unknown one
    (`lines.2.sku`)."""
    found = {v.sku: v for v in Variant.objects.filter(sku__in=set(skus))}
    unknown = {f"{prefix}.{i}.sku": [f"Unknown SKU {sku}."] for i, sku in enumerate(skus) if sku not in found}
    if unknown:
        missing = sorted({sku for sku in skus if sku not in found})
        raise InvalidInput(f"Not in the catalog: {', '.join(missing)}.", errors=unknown)
    return [found[sku] for sku in skus]


# Sizes as a shop lists them: letter sizes from the smallest, then numeric sizes by their number (9 before
# 10), then anything else alphabetically; ordering by the SKU put L, M, S before XL.
LETTER_SIZES = ("XXXS", "XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "4XL", "5XL")


def natural_size_order() -> list[Any]:
    """order_by() terms that sort variants by size naturally (within a colour, put colour first)."""
    rank = Case(
        *[When(size__iexact=size, then=Value(n)) for n, size in enumerate(LETTER_SIZES)],
        When(size__regex=r"^[0-9]+([.,][0-9]+)?$", then=Value(len(LETTER_SIZES))),
        default=Value(len(LETTER_SIZES) + 1),
        output_field=IntegerField(),
    )
    number = Case(
        When(size__regex=r"^[0-9]+$", then=Cast("size", FloatField())),
        default=None,
        output_field=FloatField(),
    )
    return [rank, number, "size"]


def sibling_variants(variant: Variant) -> QuerySet[Variant]:
    """Every SKU of the variant's product (itself included), by colour, then size in its natural order."""
    return Variant.objects.filter(product_id=variant.product_id).order_by(
        "color", *natural_size_order(), "sku"
    )


# --- reference data and figures ----------------------------------------------------------------------


def categories() -> QuerySet[Category]:
    return Category.objects.order_by("name")


def brands() -> QuerySet[Brand]:
    return Brand.objects.order_by("name")


def category_by_slug_or_name(value: str, *, field: str = "category") -> Category:
    """The category a client named, or a 400 naming `field`."""
    category = Category.objects.filter(Q(slug=value) | Q(name__iexact=value)).first()
    if category is None:
        raise InvalidInput(f"No category {value}.", errors={field: [f"Unknown category {value}."]})
    return category


def category_and_descendants(category_id: int) -> tuple[int, ...]:
    """The category's id and the ids of every category below it (Category.parent), in one query.
    UNION (not UNION ALL) stops at a cycle, should one ever be written."""
    table = Category._meta.db_table
    sql = (
        f"WITH RECURSIVE tree(id) AS (SELECT id FROM {table} WHERE id = %s "  # noqa: S608
        f"UNION SELECT c.id FROM {table} c JOIN tree ON c.parent_id = tree.id) "
        "SELECT id FROM tree ORDER BY id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [category_id])
        return tuple(row[0] for row in cursor.fetchall())


@dataclass(frozen=True)
class CatalogFigures:
    active_products: int
    active_skus: int
    categories: int
    brands: int


def catalog_figures() -> CatalogFigures:
    products = Product.objects.aggregate(active=Count("pk", filter=Q(active=True)))
    skus = Variant.objects.filter(active=True, product__active=True).count()
    return CatalogFigures(
        active_products=products["active"],
        active_skus=skus,
        categories=Category.objects.count(),
        brands=Brand.objects.count(),
    )

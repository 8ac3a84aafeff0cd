"""Admin for the catalog's reference data. Prices of existing SKUs are read-only here: they change
through the API or the SKU page (services.update_variant), which validate and audit them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from inventory.forms import VariantAdminForm
from inventory.models import AdjustmentRequest, Brand, Category, Product, Variant


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "parent")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("parent",)


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name",)
    search_fields = ("name",)


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantAdminForm
    fields = ("sku", "gtin", "size", "color", "price", "cost_price", "active")
    extra = 0
    show_change_link = True

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # obj is the product: its existing SKUs keep their prices here (new rows may set one).
        return ("sku", "price", "cost_price") if obj is not None else ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_add_permission(request, obj)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "brand", "category", "vat_rate", "active", "updated_at")
    list_filter = ("active", "category", "brand")
    list_select_related = ("brand", "category")
    search_fields = ("name", "brand__name", "variants__sku", "variants__gtin")
    autocomplete_fields = ("brand", "category")
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    form = VariantAdminForm
    list_display = ("sku", "gtin", "product", "size", "color", "price", "active")
    list_filter = ("active", "product__category", "product__brand")
    list_select_related = ("product",)
    search_fields = ("sku", "=gtin", "=gtin14", "product__name")
    autocomplete_fields = ("product",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("sku", "price", "cost_price") if obj is not None else ()


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(admin.ModelAdmin):
    """Read-only: requests are approved or rejected on the queue page (inventory.services.adjustments), which
    records the movement under the stock lock; an edit here would bypass it."""

    list_display = (
        "requested_at",
        "location",
        "variant",
        "delta",
        "reason",
        "status",
        "requested_by",
        "decided_by",
    )
    list_filter = ("status", "reason", "location")
    list_select_related = ("location", "variant", "requested_by", "decided_by")
    search_fields = ("variant__sku", "location__code", "requested_by__username")
    date_hierarchy = "requested_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

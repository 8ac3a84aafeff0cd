"""Admin for carts: read-only. Carts change only through carts.services (which lock the cart and check it is
open); the admin is for looking one up by id, customer email or status."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from carts.models import Cart, CartLine
from orders.admin import ReadOnlyInline


class CartLineInline(ReadOnlyInline):
    model = CartLine
    fields = ("variant", "quantity", "added_at")
    readonly_fields = fields


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "status", "customer_email", "location", "updated_at", "expires_at")
    list_filter = ("status", "channel")
    search_fields = ("customer_email",)
    readonly_fields = (
        "id",
        "channel",
        "status",
        "customer_email",
        "member",
        "location",
        "api_client",
        "order",
        "created_at",
        "updated_at",
        "expires_at",
        "closed_at",
    )
    inlines = [CartLineInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

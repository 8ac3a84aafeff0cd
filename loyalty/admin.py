"""Admin for the programme's reference data (tiers, earning rules), and read-only views of customers,
members and the ledger: points and personal data change only through loyalty.services (adjustments,
merges, erasure), which lock, validate and audit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from loyalty.models import (
    ConsentEvent,
    Customer,
    ExpiryWarning,
    LedgerEntry,
    LotDraw,
    LoyaltyRule,
    Member,
    MemberAccess,
    PointsLot,
    Tier,
    TierChange,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "threshold", "multiplier")
    ordering = ("threshold",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # members and their history point at tiers


@admin.register(LoyaltyRule)
class LoyaltyRuleAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "multiplier",
        "category",
        "brand",
        "channel",
        "tier",
        "starts_at",
        "ends_at",
        "active",
    )
    list_filter = ("active", "channel", "tier")
    search_fields = ("name", "category", "brand")


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "first_name",
        "last_name",
        "phone",
        "language",
        "preferred_location",
        "created_at",
        "merged_into",
        "erased_at",
    )
    list_filter = ("language",)
    list_select_related = ("preferred_location", "merged_into")
    search_fields = ("=email", "=phone", "last_name")


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ("card_number", "customer", "points_balance", "tier", "status", "enrolled_at")
    list_filter = ("status", "tier")
    list_select_related = ("customer", "tier")
    search_fields = ("=card_number", "=customer__email")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "member",
        "kind",
        "points",
        "balance_after",
        "order_number",
        "return_number",
        "actor_label",
    )
    list_filter = ("kind",)
    list_select_related = ("member",)
    search_fields = ("=member__card_number", "=order_number", "=return_number")


@admin.register(PointsLot)
class PointsLotAdmin(ReadOnlyAdmin):
    list_display = ("member", "points", "remaining", "available_at", "expires_at", "expired_at")
    list_select_related = ("member",)
    search_fields = ("=member__card_number",)


@admin.register(LotDraw)
class LotDrawAdmin(ReadOnlyAdmin):
    list_display = ("entry", "lot", "points", "created_at")


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "member", "from_tier", "to_tier", "qualifying_points", "reason")
    list_select_related = ("member", "from_tier", "to_tier")


@admin.register(ExpiryWarning)
class ExpiryWarningAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "member", "points", "expires_at", "sent_at")


@admin.register(MemberAccess)
class MemberAccessAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "member", "api_client", "via")


@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "customer",
        "purpose",
        "channel",
        "granted",
        "source",
        "actor_label",
        "location",
    )
    list_filter = ("purpose", "channel", "granted", "source")
    list_select_related = ("customer", "location")
    search_fields = ("=customer__email",)

"""Admin for feedback: read-only. Responses, invitations and follow-ups change only through
feedback.services (which lock the invitation, open the follow-up, erase with the customer); the admin is for
looking one up. A comment is personal data: only superusers see it here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from feedback.models import FollowUp, Invitation, Response


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Response)
class ResponseAdmin(ReadOnlyAdmin):
    list_display = ("id", "touchpoint", "channel", "location", "nps", "csat", "ces", "created_at")
    list_filter = ("touchpoint", "channel", "location")
    search_fields = ("order__number",)
    date_hierarchy = "created_at"
    list_select_related = ("location",)
    fields = (
        "touchpoint",
        "channel",
        "location",
        "order",
        "invitation",
        "customer",
        "api_client",
        "nps",
        "csat",
        "ces",
        "comment",
        "language",
        "created_at",
        "pickup_late_minutes",
        "wait_minutes",
        "return_minutes",
        "delivery_late_hours",
    )
    readonly_fields = fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_fields(request, obj)
        if request.user.is_superuser:
            return fields
        return [f for f in fields if f != "comment"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("id", "touchpoint", "channel", "location", "created_at", "sent_at", "responded_at")
    list_filter = ("touchpoint", "channel")
    search_fields = ("source_key", "order__number")
    date_hierarchy = "created_at"
    list_select_related = ("location",)
    readonly_fields = (
        "id",
        "touchpoint",
        "channel",
        "source_key",
        "customer",
        "email",
        "language",
        "location",
        "order",
        "return_record",
        "appointment",
        "occurred_at",
        "created_at",
        "expires_at",
        "sent_at",
        "responded_at",
    )
    fields = readonly_fields


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin):
    list_display = ("id", "reason", "location", "created_at", "outcome", "closed_at", "closed_by")
    list_filter = ("reason", "outcome", "location")
    list_select_related = ("location", "closed_by")
    readonly_fields = (
        "response",
        "location",
        "reason",
        "created_at",
        "outcome",
        "note",
        "closed_at",
        "closed_by",
    )
    fields = readonly_fields

"""Admin for orders. Orders are read-only here: they change only through orders.services (placement,
fulfilment), which lock, move stock and record events. Promotions and webhook subscriptions are edited
here; the webhook delivery log is read-only, with an action to send failed deliveries again."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from orders.models import (
    DeliveryStatus,
    Order,
    OrderEmail,
    OrderEvent,
    OrderLine,
    Promotion,
    WebhookDelivery,
    WebhookSubscription,
)
from orders.services import webhooks


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("sku", "name", "quantity", "unit_price", "vat_rate", "promotion_discount", "line_total")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "kind", "message", "actor_label", "device")
    readonly_fields = fields


class OrderEmailInline(ReadOnlyInline):
    model = OrderEmail
    fields = ("kind", "to", "sent_at")
    readonly_fields = fields


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "channel", "status", "fulfilment_type", "location", "total", "created_at")
    list_filter = ("status", "channel", "fulfilment_type")
    list_select_related = ("location",)
    search_fields = ("number", "customer_email", "customer_last_name")
    date_hierarchy = "created_at"
    inlines = (OrderLineInline, OrderEventInline, OrderEmailInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The page may be viewed; nothing on it is saved (there is no editable field).
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "value", "starts_at", "ends_at", "segment", "active")
    list_filter = ("active", "kind", "segment")
    list_select_related = ("segment",)
    search_fields = ("name",)
    autocomplete_fields = ("category", "brand")
    raw_id_fields = ("variant",)
    # `segment`: limited to a customer segment's members (defined on the Segments pages), empty for everyone


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "api_client", "events", "active")
    list_filter = ("active",)
    search_fields = ("name", "url")
    list_select_related = ("api_client",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event_type",
        "order_number",
        "subscription",
        "status",
        "attempts",
        "last_response_code",
        "next_attempt_at",
        "delivered_at",
    )
    list_filter = ("status", "subscription", "event__event_type")
    list_select_related = ("subscription", "event")
    search_fields = ("event__payload__number", "last_error")
    readonly_fields = (
        "subscription",
        "event",
        "payload",
        "status",
        "attempts",
        "last_response_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "updated_at",
    )
    actions = ("send_again",)

    @admin.display(description=_("event"))
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.event_type

    @admin.display(description=_("order"))
    def order_number(self, obj: WebhookDelivery) -> str:
        return str(obj.event.payload.get("number", ""))

    @admin.display(description=_("payload"))
    def payload(self, obj: WebhookDelivery) -> str:
        return webhooks.body_for(obj).decode()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("orders.change_webhookdelivery")

    @admin.action(description=_("Send again now"), permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        ids = list(queryset.exclude(status=DeliveryStatus.DELIVERED).values_list("pk", flat=True))
        for delivery_id in ids:
            webhooks.resend(delivery_id)
        webhooks.enqueue(ids)
        self.message_user(request, _("%(n)d deliveries queued again.") % {"n": len(ids)}, messages.SUCCESS)

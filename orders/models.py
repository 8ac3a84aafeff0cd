"""Orders from every channel: the order, its lines (priced from the catalog and stored with their VAT and
discounts), where each line's units are held (allocations), shipments, payments, the timeline, promotions.

Status changes go through orders.services.states only; stock through inventory.services only."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class Channel(models.TextChoices):
    WEB = "web", _("Web shop")
    APP = "app", _("App")
    KIOSK = "kiosk", _("In-store kiosk")
    STORE = "store", _("Store till")
    PHONE = "phone", _("Phone")
    MARKETPLACE = "marketplace", _("Marketplace")


CHANNEL_PREFIX = {"web": "W", "app": "A", "kiosk": "K", "store": "S", "phone": "P", "marketplace": "M"}


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    READY_FOR_PICKUP = "ready_for_pickup", _("Ready for pickup")
    COLLECTED = "collected", _("Collected")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class FulfilmentType(models.TextChoices):
    PICKUP = "pickup", _("Click and collect")
    DELIVERY = "delivery", _("Delivery")
    CARRY_OUT = "carry_out", _("Carried out at the till")


class Order(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default="placed")
    fulfilment_type = models.CharField(_("fulfilment"), max_length=10, choices=FulfilmentType.choices)
    # the pickup or till location (pickup, carry_out); None for deliveries
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    # who took it: an API client (e-shop, kiosk, store tablet, HQ) or a staff member
    api_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    taken_at = models.ForeignKey(
        "stores.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders_taken",
        verbose_name=_("taken at"),
    )
    customer_email = models.EmailField(_("customer email"), blank=True, default="", db_index=True)
    customer_first_name = models.CharField(_("first name"), max_length=80, blank=True, default="")
    customer_last_name = models.CharField(_("last name"), max_length=80, blank=True, default="")
    customer_phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    delivery_address = models.JSONField(_("delivery address"), null=True, blank=True)
    allow_transfer = models.BooleanField(default=False)
    subtotal = models.DecimalField(_("subtotal"), max_digits=12, decimal_places=2, default=ZERO)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=12, decimal_places=2, default=ZERO)
    vat_total = models.DecimalField(_("of which VAT"), max_digits=12, decimal_places=2, default=ZERO)
    currency = models.CharField(max_length=3, default="EUR")
    points_redeemed = models.PositiveIntegerField(_("points redeemed"), default=0)
    cancel_reason = models.CharField(_("cancel reason"), max_length=40, blank=True, default="")
    created_at = models.DateTimeField(_("placed"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [
            models.CheckConstraint(name="order_total_non_negative", condition=Q(total__gte=0)),
            models.CheckConstraint(name="order_discount_non_negative", condition=Q(discount__gte=0)),
            models.CheckConstraint(
                name="order_location_unless_delivery",
                condition=Q(fulfilment_type="delivery") | Q(location__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["channel", "created_at"], name="order_channel_created"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reservation_owner(self) -> str:
        return f"order:{self.number}"

    @property
    def customer_name(self) -> str:
        return f"{self.customer_first_name} {self.customer_last_name}".strip()


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("inventory.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    promotion = models.ForeignKey(
        "orders.Promotion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    promotion_discount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    order_discount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(name="order_line_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(name="order_line_total_non_negative", condition=Q(line_total__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class Allocation(models.Model):
    """Where a line's units are held (reserved) and leave from."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    shipment = models.ForeignKey(
        "orders.Shipment", on_delete=models.SET_NULL, null=True, blank=True, related_name="allocations"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(name="allocation_quantity_positive", condition=Q(quantity__gt=0))
        ]

    def __str__(self) -> str:
        return f"{self.quantity} at {self.location_id}"


class ShipmentStatus(models.TextChoices):
    PENDING = "pending", _("To pick")
    SHIPPED = "shipped", _("Shipped")
    CANCELLED = "cancelled", _("Cancelled")


class Shipment(models.Model):
    """The part of a delivery order that leaves from one location."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="shipments")
    status = models.CharField(max_length=10, choices=ShipmentStatus.choices, default="pending")
    carrier = models.CharField(_("carrier"), max_length=80, blank=True, default="")
    tracking = models.CharField(_("tracking"), max_length=120, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    shipped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "location"], name="one_shipment_per_location"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} from {self.location_id}"


class PaymentMethod(models.TextChoices):
    CARD = "card", _("Card")
    CASH = "cash", _("Cash")
    PAYPAL = "paypal", _("PayPal")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    GIFT_CARD = "gift_card", _("Gift card")
    PAY_AT_PICKUP = "pay_at_pickup", _("Pay at pickup")
    MARKETPLACE = "marketplace", _("Marketplace")


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    AUTHORISED = "authorised", _("Authorised")
    CAPTURED = "captured", _("Captured")
    REFUNDED = "refunded", _("Refunded")


class Payment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    reference = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.CheckConstraint(name="payment_amount_non_negative", condition=Q(amount__gte=0))]

    def __str__(self) -> str:
        return f"{self.method} {self.status} {self.amount}"


class OrderEvent(models.Model):
    """The order's timeline: what happened, who did it, through which channel or device, when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    device = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class PromotionKind(models.TextChoices):
    PERCENT = "percent", _("Percentage off")
    AMOUNT = "amount", _("Amount off each unit")


class Promotion(models.Model):
    """A discount on a SKU, a category or a brand in a date window. It applies identically in every channel
    unless `channels` limits it on purpose. A line gets the single best promotion that applies."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=PromotionKind.choices)
    value = models.DecimalField(_("value"), max_digits=10, decimal_places=2)
    variant = models.ForeignKey(
        "inventory.Variant", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(
        "inventory.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    brand = models.ForeignKey(
        "inventory.Brand", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    channels = ArrayField(
        models.CharField(max_length=12, choices=Channel.choices),
        blank=True,
        default=list,
        help_text=_("Empty: every channel."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["-starts_at", "name"]
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        constraints = [
            models.CheckConstraint(name="promotion_window", condition=Q(starts_at__lt=models.F("ends_at"))),
            models.CheckConstraint(name="promotion_value_positive", condition=Q(value__gt=0)),
            models.CheckConstraint(
                name="promotion_percent_at_most_100", condition=~Q(kind="percent") | Q(value__lte=100)
            ),
            models.CheckConstraint(
                name="promotion_one_target",
                condition=(
                    Q(variant__isnull=False, category__isnull=True, brand__isnull=True)
                    | Q(variant__isnull=True, category__isnull=False, brand__isnull=True)
                    | Q(variant__isnull=True, category__isnull=True, brand__isnull=False)
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Webhooks for the e-shop: subscriptions, the outbox (written with the order change), the delivery log ---

WEBHOOK_EVENT_TYPES = ("order.placed", "order.completed", "order.cancelled", "order.shipped")


class WebhookSubscription(models.Model):
    """A receiver of order events. With an API client set, it receives only that client's orders."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=200, help_text=_("Signs each body (HMAC-SHA256)."))
    events = ArrayField(
        models.CharField(max_length=40),
        default=list,
        help_text=_('Event types, e.g. order.placed, or ["*"] for all.'),
    )
    active = models.BooleanField(_("active"), default=True)
    api_client = models.ForeignKey(
        "omni.ApiClient",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("API client"),
        help_text=_("If set, only orders taken by this client."),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return "*" in self.events or event_type in self.events


class WebhookEvent(models.Model):
    """The outbox: one row per order event that at least one subscription wants, written in the
    transaction that changed the order (so it exists exactly when the change does)."""

    event_type = models.CharField(_("event"), max_length=40)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="webhook_events"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"{self.event_type} {self.payload.get('number', '')}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event to one subscription: attempts, the last answer, when to try again."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_response_code = models.PositiveIntegerField(_("last response code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_subscription"),
            models.CheckConstraint(
                name="webhook_delivery_pending_has_next_attempt",
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription}"


# --- Customer emails: one row per (order, kind) so a task run twice sends once ---


class OrderEmail(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(_("kind"), max_length=20)
    to = models.EmailField(_("to"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_email_per_order_kind")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"

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


# An order that reached its customer: collected, shipped, or sold at the till (what returns and points need).
COMPLETED_STATUSES = frozenset({OrderStatus.COLLECTED, OrderStatus.SHIPPED, OrderStatus.COMPLETED})


class FulfilmentType(models.TextChoices):
    PICKUP = "pickup", _("Click and collect")
    DELIVERY = "delivery", _("Delivery")
    CARRY_OUT = "carry_out", _("Carried out at the till")


class Order(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    # the channel its cart was started in (a kiosk basket paid at the till: kiosk); None without a cart. The
    # channel reports count an order under COALESCE(started_channel, channel).
    started_channel = models.CharField(  # noqa: DJ001 - NULL (no cart) is what the reports COALESCE
        _("started in"), max_length=12, choices=Channel.choices, null=True, blank=True
    )
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
    # Click and collect (orders.services.pickup): when it was promised, made ready, and held until; the code
    # the customer shows at the desk (6 digits while ready, else blank), and the lockout after wrong codes.
    promised_ready_at = models.DateTimeField(_("promised ready"), null=True, blank=True)
    ready_at = models.DateTimeField(_("ready"), null=True, blank=True)
    expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    pickup_code = models.CharField(_("pickup code"), max_length=6, blank=True, default="")
    pickup_failed_attempts = models.PositiveSmallIntegerField(_("wrong pickup codes"), default=0)
    pickup_locked_at = models.DateTimeField(_("pickup locked"), null=True, blank=True)
    # Pickup slots and arrivals: the window the customer chose (stores.services.capacity holds its count),
    # when they said "I'm here" (and where: a bay, the car), and, at handover, the minutes they waited.
    pickup_slot_start = models.DateTimeField(_("pickup window"), null=True, blank=True)
    pickup_slot_end = models.DateTimeField(_("pickup window ends"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("customer arrived"), null=True, blank=True)
    arrival_note = models.CharField(_("arrival note"), max_length=200, blank=True, default="", db_default="")

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
            models.CheckConstraint(
                name="order_pickup_code_six_digits",
                condition=Q(pickup_code="") | Q(pickup_code__regex=r"^[0-9]{6}$"),
            ),
            models.CheckConstraint(
                name="order_pickup_fields_only_for_pickup",
                condition=Q(fulfilment_type="pickup")
                | Q(
                    ready_at__isnull=True,
                    expires_at__isnull=True,
                    pickup_code="",
                    pickup_locked_at__isnull=True,
                ),
            ),
            models.CheckConstraint(
                name="order_ready_has_code_and_times",
                condition=~Q(status="ready_for_pickup")
                | (Q(ready_at__isnull=False, expires_at__isnull=False) & ~Q(pickup_code="")),
            ),
            models.CheckConstraint(
                name="order_pickup_expires_after_ready",
                condition=Q(ready_at__isnull=True)
                | Q(expires_at__isnull=True)
                | Q(expires_at__gt=models.F("ready_at")),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="order_status_created"),
            models.Index(fields=["channel", "created_at"], name="order_channel_created"),
            # the feedback invitations' scans (feedback.services.invitations): collected pickups and till
            # sales by when they were completed, deliveries by when they left
            models.Index(
                fields=["status", "completed_at"],
                name="order_status_completed",
                condition=Q(completed_at__isnull=False),
            ),
            models.Index(fields=["shipped_at"], name="order_shipped", condition=Q(shipped_at__isnull=False)),
            # customer segments (orders.selectors.segments): a person's orders by time with what the rules
            # read (spend, last purchase, channels, where they bought), from the index alone
            models.Index(
                fields=["customer_email", "created_at"],
                include=["status", "total", "channel", "location"],
                name="order_customer_activity",
                condition=~Q(customer_email=""),
            ),
            # the expiry and reminder jobs: pickups still waiting, by when they expire
            models.Index(
                fields=["expires_at"],
                name="order_pickup_expiry",
                condition=Q(status__in=["placed", "ready_for_pickup"], expires_at__isnull=False),
            ),
            # the click-and-collect report (orders.reports.pickup): pickups by store and time, with every
            # column it reads, so a year of them is an index-only scan already grouped by store (the
            # visibility map must be current: docs/OPERATIONS.md, "Keeping the planner informed")
            models.Index(
                fields=["location", "created_at"],
                include=["ready_at", "promised_ready_at", "status", "cancel_reason", "channel"],
                name="order_pickup_report",
                condition=Q(fulfilment_type="pickup", location__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reservation_owner(self) -> str:
        return f"order:{self.number}"

    @property
    def pickup_locked(self) -> bool:
        return self.pickup_locked_at is not None

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
    # Click and collect: units put in the customer's bag, units found missing on the shelf (short picks),
    # and units taken off the order (`quantity` is what is still ordered, priced and to be handed over).
    picked_quantity = models.PositiveIntegerField(_("picked"), default=0)
    short_quantity = models.PositiveIntegerField(_("missing when picked"), default=0)
    cancelled_quantity = models.PositiveIntegerField(_("cancelled"), default=0)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            # a line keeps at least one unit unless units were cancelled off it
            models.CheckConstraint(
                name="order_line_quantity_positive", condition=Q(quantity__gt=0) | Q(cancelled_quantity__gt=0)
            ),
            models.CheckConstraint(name="order_line_total_non_negative", condition=Q(line_total__gte=0)),
            models.CheckConstraint(
                name="order_line_picked_within_quantity",
                condition=Q(picked_quantity__lte=models.F("quantity")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"


class Allocation(models.Model):
    """Where a line's units are held (reserved) and leave from. Ship to store: `location` is the source and
    `transfer` the inventory transfer bringing the units to the pickup store (held at the source under the
    transfer until it ships; reserved for the order at the store once it is received)."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    shipment = models.ForeignKey(
        "orders.Shipment", on_delete=models.SET_NULL, null=True, blank=True, related_name="allocations"
    )
    transfer = models.ForeignKey(
        "inventory.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(name="allocation_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="allocation_shipment_or_transfer",
                condition=Q(shipment__isnull=True) | Q(transfer__isnull=True),
            ),
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
    RETURN_CREDIT = "return_credit", _("Return credit")


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
    # captured money owed back after units were cancelled off the order (the payment provider refunds it)
    refund_due = models.DecimalField(_("refund due"), max_digits=12, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(name="payment_amount_non_negative", condition=Q(amount__gte=0)),
            models.CheckConstraint(
                name="payment_refund_due_within_amount",
                condition=Q(refund_due__gte=0) & Q(refund_due__lte=models.F("amount")),
            ),
        ]

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
        # the sales summary's refresh finds the orders changed since its last run (append-only: cheap)
        indexes = [models.Index(fields=["created_at"], name="orderevent_created")]

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
    # limited to the members of a customer segment (orders.selectors.segments): only an identified customer
    # (an email, or a card leading to one) who belongs to the segment now gets it, in every channel
    segment = models.ForeignKey(
        "orders.Segment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="promotions",
        verbose_name=_("customer segment"),
        help_text=_("Empty: every customer, identified or not."),
    )

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

WEBHOOK_EVENT_TYPES = (
    "order.placed",
    "order.completed",
    "order.cancelled",
    "order.shipped",
    "order.ready_for_pickup",
    "order.line_cancelled",
    "order.returned",
)


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
    """`kind` is a template name ("ready"), or "line_cancelled:<event id>" for an email about one event."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(_("kind"), max_length=40)
    to = models.EmailField(_("to"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="one_email_per_order_kind")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to}"


# --- Returns (orders.services.returns): goods back at a location that accepts returns, refunded as paid ---


class ReturnCondition(models.TextChoices):
    RESELLABLE = "resellable", _("Resellable")
    DAMAGED = "damaged", _("Damaged")


class ReturnReason(models.TextChoices):
    WRONG_SIZE = "wrong_size", _("Wrong size")
    DAMAGED_ON_ARRIVAL = "damaged_on_arrival", _("Damaged on arrival")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed mind")
    REFUSED_AT_PICKUP = "refused_at_pickup", _("Refused at pickup")
    OTHER = "other", _("Other")


class ReturnStatus(models.TextChoices):
    # paid back at the desk (cash), settled by an exchange, or recorded paid back later (settle_refund)
    REFUNDED = "refunded", _("Refunded")
    REFUND_DUE = "refund_due", _("Refund due")  # owed on the original payment (its provider pays it back)


class Return(models.Model):
    """Units of a completed order brought back to a location that accepts returns. Every figure is
    computed by orders.services.returns from what the order's lines stored (never typed)."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, related_name="returns", verbose_name=_("received at")
    )
    status = models.CharField(_("status"), max_length=12, choices=ReturnStatus.choices)
    refund_amount = models.DecimalField(_("refund"), max_digits=12, decimal_places=2, default=ZERO)
    refund_vat = models.DecimalField(_("of which VAT"), max_digits=12, decimal_places=2, default=ZERO)
    refund_method = models.CharField(_("refund method"), max_length=20, choices=PaymentMethod.choices)
    # what goes back to the customer (refund_amount less the credit an exchange used)
    refund_paid = models.DecimalField(_("paid back"), max_digits=12, decimal_places=2, default=ZERO)
    currency = models.CharField(max_length=3, default="EUR")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    points_reversed = models.PositiveIntegerField(_("points taken back"), default=0)
    points_restored = models.PositiveIntegerField(_("points given back"), default=0)
    points_unrecovered = models.PositiveIntegerField(_("points not recovered"), default=0)
    # "send back to the warehouse": the resellable units leave by inventory transfer
    send_to = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer = models.ForeignKey(
        "inventory.Transfer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # an exchange at the desk: the new carry_out sale, the credit it used and the difference charged
    exchange_order = models.OneToOneField(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="exchanged_from"
    )
    exchange_credit = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    exchange_charged = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    window_overridden = models.BooleanField(_("window overridden"), default=False)
    override_reason = models.CharField(_("override reason"), max_length=500, blank=True, default="")
    api_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [
            models.CheckConstraint(
                name="return_amounts_non_negative",
                condition=Q(refund_amount__gte=0)
                & Q(refund_paid__gte=0)
                & Q(refund_vat__gte=0)
                & Q(exchange_credit__gte=0)
                & Q(exchange_charged__gte=0),
            ),
            models.CheckConstraint(
                name="return_paid_within_refund",
                condition=Q(refund_paid__lte=models.F("refund_amount")),
            ),
            models.CheckConstraint(
                name="return_override_has_reason",
                condition=Q(window_overridden=False) | ~Q(override_reason=""),
            ),
        ]
        indexes = [models.Index(fields=["location", "created_at"], name="return_location_created")]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    return_doc = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    variant = models.ForeignKey("inventory.Variant", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(_("SKU"), max_length=64)
    quantity = models.PositiveIntegerField(_("quantity"))
    condition = models.CharField(_("condition"), max_length=12, choices=ReturnCondition.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    refund_amount = models.DecimalField(_("refund"), max_digits=12, decimal_places=2)
    vat_amount = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["return_doc", "id"]
        constraints = [
            models.CheckConstraint(name="return_line_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(name="return_line_refund_non_negative", condition=Q(refund_amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku} ({self.condition})"


class SalesDay(models.Model):
    """The daily sales summary behind the "sales by channel" report: per local day (settings.TIME_ZONE),
    channel and selling location (orders.reports.ORDER_LOCATION; NULL = online, shipped from several), one
    row for all products (category and brand NULL) and one per category x brand of the lines. Sales count
    on the order's day, cancelled orders and cancelled units left out; returns on the day and at the
    location they were received, under the original order's channel.

    Derived data: orders.services.sales_summary adds new orders and returns into these rows and rewrites the
    days of orders that changed, so nothing else writes here and order placement never touches it (no hot
    rows)."""

    day = models.DateField()
    channel = models.CharField(max_length=12, choices=Channel.choices)
    location_id = models.IntegerField(null=True)  # stores.Location id; no FK: a derived table
    category_id = models.IntegerField(null=True)  # NULL (with brand NULL): the all-products row
    brand_id = models.IntegerField(null=True)
    orders = models.IntegerField(default=0)  # orders with lines in the row's group (all-products: exact)
    units = models.IntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    vat = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)
    returned_units = models.IntegerField(default=0)
    refunds = models.DecimalField(max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "channel", "location_id", "category_id", "brand_id"],
                name="sales_day_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                name="sales_day_group_complete",
                condition=Q(category_id__isnull=True, brand_id__isnull=True)
                | Q(category_id__isnull=False, brand_id__isnull=False),
            ),
        ]
        indexes = [
            # the report without a product filter reads the all-products rows of a date range
            models.Index(fields=["day"], name="sales_day_all", condition=Q(category_id__isnull=True)),
            models.Index(
                fields=["category_id", "day"],
                name="sales_day_category",
                condition=Q(category_id__isnull=False),
            ),
            models.Index(
                fields=["brand_id", "day"],
                name="sales_day_brand",
                condition=Q(brand_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.location_id}"


class SalesSummaryState(models.Model):
    """One row (pk 1): when the sales summary was last brought up to date (None: never built)."""

    refreshed_at = models.DateTimeField(null=True)
    built_at = models.DateTimeField(null=True)  # the last full rebuild
    # the orders, timeline events and returns the summary has taken in, per table: every id up to "through"
    # but the "missing" ranges (orders.services.sales_summary.Seen); {} until the first refresh that keeps it
    seen = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"sales summary refreshed {self.refreshed_at}"


# --- Customer segments: rules over orders and the loyalty profile, evaluated in SQL ---------------------


class Segment(models.Model):
    """A group of customers defined by rules (orders.segment_rules: a list of conditions, all of which must
    hold), evaluated live in SQL (orders.selectors.segments). Members are loyalty customers (one profile per
    person) with an email; their orders are those carrying that email or a merged duplicate's."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True, default="")
    rules = models.JSONField(_("rules"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")

    def __str__(self) -> str:
        return self.name


class SegmentSize(models.Model):
    """A segment's member count on a day (the daily snapshot, orders.services.segments), for the "segment
    sizes" report."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="sizes")
    day = models.DateField(_("day"))
    members = models.PositiveIntegerField(_("members"))
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "segment"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "day"], name="segment_size_one_per_day"),
        ]
        indexes = [models.Index(fields=["day"], name="segment_size_day")]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.day}: {self.members}"

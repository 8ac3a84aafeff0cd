"""Carts that follow the customer across channels, wishlists and "bought together" recommendations."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.models import Channel


class CartStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CONVERTED = "converted", _("Converted")
    EXPIRED = "expired", _("Expired")


class Cart(models.Model):
    """A customer's basket, started in one channel and continued in any: it holds SKUs and quantities only
    (no prices, no stock: both are read live), for a customer known by email and/or loyalty card, or for
    nobody yet. Its id is a random UUID: knowing it (from the app, or a QR code the app or the kiosk shows)
    is what lets a kiosk or a store open it (carts.selectors.access)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(_("started in"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=10, choices=CartStatus.choices, default=CartStatus.OPEN)
    customer_email = models.EmailField(_("customer email"), blank=True, default="")
    member = models.ForeignKey(
        "loyalty.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # the kiosk or store it was started at (None online)
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    api_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-created_at"]
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        indexes = [
            models.Index(
                fields=["customer_email", "-updated_at"],
                name="cart_open_by_email",
                condition=Q(status="open") & ~Q(customer_email=""),
            ),
            models.Index(
                fields=["member", "-updated_at"],
                name="cart_open_by_member",
                condition=Q(status="open") & Q(member__isnull=False),
            ),
            models.Index(fields=["expires_at"], name="cart_open_expiry", condition=Q(status="open")),
            models.Index(fields=["created_at"], name="cart_created"),
        ]
        constraints = [
            models.CheckConstraint(
                name="cart_converted_has_order",
                condition=Q(status="converted", order__isnull=False)
                | (~Q(status="converted") & Q(order__isnull=True)),
            ),
        ]

    def __str__(self) -> str:
        return str(self.id)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("inventory.Variant", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    added_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name = _("cart line")
        verbose_name_plural = _("cart lines")
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cart_line_unique_variant"),
            models.CheckConstraint(name="cart_line_quantity_positive", condition=Q(quantity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.cart_id}: {self.variant_id} x{self.quantity}"


# --- Wishlists and "bought together" recommendations (carts.services.wishlists / .recommendations) ------


class BackInStockNotice(models.Model):
    """One "back in stock at your preferred store" email to one member: the SKUs that came back there,
    gathered by one run of the job. Written in the same transaction as the entries it covers (under their
    row locks), so a SKU's return is noticed once; sent by the outbox task, which locks this row and records
    `sent_at` (or why it was not sent), so it goes out at most once. The address is read when sending."""

    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    variant_ids = models.JSONField(default=list)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    skipped = models.CharField(max_length=40, blank=True, default="")  # why it was not sent (no consent...)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("back-in-stock notice")
        verbose_name_plural = _("back-in-stock notices")

    def __str__(self) -> str:
        return f"{self.member_id} @ {self.location_id}: {len(self.variant_ids)} SKU(s)"


class WishlistEntry(models.Model):
    """A SKU a loyalty member would like. `seen_available` is whether the back-in-stock job last saw it
    available at `seen_location` (the member's preferred store then): the notice goes when it turns from
    False to True there, and the entry is re-armed when it turns False again (sold out again)."""

    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="wishlist_entries")
    variant = models.ForeignKey("inventory.Variant", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    seen_location = models.ForeignKey(
        "stores.Location", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    seen_available = models.BooleanField(default=False)
    last_notified_at = models.DateTimeField(_("last notified"), null=True, blank=True)
    last_notice = models.ForeignKey(
        BackInStockNotice, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )

    class Meta:
        ordering = ["-added_at", "-id"]
        verbose_name = _("wishlist entry")
        verbose_name_plural = _("wishlist entries")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "variant"], name="carts_wishlist_member_variant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.variant_id}"


class BoughtTogether(models.Model):
    """Item-to-item co-occurrence, refreshed nightly from order history in one SQL statement
    (carts.services.recommendations): `other` was bought in the same order as `variant` by `customers`
    distinct customers; `rank` 1 is the strongest. Read by (variant, rank): the unique index answers it."""

    variant = models.ForeignKey(
        "inventory.Variant", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    other = models.ForeignKey("inventory.Variant", on_delete=models.CASCADE, related_name="+")
    customers = models.PositiveIntegerField()
    rank = models.PositiveSmallIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["variant", "rank"]
        verbose_name = _("bought-together pair")
        verbose_name_plural = _("bought-together pairs")
        constraints = [
            models.UniqueConstraint(fields=["variant", "rank"], name="carts_bought_together_rank_unique"),
            models.UniqueConstraint(fields=["variant", "other"], name="carts_bought_together_pair_unique"),
            models.CheckConstraint(name="carts_bought_together_not_itself", condition=~Q(other=F("variant"))),
            models.CheckConstraint(
                name="carts_bought_together_customers_positive", condition=Q(customers__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} + {self.other_id} ({self.customers})"

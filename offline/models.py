"""Store tablets that keep working offline: the tablets (devices) of each store, the actions they queued
while offline and synced since (each applied exactly once, whichever tablet sends it and however often), and
the stock shortfalls those actions revealed, waiting for a manager's review.

Exactly once: every action carries the key the tablet gave it when it happened (a random UUID). `key` is
unique here, so the first sync applies the action in the same transaction that records it, and any later
sync of the same key (a retry, the same queue replayed from a second tablet) finds the row and answers its
recorded result without doing anything."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Device(models.Model):
    """A tablet, known by the id it generated for itself on first use. Its heartbeat reports how many actions
    wait in its queue and since when, so a manager sees tablets that have not synced."""

    id = models.UUIDField(primary_key=True, editable=False)
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    label = models.CharField(_("name"), max_length=80, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    registered_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    pending_actions = models.PositiveIntegerField(_("actions waiting"), default=0)
    oldest_pending_at = models.DateTimeField(_("oldest waiting since"), null=True, blank=True)
    catalog_version = models.CharField(_("catalog version"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["location", "label"]
        verbose_name = _("tablet")
        verbose_name_plural = _("tablets")

    def __str__(self) -> str:
        return self.label or str(self.id)


class ActionKind(models.TextChoices):
    SALE = "sale", _("Sale at the counter")
    COUNT = "count", _("Count scans")
    DAMAGE = "damage", _("Damage")


class ActionStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Needs attention")  # kept, never lost: a person decides what to do


class OfflineAction(models.Model):
    key = models.CharField(max_length=255, unique=True)  # the tablet's Idempotency-Key for this action
    kind = models.CharField(_("kind"), max_length=10, choices=ActionKind.choices)
    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="actions"
    )  # the first to sync it
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    happened_at = models.DateTimeField(_("happened"))  # the tablet's clock when it was done
    # the catalog the tablet priced it from, as its first sync said (a replay's own version is not kept)
    catalog_version = models.CharField(_("catalog version"), max_length=64, blank=True, default="")
    received_at = models.DateTimeField(_("synced"), default=timezone.now)
    body_hash = models.CharField(max_length=64)  # the same key with another body: refused (422)
    payload = models.JSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=ActionStatus.choices)
    result = models.JSONField(default=dict, blank=True)  # what was done: order number, movements, count
    error_code = models.CharField(max_length=40, blank=True, default="")
    error_detail = models.CharField(max_length=500, blank=True, default="")
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replays = models.PositiveIntegerField(default=0)  # later syncs of the same key, answered from `result`

    class Meta:
        ordering = ["happened_at", "id"]
        verbose_name = _("offline action")
        verbose_name_plural = _("offline actions")
        indexes = [models.Index(fields=["location", "received_at"], name="offline_action_location")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"


class Shortfall(models.Model):
    """Units an offline action took out that the ledger no longer had available (sold online meanwhile, say):
    the action is still recorded, after a `found` adjustment of this many units (`movement`), flagged here
    until a manager has looked at it."""

    action = models.ForeignKey(OfflineAction, on_delete=models.PROTECT, related_name="shortfalls")
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    variant = models.ForeignKey("inventory.Variant", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("units short"))
    movement = models.ForeignKey("inventory.StockMovement", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    review_note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("offline shortfall")
        verbose_name_plural = _("offline shortfalls")
        constraints = [
            models.CheckConstraint(name="offline_shortfall_positive", condition=Q(quantity__gte=1))
        ]
        indexes = [
            models.Index(
                fields=["location", "created_at"],
                name="offline_shortfall_open",
                condition=Q(reviewed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant_id} @ {self.location_id}"

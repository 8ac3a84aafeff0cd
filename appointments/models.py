"""Appointments in store (a consultation, a fitting): a customer books one slot of a location's service
(stores.Service); the slot's count lives in the capacity engine (stores.SlotUsage), which never lets
bookings pass the service's capacity."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    COMPLETED = "completed", _("Completed")


class Appointment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("stores.Service", on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    customer = models.ForeignKey(
        "loyalty.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer_email = models.EmailField(_("customer email"), blank=True, default="")
    customer_first_name = models.CharField(_("first name"), max_length=80, blank=True, default="")
    customer_last_name = models.CharField(_("last name"), max_length=80, blank=True, default="")
    customer_phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    # what the consultation is about, when the customer brought one along
    cart = models.ForeignKey("carts.Cart", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    booked_via = models.CharField(
        _("booked via"), max_length=12, blank=True, default=""
    )  # eshop, kiosk, store...
    api_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)  # completed or marked no-show

    class Meta:
        ordering = ["start", "created_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(name="appointment_ends_after_start", condition=Q(end__gt=F("start"))),
        ]
        indexes = [
            models.Index(fields=["location", "start"], name="appointment_agenda"),
            models.Index(fields=["customer_email", "start"], name="appointment_by_email"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id} {self.start:%Y-%m-%d %H:%M}"


class AppointmentEmailKind(models.TextChoices):
    CONFIRMATION = "confirmation", _("Confirmation")
    CANCELLATION = "cancellation", _("Cancellation")
    REMINDER = "reminder", _("Reminder")


class AppointmentEmail(models.Model):
    """One email to the customer about an appointment, written with its outbox message in the transaction
    that calls for it; the delivery locks the row and records `sent_at`, so each goes out at most once."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="emails")
    kind = models.CharField(max_length=12, choices=AppointmentEmailKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    skipped = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        verbose_name = _("appointment email")
        verbose_name_plural = _("appointment emails")
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind"], name="appointment_email_once"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind}"

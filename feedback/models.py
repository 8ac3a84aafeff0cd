"""The voice of the customer: invitations to a survey after a touchpoint, the responses (NPS, CSAT, CES and a
comment) tied to what actually happened there, and the store manager's follow-up of unhappy customers.

A response keeps, beside its scores, the operational facts of its touchpoint as they were when it was given
(feedback.services.facts): was the pickup ready on time, how long the customer waited at the desk, how long
the return took, how late the delivery left. Reports group by those columns directly, so a year of responses
is one scan of one table, never a join through orders."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Touchpoint(models.TextChoices):
    WEB = "web", _("Website")
    APP = "app", _("App")
    KIOSK = "kiosk", _("Kiosk")
    STORE = "store", _("Store (till)")
    PICKUP = "pickup", _("Pickup")
    DELIVERY = "delivery", _("Delivery")
    RETURN = "return", _("Return")
    APPOINTMENT = "appointment", _("Appointment")


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    RECEIPT = "receipt", _("Printed receipt")


class Invitation(models.Model):
    """One invitation to answer about one touchpoint: sent by email (with the customer's consent for
    `feedback` on `email`, at most once per customer per FEEDBACK_INVITATION_PERIOD_DAYS) or printed as a QR
    code on a receipt. Its public link carries its id signed (django.core.signing) and is good once, until
    `expires_at`. `source_key` names the fact it is about ("pickup:<order>", "return:<number>", ...), so the
    job that finds the facts can run any number of times and invite once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    touchpoint = models.CharField(_("touchpoint"), max_length=12, choices=Touchpoint.choices)
    channel = models.CharField(_("sent by"), max_length=10, choices=InvitationChannel.choices)
    source_key = models.CharField(max_length=120, unique=True)
    customer = models.ForeignKey(
        "loyalty.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("email"), blank=True, default="")  # blanked with the customer's erasure
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    return_record = models.ForeignKey(
        "orders.Return", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(_("visit"))  # when the touchpoint happened: the date the page shows
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("feedback invitation")
        verbose_name_plural = _("feedback invitations")
        indexes = [
            # the fatigue rule: this customer's latest emailed invitation
            models.Index(
                fields=["customer", "-created_at"], name="fb_invitation_fatigue", condition=Q(channel="email")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_touchpoint_display()} · {self.created_at:%Y-%m-%d}"


class Response(models.Model):
    """One answer: at least one of NPS (0-10), CSAT (1-5), CES (1-7), and maybe a comment. `channel` is the
    sales channel it belongs to (the order's, or the touchpoint's own for web, app, kiosk and store) and
    `location` the store (or None online). The comment is personal data: erased with the customer, while the
    scores stay, with `customer` emptied."""

    touchpoint = models.CharField(_("touchpoint"), max_length=12, choices=Touchpoint.choices)
    channel = models.CharField(_("channel"), max_length=12, blank=True, default="")
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, null=True, blank=True, related_name="response"
    )
    customer = models.ForeignKey(
        "loyalty.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    nps = models.PositiveSmallIntegerField(_("would recommend (0-10)"), null=True, blank=True)
    csat = models.PositiveSmallIntegerField(_("satisfaction (1-5)"), null=True, blank=True)
    ces = models.PositiveSmallIntegerField(_("ease (1-7)"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, default="", max_length=2000)
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    created_at = models.DateTimeField(_("answered"), default=timezone.now)
    # the touchpoint's operational facts when the answer was given (feedback.services.facts); None: not known
    # or not this touchpoint's
    pickup_late_minutes = models.IntegerField(null=True, blank=True)  # ready minus promised; <= 0 on time
    wait_minutes = models.IntegerField(null=True, blank=True)  # "I'm here" to handover at the pickup desk
    return_minutes = models.IntegerField(null=True, blank=True)  # return received to refund paid back
    delivery_late_hours = models.IntegerField(null=True, blank=True)  # shipped minus the dispatch promise

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("feedback response")
        verbose_name_plural = _("feedback responses")
        constraints = [
            models.CheckConstraint(
                name="fb_response_nps_range", condition=Q(nps__isnull=True) | Q(nps__lte=10)
            ),
            models.CheckConstraint(
                name="fb_response_csat_range", condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5)
            ),
            models.CheckConstraint(
                name="fb_response_ces_range", condition=Q(ces__isnull=True) | Q(ces__gte=1, ces__lte=7)
            ),
            models.CheckConstraint(
                name="fb_response_some_score",
                condition=Q(nps__isnull=False) | Q(csat__isnull=False) | Q(ces__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="fb_response_created"),
            models.Index(fields=["location", "created_at"], name="fb_response_location"),
        ]

    def __str__(self) -> str:
        return f"{self.get_touchpoint_display()} · {self.created_at:%Y-%m-%d}"


class FollowUpReason(models.TextChoices):
    DETRACTOR = "detractor", _("Detractor (0-6)")
    LOW_CSAT = "low_csat", _("Dissatisfied (1-2)")


class FollowUpOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Contacted, resolved")
    UNRESOLVED = "unresolved", _("Contacted, not resolved")
    NO_ANSWER = "no_answer", _("Could not be reached")
    NOT_NEEDED = "not_needed", _("No action needed")


class FollowUp(models.Model):
    """The closed loop: a detractor (NPS 0-6) or a dissatisfied customer (CSAT 1-2) lands in the queue of the
    store the response is about (HQ's queue when it names no store); the manager records the outcome, once.
    Time to follow up is closed_at - created_at."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=FollowUpReason.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=FollowUpOutcome.choices, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True, default="", max_length=2000)
    closed_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                name="fb_follow_up_closed_with_outcome",
                condition=(Q(closed_at__isnull=True) & Q(outcome=""))
                | (Q(closed_at__isnull=False) & ~Q(outcome="")),
            ),
        ]
        indexes = [
            models.Index(
                fields=["location", "created_at"],
                name="fb_follow_up_open",
                condition=Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.created_at:%Y-%m-%d}"

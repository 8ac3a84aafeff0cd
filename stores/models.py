"""Locations (stores and warehouses), their capabilities and opening hours, and staff membership."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class LocationKind(models.TextChoices):
    STORE = "store", _("Store")
    WAREHOUSE = "warehouse", _("Warehouse")


location_code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,19}$", _("2 to 20 capital letters, digits or dashes, e.g. MI-DUOMO.")
)


class Location(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True, validators=[location_code_validator])
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=10, choices=LocationKind.choices)
    address = models.CharField(_("address"), max_length=200, blank=True, default="")
    postcode = models.CharField(_("postcode"), max_length=12, blank=True, default="")
    city = models.CharField(_("city"), max_length=80)
    country = models.CharField(
        _("country"),
        max_length=2,
        default="IT",
        validators=[RegexValidator(r"^[A-Z]{2}$")],
        help_text=_("ISO 3166-1 alpha-2"),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    timezone = models.CharField(_("time zone"), max_length=40, default="Europe/Rome")
    click_and_collect = models.BooleanField(_("click and collect"), default=False)
    ships = models.BooleanField(_("ships orders"), default=False)
    accepts_returns = models.BooleanField(_("accepts returns"), default=False)
    pickup_hold_days = models.PositiveSmallIntegerField(
        _("pickup hold (days)"), default=7, validators=[MinValueValidator(0), MaxValueValidator(60)]
    )
    preparation_minutes = models.PositiveIntegerField(
        _("pickup preparation (minutes)"), default=120, validators=[MaxValueValidator(7 * 24 * 60)]
    )
    default_safety_stock = models.PositiveIntegerField(_("default safety stock"), default=0)
    # A stock adjustment of more units than this, posted by a store associate, waits for a manager's
    # approval (inventory.services.adjustments). NULL: adjustments never wait.
    adjustment_approval_units = models.PositiveIntegerField(
        _("adjustments needing approval (units)"),
        null=True,
        blank=True,
        default=20,
        validators=[MinValueValidator(1)],
        help_text=_(
            "An adjustment of more units than this, posted by a store associate, waits for a manager's "
            "approval. Empty: adjustments never wait."
        ),
    )
    # Pickup slots (stores.services.capacity): windows of this many minutes within opening hours, each
    # taking at most this many click-and-collect orders.
    pickup_slot_minutes = models.PositiveSmallIntegerField(
        _("pickup window (minutes)"), default=60, validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    pickup_slot_capacity = models.PositiveIntegerField(
        _("orders per pickup window"), default=20, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        constraints = [
            models.CheckConstraint(
                name="location_latitude_range", condition=Q(latitude__gte=-90, latitude__lte=90)
            ),
            models.CheckConstraint(
                name="location_longitude_range", condition=Q(longitude__gte=-180, longitude__lte=180)
            ),
            # A location without click and collect holds no pickups: 0 days is fine there.
            models.CheckConstraint(
                name="location_hold_days_with_pickups",
                condition=Q(pickup_hold_days__gte=1) | Q(click_and_collect=False),
            ),
            models.CheckConstraint(
                name="location_adjustment_approval_positive",
                condition=Q(adjustment_approval_units__isnull=True) | Q(adjustment_approval_units__gte=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        if self.click_and_collect and self.pickup_hold_days is not None and self.pickup_hold_days < 1:
            raise ValidationError(
                {"pickup_hold_days": _("A click-and-collect location holds a pickup 1 to 60 days.")}
            )


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["location", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(name="opening_hours_order", condition=Q(opens__lt=models.F("closes"))),
            models.UniqueConstraint(fields=["location", "weekday", "opens"], name="opening_hours_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(models.Model):
    """A day a location keeps other hours than its weekly ones: closed all day (a holiday, an inventory day)
    when `opens` and `closes` are empty, or open only from `opens` to `closes`. Slots are generated from
    these first, then from the weekly opening hours (stores.services.capacity)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=120, blank=True, default="")

    class Meta:
        ordering = ["location", "date"]
        verbose_name = _("closure or special hours")
        verbose_name_plural = _("closures and special hours")
        constraints = [
            models.UniqueConstraint(fields=["location", "date"], name="closure_unique_day"),
            models.CheckConstraint(
                name="closure_hours_both_or_none",
                condition=(Q(opens__isnull=True) & Q(closes__isnull=True))
                | (Q(opens__isnull=False) & Q(closes__isnull=False) & Q(opens__lt=models.F("closes"))),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.location.code} {self.date:%Y-%m-%d}"


class Service(models.Model):
    """Something a customer books time for at a store (a consultation, a tailoring fitting): slots of
    `duration_minutes` within opening hours, `capacity` appointments at once (how many associates)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="services")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("appointments at once"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")
        constraints = [
            models.UniqueConstraint(fields=["location", "code"], name="service_code_unique"),
            models.CheckConstraint(name="service_duration_positive", condition=Q(duration_minutes__gte=5)),
            models.CheckConstraint(name="service_capacity_positive", condition=Q(capacity__gte=1)),
        ]

    def __str__(self) -> str:
        return f"{self.location.code} · {self.name}"


class SlotUsage(models.Model):
    """The capacity engine's one counter per location, resource and slot start: `resource` is "pickup" for
    click-and-collect windows or "service:<code>" for an appointment service. A booking increments `taken`
    by a conditional upsert that cannot pass `capacity` (stores.services.capacity.take_slot), a cancellation
    decrements it; no row means nothing taken."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=60)
    start = models.DateTimeField()
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("slot usage")
        verbose_name_plural = _("slot usage")
        constraints = [
            models.UniqueConstraint(fields=["location", "resource", "start"], name="slot_usage_unique"),
            models.CheckConstraint(name="slot_usage_taken_not_negative", condition=Q(taken__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.location_id} {self.resource} {self.start:%Y-%m-%d %H:%M}: {self.taken}"


class StaffMembership(models.Model):
    """A staff user works at a location. Store associates and store managers act only at their memberships."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_memberships"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="staff_memberships")
    since = models.DateField(_("since"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "location"], name="staff_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.location.code}"

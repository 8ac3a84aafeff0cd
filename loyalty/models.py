"""Customers (one profile per person across channels), members and their cards, the points ledger with its
lots and draws, tiers and earning rules.

The ledger is append-only: `LedgerEntry` and `LotDraw` refuse UPDATE and DELETE through the ORM (save,
delete, queryset update/delete) and in the database (a trigger, migration 0002). A member's
`points_balance` caches the sum of its entries and equals the sum of its lots' `remaining`; each lot's
`remaining` equals its points less what was drawn from it. `manage.py check_loyalty` proves all three.

Loyalty knows an order only by its number and a line by its id (strings on the entry), a location by its
code on the ledger: it has no foreign key into orders or inventory. A customer's preferred store and where a
consent was given are foreign keys to stores.Location (stores is below loyalty).

Consent is append-only too (`ConsentEvent`, the same ORM guard and trigger, migration 0004): the current
state of a (purpose, channel) is its latest event. Only the GDPR erasure may delete a person's events."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- Customers and members -------------------------------------------------------------------------


class Customer(models.Model):
    """One person, whatever the channel: matched by email, then by phone (loyalty.services.customers).

    A merged duplicate stays as a tombstone pointing at the profile it was merged into, so an order or a
    lookup carrying its old email still finds the person. Erasure blanks every personal field."""

    email = models.EmailField(_("email"), max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=30, blank=True, default="", db_index=True)
    first_name = models.CharField(_("first name"), max_length=80, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=80, blank=True, default="")
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )
    # preferences (loyalty.services.preferences): `language` above, the store they prefer, their sizes
    preferred_location = models.ForeignKey(
        "stores.Location",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred store"),
    )
    sizes = models.JSONField(_("sizes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_customers",
        verbose_name=_("merged into"),
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="loyalty_customer_email_unique"
            ),
            models.CheckConstraint(
                name="loyalty_customer_email_lowercase", condition=Q(email=models.functions.Lower("email"))
            ),
            models.CheckConstraint(
                name="loyalty_customer_not_merged_into_itself", condition=~Q(merged_into=F("id"))
            ),
        ]

    def __str__(self) -> str:
        if self.erased_at:
            return f"#{self.pk} (erased)"
        return self.email or self.phone or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:
        return self.merged_into_id is None and self.erased_at is None


class Tier(models.Model):
    """Bronze, Silver, Gold (seeded by migration 0002): a member reaches a tier with the qualifying points
    earned in the last LOYALTY_TIER_WINDOW_MONTHS (earned, not the balance). A tier multiplies earning."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=40)
    threshold = models.PositiveIntegerField(_("qualifying points"), unique=True)
    multiplier = models.DecimalField(_("earning multiplier"), max_digits=5, decimal_places=2, default=1)

    class Meta:
        ordering = ["threshold"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        constraints = [
            models.CheckConstraint(name="loyalty_tier_multiplier_positive", condition=Q(multiplier__gt=0)),
        ]

    def __str__(self) -> str:
        return str(self.name)


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged into another member")
    ERASED = "erased", _("Erased (anonymised)")


class Member(models.Model):
    """A customer enrolled in the programme: a card and a points balance (the cached sum of the ledger)."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="member")
    card_number = models.CharField(_("card number"), max_length=13, unique=True)
    points_balance = models.IntegerField(_("points balance"), default=0)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    tier_since = models.DateTimeField(_("in this tier since"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_members"
    )
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    enrolled_by_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    enrolled_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.CheckConstraint(
                name="loyalty_member_balance_non_negative", condition=Q(points_balance__gte=0)
            ),
            models.CheckConstraint(
                name="loyalty_member_card_13_digits", condition=Q(card_number__regex=r"^[0-9]{13}$")
            ),
            models.CheckConstraint(
                name="loyalty_member_merged_has_target",
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.card_number


# --- Rules -------------------------------------------------------------------------------------------

CHANNEL_CHOICES = [
    ("web", _("Web shop")),
    ("app", _("App")),
    ("kiosk", _("In-store kiosk")),
    ("store", _("Store till")),
    ("phone", _("Phone")),
    ("marketplace", _("Marketplace")),
]


class LoyaltyRule(models.Model):
    """A multiplier on the base rate for order lines that match every condition given (category slug,
    brand name, channel, tier, purchase time within the window). A line gets the single best rule that
    applies, times its member's tier multiplier ("double points weekend": multiplier 2, a window)."""

    name = models.CharField(_("name"), max_length=120)
    multiplier = models.DecimalField(_("multiplier"), max_digits=6, decimal_places=2)
    category = models.SlugField(
        _("category slug"), max_length=80, blank=True, default="", help_text=_("Empty: any category.")
    )
    brand = models.CharField(
        _("brand name"), max_length=80, blank=True, default="", help_text=_("Empty: any brand.")
    )
    channel = models.CharField(
        _("channel"),
        max_length=12,
        blank=True,
        default="",
        choices=CHANNEL_CHOICES,
        help_text=_("Empty: every channel."),
    )
    tier = models.ForeignKey(
        Tier,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rules",
        help_text=_("Empty: every tier."),
    )
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-active", "name"]
        verbose_name = _("earning rule")
        verbose_name_plural = _("earning rules")
        constraints = [
            models.CheckConstraint(name="loyalty_rule_multiplier_positive", condition=Q(multiplier__gt=0)),
            models.CheckConstraint(
                name="loyalty_rule_window",
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(starts_at__lt=F("ends_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ×{self.multiplier}"


class TierChange(models.Model):
    """A member's tier history."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="tier_changes")
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    qualifying_points = models.IntegerField(_("qualifying points"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")

    def __str__(self) -> str:
        return f"{self.member_id}: {self.from_tier_id} -> {self.to_tier_id}"


# --- The ledger ----------------------------------------------------------------------------------------


class LedgerKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    REVERSE = "reverse", _("Reversed")
    EXPIRE = "expire", _("Expired")
    ADJUST = "adjust", _("Adjusted")


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ValueError(f"{self.model.__name__} is append-only: write a new entry instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{self.model.__name__} is append-only.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} is append-only: write a new entry instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError(f"{type(self).__name__} is append-only.")


class LedgerEntry(AppendOnly):
    """One change of a member's points. `points` is signed; `balance_after` is the balance it left.

    What it is about: `source_type` / `source_id` / `source_line` (an order and its line, a return and its
    line, a lot for an expiry, a merge). The database refuses a second entry with the same kind,
    `reverses`, source and line, so no retry, replay or double submit ever credits or debits twice."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=10, choices=LedgerKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    # kind=reverse: what it reverses ("earn": points taken back on returned units; "redeem": redeemed
    # points given back on a cancellation or a return), and the entry reversed
    reverses = models.CharField(max_length=10, blank=True, default="")
    reversed_entry = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversals"
    )
    source_type = models.CharField(max_length=20, blank=True, default="")
    source_id = models.CharField(max_length=80, blank=True, default="")
    source_line = models.CharField(max_length=40, blank=True, default="")
    order_number = models.CharField(_("order"), max_length=20, blank=True, default="", db_index=True)
    return_number = models.CharField(_("return"), max_length=40, blank=True, default="")
    quantity = models.PositiveIntegerField(_("units"), null=True, blank=True)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=12, decimal_places=2, null=True, blank=True)
    multiplier = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    location_code = models.CharField(_("location"), max_length=20, blank=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    api_client = models.ForeignKey(
        "omni.ApiClient", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            models.Index(fields=["member", "-created_at", "-id"], name="loyalty_entry_member_time"),
            models.Index(fields=["kind", "created_at"], name="loyalty_entry_kind_time"),
            # the loyalty report: the entries of a period, read from the index alone
            models.Index(
                fields=["created_at"],
                include=["member", "kind", "points", "reverses", "source_type", "location_code"],
                name="loyalty_entry_time_report",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reverses", "source_type", "source_id", "source_line"],
                condition=~Q(source_id=""),
                name="loyalty_entry_source_unique",
            ),
            models.CheckConstraint(
                name="loyalty_entry_balance_after_non_negative", condition=Q(balance_after__gte=0)
            ),
            models.CheckConstraint(
                name="loyalty_entry_sign_by_kind",
                condition=(
                    Q(kind="earn", points__gte=0, reverses="")
                    | Q(kind="redeem", points__lt=0, reverses="")
                    | Q(kind="expire", points__lt=0, reverses="")
                    | Q(kind="adjust", reverses="") & ~Q(points=0)
                    | Q(kind="reverse", reverses="earn", points__lte=0)
                    | Q(kind="reverse", reverses="redeem", points__gte=0)
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.points:+d} ({self.member_id})"


class PointsLot(models.Model):
    """Points that came in together (an earn, a positive adjustment, restored points): spent first when
    they expire first. `remaining` = `points` - the sum of the draws on it. A lot is spendable from
    `available_at` (later than `created_at` only with the pending period) until `expires_at`."""

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="lots")
    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="lots")
    points = models.PositiveIntegerField(_("points"))
    remaining = models.IntegerField(_("remaining"))
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(_("spendable from"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    expired_at = models.DateTimeField(_("expired"), null=True, blank=True)
    warning = models.ForeignKey(
        "loyalty.ExpiryWarning", on_delete=models.SET_NULL, null=True, blank=True, related_name="lots"
    )

    class Meta:
        ordering = ["expires_at", "id"]
        verbose_name = _("points lot")
        verbose_name_plural = _("points lots")
        indexes = [
            models.Index(
                fields=["member", "expires_at", "id"], name="loyalty_lot_open", condition=Q(remaining__gt=0)
            ),
            models.Index(
                fields=["expires_at"],
                name="loyalty_lot_to_expire",
                condition=Q(remaining__gt=0, expired_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(name="loyalty_lot_points_positive", condition=Q(points__gt=0)),
            models.CheckConstraint(
                name="loyalty_lot_remaining_within_points",
                condition=Q(remaining__gte=0) & Q(remaining__lte=F("points")),
            ),
            models.CheckConstraint(
                name="loyalty_lot_expires_after_available", condition=Q(expires_at__gt=F("available_at"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points} until {self.expires_at:%Y-%m-%d}"


class LotDraw(AppendOnly):
    """Which lots an entry drew from (redeem, expire, reverse of an earn, negative adjustment): positive
    `points`; or gave back to (reverse of a redemption): negative `points`."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="draws")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="draws")
    points = models.IntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("lot draw")
        verbose_name_plural = _("lot draws")
        constraints = [
            models.UniqueConstraint(fields=["entry", "lot"], name="loyalty_draw_entry_lot_unique"),
            models.CheckConstraint(name="loyalty_draw_not_zero", condition=~Q(points=0)),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} from lot {self.lot_id}"


# --- Access and notices ----------------------------------------------------------------------------------


class MemberAccess(models.Model):
    """An API client (e-shop, kiosk, store tablet) may read a member it enrolled or looked up by an exact
    identifier (email, card number, phone), and no other (loyalty.selectors.members_for)."""

    class Via(models.TextChoices):
        ENROLLED = "enrolled"
        EMAIL = "email"
        CARD = "card_number"
        PHONE = "phone"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="accesses")
    api_client = models.ForeignKey("omni.ApiClient", on_delete=models.CASCADE, related_name="+")
    via = models.CharField(max_length=12, choices=Via.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("member access")
        verbose_name_plural = _("member accesses")
        constraints = [
            models.UniqueConstraint(fields=["member", "api_client"], name="loyalty_access_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.api_client_id} -> {self.member_id} ({self.via})"


class ExpiryWarning(models.Model):
    """One email telling a member that points are about to expire; each lot is warned about once."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="expiry_warnings")
    points = models.PositiveIntegerField()
    expires_at = models.DateTimeField(help_text=_("When the first of these points expire."))
    to = models.EmailField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("expiry warning")
        verbose_name_plural = _("expiry warnings")

    def __str__(self) -> str:
        return f"{self.points} points of {self.member_id} by {self.expires_at:%Y-%m-%d}"


# --- Consent ----------------------------------------------------------------------------------------------


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    PROFILING = "profiling", _("Profiling")
    FEEDBACK = "feedback", _("Feedback requests")


class ConsentChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push notifications")


# Touchpoints a consent is usually stated through; `source` accepts any short lowercase word (the pattern).
CONSENT_SOURCES = ("web", "app", "kiosk", "store", "till", "staff", "phone", "import", "migration", "merge")
CONSENT_SOURCE_PATTERN = r"^[a-z][a-z0-9_-]{0,19}$"


class ConsentEventQuerySet(AppendOnlyQuerySet):
    def erase(self) -> int:
        """Delete these events: only the GDPR erasure (loyalty.services.customers.erase_customer) may. The
        database trigger lets a DELETE through only inside a transaction that set `loyalty.erasing`."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL loyalty.erasing = 'on'")
        deleted, _by_model = models.QuerySet.delete(self)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL loyalty.erasing = 'off'")
        return deleted


class ConsentEvent(AppendOnly):
    """What a customer stated about one purpose on one channel, when, through which touchpoint (`source`),
    recorded by whom (`actor_label`: an API client, a staff username, "customer", "system") and where.
    Append-only: the current state of a (purpose, channel) is its latest event (loyalty.selectors.consent);
    no event means no consent."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consent_events")
    purpose = models.CharField(_("purpose"), max_length=12, choices=ConsentPurpose.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=ConsentChannel.choices)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=20)
    actor_label = models.CharField(_("recorded by"), max_length=150, blank=True, default="")
    location = models.ForeignKey(
        "stores.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("where"),
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    objects = ConsentEventQuerySet.as_manager()  # type: ignore[misc]  # AppendOnly's, plus erase()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        indexes = [
            # the current state: DISTINCT ON (purpose, channel) newest first, read from this index
            models.Index(
                fields=["customer", "purpose", "channel", "-created_at", "-id"],
                include=["granted"],
                name="loyalty_consent_current",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="loyalty_consent_purpose_valid",
                condition=Q(purpose__in=ConsentPurpose.values),
            ),
            models.CheckConstraint(
                name="loyalty_consent_channel_valid",
                condition=Q(channel__in=ConsentChannel.values),
            ),
            models.CheckConstraint(
                name="loyalty_consent_source_valid", condition=Q(source__regex=CONSENT_SOURCE_PATTERN)
            ),
        ]

    def __str__(self) -> str:
        state = "granted" if self.granted else "refused"
        return f"{self.customer_id}: {self.purpose}/{self.channel} {state}"

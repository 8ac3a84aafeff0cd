"""The catalog: categories, brands, products and their variants (SKUs with GTINs and prices)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, LPad, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inventory.gtin import to_gtin14

sku_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", _("Letters, digits, dot, dash, slash or underscore; at most 64.")
)


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(_("name"), max_length=200)
    brand = models.ForeignKey(
        Brand, verbose_name=_("brand"), on_delete=models.PROTECT, related_name="products"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="products"
    )
    description = models.TextField(_("description"), blank=True, default="")
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("22.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                name="product_vat_rate_range", condition=Q(vat_rate__gte=0, vat_rate__lte=100)
            ),
        ]
        indexes = [
            GinIndex(OpClass(Upper("name"), name="gin_trgm_ops"), name="product_name_trgm"),
        ]

    def __str__(self) -> str:
        return self.name


class Variant(models.Model):
    """A sellable SKU: one size and colour of a product, with its GTIN and prices (EUR, VAT included)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(_("SKU"), max_length=64, unique=True, validators=[sku_validator])
    # NULL, not "", when there is no barcode: many SKUs have none, and gtin14 is unique.
    gtin = models.CharField(_("GTIN"), max_length=14, null=True, blank=True)  # noqa: DJ001
    gtin14 = models.CharField(max_length=14, null=True, blank=True, unique=True, editable=False)
    size = models.CharField(_("size"), max_length=20, blank=True, default="")
    color = models.CharField(_("colour"), max_length=40, blank=True, default="")
    price = models.DecimalField(_("retail price"), max_digits=10, decimal_places=2)
    cost_price = models.DecimalField(_("cost price"), max_digits=10, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The prices in integer cents, kept by PostgreSQL: the stock reports sum on_hand x price over millions
    # of stock rows, which is exact and several times cheaper in bigint than in numeric.
    price_cents = models.GeneratedField(
        expression=Cast(F("price") * 100, models.BigIntegerField()),
        output_field=models.BigIntegerField(),
        db_persist=True,
    )
    cost_cents = models.GeneratedField(
        expression=Cast(F("cost_price") * 100, models.BigIntegerField()),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )

    class Meta:
        ordering = ["sku"]
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        constraints = [
            models.CheckConstraint(name="variant_price_non_negative", condition=Q(price__gte=0)),
            models.CheckConstraint(
                name="variant_cost_non_negative", condition=Q(cost_price__isnull=True) | Q(cost_price__gte=0)
            ),
            # gtin14 is the GTIN left-padded with zeros (what save() and the services write).
            models.CheckConstraint(
                name="variant_gtin14_matches",
                condition=Q(gtin__isnull=True, gtin14__isnull=True)
                | Q(gtin14=LPad(F("gtin"), 14, Value("0"))),
            ),
            models.CheckConstraint(
                name="variant_gtin_digits",
                condition=Q(gtin__isnull=True) | Q(gtin__regex=r"^([0-9]{8}|[0-9]{12,14})$"),
            ),
        ]

    def __str__(self) -> str:
        return self.sku

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.gtin14 = to_gtin14(self.gtin) if self.gtin else None
        if self.gtin == "":
            self.gtin = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "gtin" in update_fields:
            kwargs["update_fields"] = {*update_fields, "gtin14"}
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        extra = " / ".join(v for v in (self.size, self.color) if v)
        return f"{self.product.name} ({extra})" if extra else self.product.name


# --- Stock (issue 3) ----------------------------------------------------------------------------


class StockLevel(models.Model):
    """On hand, reserved and safety stock of one SKU at one location. `on_hand` is a cached total of the
    movement ledger and `reserved` of the active reservations: both change only in inventory.services, in
    the same transaction as the movement or reservation, under a row lock."""

    # No single-column indexes for these two: (location, variant) and (variant, location) serve every lookup.
    location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, related_name="stock_levels", db_index=False
    )
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="stock_levels", db_index=False
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    safety_stock = models.IntegerField(_("safety stock"), default=0)
    reorder_point = models.IntegerField(_("reorder point"), default=0)
    last_sale_at = models.DateTimeField(_("last sale"), null=True, blank=True)
    last_movement_at = models.DateTimeField(_("last movement"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stock_level_unique"),
            models.CheckConstraint(name="stock_on_hand_non_negative", condition=Q(on_hand__gte=0)),
            models.CheckConstraint(name="stock_reserved_non_negative", condition=Q(reserved__gte=0)),
            models.CheckConstraint(
                name="stock_reserved_within_on_hand", condition=Q(reserved__lte=F("on_hand"))
            ),
            models.CheckConstraint(name="stock_safety_non_negative", condition=Q(safety_stock__gte=0)),
            models.CheckConstraint(name="stock_reorder_non_negative", condition=Q(reorder_point__gte=0)),
        ]
        indexes = [
            models.Index(fields=["location", "variant"], name="stock_location_variant"),
            # A SKU's figures at every location (its availability, where a delivery can come from) by an
            # index-only scan: a few pages instead of one heap page per location.
            models.Index(
                fields=["variant"],
                include=["location", "on_hand", "reserved", "safety_stock"],
                name="stock_variant_figures",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return max(self.on_hand - self.reserved - self.safety_stock, 0)


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")
    ADJUSTMENT = "adjustment", _("Adjustment")
    DAMAGE = "damage", _("Damage")
    COUNT = "count", _("Count")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")


class AdjustmentReason(models.TextChoices):
    SHRINKAGE = "shrinkage", _("Shrinkage (theft or loss)")
    FOUND = "found", _("Found")
    CORRECTION = "correction", _("Data correction")
    SUPPLIER_ERROR = "supplier_error", _("Supplier error")
    DAMAGED_IN_STORE = "damaged_in_store", _("Damaged in store")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    EXPIRED = "expired", _("Expired")
    OTHER = "other", _("Other")


class StockMovement(models.Model):
    """The append-only ledger: for every location and SKU, on_hand equals the sum of `delta`.
    A database trigger refuses UPDATE and DELETE."""

    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="stock_movements")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="stock_movements")
    kind = models.CharField(_("kind"), max_length=16, choices=MovementKind.choices)
    delta = models.IntegerField(_("change"))
    on_hand_after = models.IntegerField(_("on hand after"))
    reason = models.CharField(_("reason"), max_length=32, blank=True, default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    reference = models.CharField(_("reference"), max_length=80, blank=True, default="", db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    api_client = models.ForeignKey("omni.ApiClient", null=True, blank=True, on_delete=models.PROTECT)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # A note Omni writes itself is kept as a code and its parameters, so the ledger reads it in the reader's
    # language (inventory.selectors.ledger); `note` keeps the English text for the API and for people's notes.
    # (Database defaults too: the demo's bulk loader inserts ledger rows in SQL.)
    note_code = models.CharField(max_length=40, blank=True, default="", db_default="")
    note_params = models.JSONField(
        default=dict, blank=True, db_default=models.Value({}, output_field=models.JSONField())
    )
    # An undo: the movement this one reverses (one undo at most per movement).
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["location", "variant", "-created_at"], name="movement_loc_var_time"),
            models.Index(fields=["variant", "-created_at"], name="movement_var_time"),
            models.Index(fields=["location", "kind", "-created_at"], name="movement_loc_kind_time"),
        ]
        constraints = [
            models.CheckConstraint(
                name="movement_delta_not_zero_unless_count", condition=~Q(delta=0) | Q(kind="count")
            ),
            models.CheckConstraint(
                name="movement_on_hand_after_non_negative", condition=Q(on_hand_after__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d} {self.variant_id}@{self.location_id}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Stock movements are append-only: record a new movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("Stock movements are append-only.")


class AdjustmentRequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class AdjustmentRequest(models.Model):
    """A stock adjustment above the location's threshold, posted by a store associate: it changes nothing
    until a manager of that location (or HQ) approves it, which records the movement; or rejects it."""

    location = models.ForeignKey(
        "stores.Location",
        on_delete=models.PROTECT,
        related_name="adjustment_requests",
        verbose_name=_("location"),
    )
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+", verbose_name=_("SKU"))
    delta = models.IntegerField(_("change"))
    reason = models.CharField(_("reason"), max_length=32, choices=AdjustmentReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=AdjustmentRequestStatus.choices, default="pending"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True, default="")
    movement = models.OneToOneField(
        StockMovement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustment_request",
        verbose_name=_("movement"),
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("adjustment request")
        verbose_name_plural = _("adjustment requests")
        constraints = [
            models.CheckConstraint(name="adjustment_request_delta_not_zero", condition=~Q(delta=0)),
            models.CheckConstraint(
                name="adjustment_request_decided",
                condition=Q(status="pending", decided_at__isnull=True, movement__isnull=True)
                | Q(status="approved", decided_at__isnull=False, movement__isnull=False)
                | Q(status="rejected", decided_at__isnull=False, movement__isnull=True),
            ),
        ]
        indexes = [
            models.Index(
                fields=["location", "requested_at"],
                name="adjustment_request_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.variant_id}@{self.location_id} ({self.status})"


class ReservationState(models.TextChoices):
    ACTIVE = "active", _("Active")
    CONSUMED = "consumed", _("Consumed")
    RELEASED = "released", _("Released")


class Reservation(models.Model):
    """Units held for an owner (an order line, a transfer) at a location: `reserved` is the sum of the active
    ones. Inventory knows the owner only by its reference string ("order:W-123", "transfer:T-9")."""

    owner = models.CharField(_("owner"), max_length=80, db_index=True)
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="reservations")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField(_("quantity"))
    state = models.CharField(_("state"), max_length=10, choices=ReservationState.choices, default="active")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.CheckConstraint(name="reservation_quantity_positive", condition=Q(quantity__gt=0))
        ]
        indexes = [
            models.Index(
                fields=["location", "variant"], name="reservation_active", condition=Q(state="active")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner}: {self.quantity} x {self.variant_id}@{self.location_id} ({self.state})"


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    """Stock moving between two locations: requested (held at the source by a reservation), shipped (left
    the source, in transit, shown as incoming at the destination), received (entered the destination;
    any shortfall recorded on the line with a reason), or cancelled before shipping."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    from_location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("from")
    )
    to_location = models.ForeignKey(
        "stores.Location", on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("to")
    )
    status = models.CharField(_("status"), max_length=10, choices=TransferStatus.choices, default="requested")
    reference = models.CharField(_("reference"), max_length=80, blank=True, default="")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")
    carrier = models.CharField(_("carrier"), max_length=80, blank=True, default="")
    tracking = models.CharField(_("tracking"), max_length=120, blank=True, default="")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        constraints = [
            models.CheckConstraint(
                name="transfer_distinct_locations", condition=~Q(from_location=F("to_location"))
            ),
        ]
        indexes = [
            models.Index(fields=["to_location", "status"]),
            models.Index(fields=["from_location", "status"]),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def owner_ref(self) -> str:
        return f"transfer:{self.number}"


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_received = models.PositiveIntegerField(_("received"), null=True, blank=True)
    shortfall_reason = models.CharField(_("shortfall reason"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "variant"], name="transfer_line_unique"),
            models.CheckConstraint(name="transfer_line_quantity_positive", condition=Q(quantity__gt=0)),
            models.CheckConstraint(
                name="transfer_line_received_within_shipped",
                condition=Q(quantity_received__isnull=True) | Q(quantity_received__lte=F("quantity")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.quantity} x {self.variant_id}"

    @property
    def shortfall(self) -> int:
        return 0 if self.quantity_received is None else self.quantity - self.quantity_received


class CountStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class StockCount(models.Model):
    """A stocktake of a whole location or of one category. Staff enter counted quantities (blind: they do
    not see the system figure); each entry records the on-hand figure at that moment, so the variance posted
    is taken against the stock at count time plus whatever moved since, never against a stale figure."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    location = models.ForeignKey("stores.Location", on_delete=models.PROTECT, related_name="stock_counts")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    blind = models.BooleanField(_("blind count"), default=True)
    status = models.CharField(_("status"), max_length=10, choices=CountStatus.choices, default="open")
    created_by = models.CharField(max_length=150, blank=True, default="")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    posted_at = models.DateTimeField(_("posted"), null=True, blank=True)
    posted_by = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")

    def __str__(self) -> str:
        return self.number


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    counted = models.PositiveIntegerField(_("counted"), null=True, blank=True)
    on_hand_at_count = models.IntegerField(_("on hand when counted"), null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    counted_by = models.CharField(max_length=150, blank=True, default="")
    variance = models.IntegerField(_("variance"), null=True, blank=True)  # set when posted

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["count", "variant"], name="count_line_unique")]

    def __str__(self) -> str:
        return f"{self.count_id}: {self.variant_id} = {self.counted}"


class LowStockAlert(models.Model):
    """Raised when a SKU's available quantity at a location falls below its reorder point; cleared when it
    is back. At most one open alert per location and SKU (a partial unique index)."""

    location = models.ForeignKey("stores.Location", on_delete=models.CASCADE, related_name="low_stock_alerts")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    available_at_raise = models.IntegerField()
    reorder_point = models.IntegerField()
    raised_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "variant"],
                condition=Q(cleared_at__isnull=True),
                name="one_open_low_stock_alert",
            ),
        ]

    def __str__(self) -> str:
        return f"low stock {self.variant_id}@{self.location_id}"


class StockCheckRun(models.Model):
    """The result of a reconciliation (`check_stock`, nightly by beat)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_checked = models.IntegerField(default=0)
    drift_count = models.IntegerField(default=0)
    drift = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"stock check {self.started_at:%Y-%m-%d %H:%M}: {self.drift_count} drift"


# --- Report summaries (inventory.services.stock_summary) ------------------------------------------
# Derived tables behind the stock position, exceptions and ageing summary reports. No service writes them:
# PostgreSQL triggers on the stock levels, variants and products (migration 0005) append delta rows (the
# new figures of the changed rows minus the old ones) in the writer's own transaction, and a fold adds the
# deltas into the summary rows. Writers only ever INSERT deltas, so no sale waits on a summary row.
# Ids are plain integers (no FK), as in orders.SalesDay: derived data takes no locks on the rows it names.


class StockSummaryFigures(models.Model):
    """Per location x category x brand: what the stock levels add up to (every level, on hand or not)."""

    location_id = models.IntegerField()
    category_id = models.IntegerField()
    brand_id = models.IntegerField()
    levels = models.BigIntegerField(default=0)  # stock level rows (SKUs carried)
    skus_stocked = models.BigIntegerField(default=0)  # on_hand > 0
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)
    available = models.BigIntegerField(default=0)  # sum of max(on_hand - reserved - safety_stock, 0)
    cost_cents = models.BigIntegerField(default=0)  # sum of on_hand x cost_cents (no cost price: 0)
    units_without_cost = models.BigIntegerField(default=0)
    retail_cents = models.BigIntegerField(default=0)
    out_of_stock = models.BigIntegerField(default=0)  # on_hand - reserved <= 0
    below_safety = models.BigIntegerField(default=0)  # 0 < on_hand - reserved < safety_stock
    below_reorder = models.BigIntegerField(default=0)  # reorder_point > 0 and available < reorder_point

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.location_id}/{self.category_id}/{self.brand_id}: {self.levels} levels"


class StockSummary(StockSummaryFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location_id", "category_id", "brand_id"], name="stock_summary_unique"
            )
        ]


class StockSummaryDelta(StockSummaryFigures):
    """Appended by the triggers, removed by the fold (which adds them into StockSummary)."""


class StockAgeSummaryFigures(models.Model):
    """Per location x category x brand x local day of the last sale (settings.TIME_ZONE; NULL: never
    sold): the levels with stock on hand. The report turns days into age buckets when it reads, so the
    summary never ages."""

    location_id = models.IntegerField()
    category_id = models.IntegerField()
    brand_id = models.IntegerField()
    last_sale_day = models.DateField(null=True)
    skus = models.BigIntegerField(default=0)
    on_hand = models.BigIntegerField(default=0)
    cost_cents = models.BigIntegerField(default=0)
    retail_cents = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.location_id}/{self.category_id}/{self.brand_id}/{self.last_sale_day}: {self.skus} SKUs"


class StockAgeSummary(StockAgeSummaryFigures):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["location_id", "category_id", "brand_id", "last_sale_day"],
                name="stock_age_summary_unique",
                nulls_distinct=False,
            )
        ]


class StockAgeSummaryDelta(StockAgeSummaryFigures):
    """Appended by the triggers, removed by the fold (which adds them into StockAgeSummary)."""


class StockSummaryState(models.Model):
    """One row (pk 1): when the summaries were last folded and last rebuilt."""

    folded_at = models.DateTimeField(null=True)
    built_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"stock summaries folded {self.folded_at}, built {self.built_at}"

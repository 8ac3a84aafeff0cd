import uuid

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

CHANNELS = [
    ("web", "Web shop"),
    ("app", "App"),
    ("kiosk", "In-store kiosk"),
    ("store", "Store till"),
    ("phone", "Phone"),
    ("marketplace", "Marketplace"),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("orders", "0010_order_started_channel"),
        ("loyalty", "0004_consents_and_preferences"),
        ("inventory", "0008_adjustment_requests_undo_note_codes"),
        ("omni", "0006_cache_versions"),
        ("stores", "0004_location_adjustment_approval_units"),
    ]

    operations = [
        migrations.CreateModel(
            name="Cart",
            fields=[
                (
                    "id",
                    models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                ),
                ("channel", models.CharField(choices=CHANNELS, max_length=12, verbose_name="started in")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("converted", "Converted"), ("expired", "Expired")],
                        default="open",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                (
                    "customer_email",
                    models.EmailField(blank=True, default="", max_length=254, verbose_name="customer email"),
                ),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="updated"),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed")),
                (
                    "api_client",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="omni.apiclient",
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="stores.location",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="loyalty.member",
                    ),
                ),
                (
                    "order",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="orders.order",
                    ),
                ),
            ],
            options={
                "verbose_name": "cart",
                "verbose_name_plural": "carts",
                "ordering": ["-updated_at", "-created_at"],
            },
        ),
        migrations.CreateModel(
            name="CartLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("quantity", models.PositiveIntegerField(verbose_name="quantity")),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="added")),
                (
                    "cart",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="carts.cart"
                    ),
                ),
                (
                    "variant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="inventory.variant"
                    ),
                ),
            ],
            options={
                "verbose_name": "cart line",
                "verbose_name_plural": "cart lines",
                "ordering": ["added_at", "id"],
            },
        ),
        migrations.AddIndex(
            model_name="cart",
            index=models.Index(
                condition=models.Q(("status", "open"), models.Q(("customer_email", ""), _negated=True)),
                fields=["customer_email", "-updated_at"],
                name="cart_open_by_email",
            ),
        ),
        migrations.AddIndex(
            model_name="cart",
            index=models.Index(
                condition=models.Q(("status", "open"), ("member__isnull", False)),
                fields=["member", "-updated_at"],
                name="cart_open_by_member",
            ),
        ),
        migrations.AddIndex(
            model_name="cart",
            index=models.Index(
                condition=models.Q(("status", "open")), fields=["expires_at"], name="cart_open_expiry"
            ),
        ),
        migrations.AddIndex(
            model_name="cart",
            index=models.Index(fields=["created_at"], name="cart_created"),
        ),
        migrations.AddConstraint(
            model_name="cart",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("order__isnull", False), ("status", "converted")),
                    models.Q(models.Q(("status", "converted"), _negated=True), ("order__isnull", True)),
                    _connector="OR",
                ),
                name="cart_converted_has_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="cartline",
            constraint=models.UniqueConstraint(fields=("cart", "variant"), name="cart_line_unique_variant"),
        ),
        migrations.AddConstraint(
            model_name="cartline",
            constraint=models.CheckConstraint(
                condition=models.Q(("quantity__gte", 1)), name="cart_line_quantity_positive"
            ),
        ),
    ]

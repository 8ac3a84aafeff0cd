"""Wishlists with their back-in-stock notices, and the "bought together" table (carts/models.py, the end)."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("carts", "0001_carts"),
        ("inventory", "0008_adjustment_requests_undo_note_codes"),
        ("loyalty", "0004_consents_and_preferences"),
        ("stores", "0004_location_adjustment_approval_units"),
    ]

    operations = [
        migrations.CreateModel(
            name="BackInStockNotice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("variant_ids", models.JSONField(default=list)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                ("skipped", models.CharField(blank=True, default="", max_length=40)),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="stores.location"
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="loyalty.member"
                    ),
                ),
            ],
            options={
                "verbose_name": "back-in-stock notice",
                "verbose_name_plural": "back-in-stock notices",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="WishlistEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="added")),
                ("seen_available", models.BooleanField(default=False)),
                (
                    "last_notified_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="last notified"),
                ),
                (
                    "last_notice",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="entries",
                        to="carts.backinstocknotice",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="wishlist_entries",
                        to="loyalty.member",
                    ),
                ),
                (
                    "seen_location",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="stores.location",
                    ),
                ),
                (
                    "variant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inventory.variant"
                    ),
                ),
            ],
            options={
                "verbose_name": "wishlist entry",
                "verbose_name_plural": "wishlist entries",
                "ordering": ["-added_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("member", "variant"), name="carts_wishlist_member_variant_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BoughtTogether",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("customers", models.PositiveIntegerField()),
                ("rank", models.PositiveSmallIntegerField()),
                ("computed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "other",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="inventory.variant"
                    ),
                ),
                (
                    "variant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="inventory.variant",
                    ),
                ),
            ],
            options={
                "verbose_name": "bought-together pair",
                "verbose_name_plural": "bought-together pairs",
                "ordering": ["variant", "rank"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("variant", "rank"), name="carts_bought_together_rank_unique"
                    ),
                    models.UniqueConstraint(
                        fields=("variant", "other"), name="carts_bought_together_pair_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("other", models.F("variant")), _negated=True),
                        name="carts_bought_together_not_itself",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("customers__gt", 0)),
                        name="carts_bought_together_customers_positive",
                    ),
                ],
            },
        ),
    ]

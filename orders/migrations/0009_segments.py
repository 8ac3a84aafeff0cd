"""Customer segments (rules evaluated in SQL), their daily sizes, promotions limited to a segment, and the
index the segment rules read a customer's orders through (orders.selectors.segments)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from omni.cache_versions import bump_trigger_sql, drop_trigger_sql


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0008_sales_summary_seen"),
        ("loyalty", "0004_consents_and_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Segment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(max_length=40, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=120, verbose_name="name")),
                ("description", models.TextField(blank=True, default="", verbose_name="description")),
                ("rules", models.JSONField(blank=True, default=list, verbose_name="rules")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="created"
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "customer segment",
                "verbose_name_plural": "customer segments",
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="SegmentSize",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="day")),
                ("members", models.PositiveIntegerField(verbose_name="members")),
                ("taken_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "segment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="sizes", to="orders.segment"
                    ),
                ),
            ],
            options={"ordering": ["-day", "segment"]},
        ),
        migrations.AddIndex(
            model_name="segmentsize",
            index=models.Index(fields=["day"], name="segment_size_day"),
        ),
        migrations.AddConstraint(
            model_name="segmentsize",
            constraint=models.UniqueConstraint(fields=("segment", "day"), name="segment_size_one_per_day"),
        ),
        migrations.AddField(
            model_name="promotion",
            name="segment",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: every customer, identified or not.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="promotions",
                to="orders.segment",
                verbose_name="customer segment",
            ),
        ),
        # pricing's copy of the running promotions carries their segments, and the active segments are kept
        # in memory too (orders.selectors.segments): a segment written is a new copy (omni.cache_versions),
        # as a promotion written is
        migrations.RunSQL(
            bump_trigger_sql("orders_segment", "promotions"),
            drop_trigger_sql("orders_segment", "promotions"),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("customer_email", ""), _negated=True),
                fields=["customer_email", "created_at"],
                include=("status", "total", "channel", "location"),
                name="order_customer_activity",
            ),
        ),
    ]

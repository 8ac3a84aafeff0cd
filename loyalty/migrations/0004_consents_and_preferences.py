"""Consent per purpose and channel with its history, replacing the single marketing flag; preferences
(preferred store, sizes) on the customer.

Every customer whose flag was ever set (`marketing_consent_at`) gets one `ConsentEvent` (marketing, email,
granted = the flag, at the time it was set, source "migration"), then the flag's two columns go. Going back
puts the latest marketing/email statement back into the flag. The events are append-only in the database
(as the ledger, 0002) except for the GDPR erasure, which deletes a person's events inside a transaction
that set `loyalty.erasing` (loyalty.models.ConsentEventQuerySet.erase)."""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

BATCH = 2000
MARKETING, EMAIL, SOURCE = "marketing", "email", "migration"


def consent_events_from_flags(rows: Iterable[tuple[int, bool, datetime]], ConsentEvent: Any) -> int:
    """Write one marketing/email event per (customer id, flag, flag set at) row, in batches; the number
    written. Used by this migration (with the historical model) and by its test (with the current one)."""
    written = 0
    batch: list[Any] = []
    for customer_id, granted, at in rows:
        batch.append(
            ConsentEvent(
                customer_id=customer_id,
                purpose=MARKETING,
                channel=EMAIL,
                granted=bool(granted),
                source=SOURCE,
                actor_label="migration",
                created_at=at,
            )
        )
        if len(batch) >= BATCH:
            written += len(ConsentEvent.objects.bulk_create(batch))
            batch = []
    if batch:
        written += len(ConsentEvent.objects.bulk_create(batch))
    return written


def flags_to_events(apps, schema_editor):
    Customer = apps.get_model("loyalty", "Customer")
    ConsentEvent = apps.get_model("loyalty", "ConsentEvent")
    rows = (
        Customer.objects.filter(marketing_consent_at__isnull=False)
        .order_by("pk")
        .values_list("pk", "marketing_consent", "marketing_consent_at")
        .iterator(chunk_size=BATCH)
    )
    consent_events_from_flags(rows, ConsentEvent)


def events_to_flags(apps, schema_editor):
    Customer = apps.get_model("loyalty", "Customer")
    ConsentEvent = apps.get_model("loyalty", "ConsentEvent")
    latest = (
        ConsentEvent.objects.filter(purpose=MARKETING, channel=EMAIL)
        .order_by("customer_id", "-created_at", "-id")
        .distinct("customer_id")
        .values_list("customer_id", "granted", "created_at")
    )
    for customer_id, granted, at in latest.iterator(chunk_size=BATCH):
        Customer.objects.filter(pk=customer_id).update(marketing_consent=granted, marketing_consent_at=at)


APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION loyalty_consent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('loyalty.erasing', true) = 'on' THEN
        RETURN OLD;  -- the GDPR erasure (loyalty.models.ConsentEventQuerySet.erase)
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_consentevent_append_only
    BEFORE UPDATE OR DELETE ON loyalty_consentevent
    FOR EACH ROW EXECUTE FUNCTION loyalty_consent_append_only();
"""

DROP_APPEND_ONLY_SQL = """
DROP TRIGGER IF EXISTS loyalty_consentevent_append_only ON loyalty_consentevent;
DROP FUNCTION IF EXISTS loyalty_consent_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0003_report_time_index"),
        ("stores", "0004_location_adjustment_approval_units"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="preferred_location",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="stores.location",
                verbose_name="preferred store",
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="sizes",
            field=models.JSONField(blank=True, default=dict, verbose_name="sizes"),
        ),
        migrations.CreateModel(
            name="ConsentEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "purpose",
                    models.CharField(
                        choices=[
                            ("marketing", "Marketing"),
                            ("profiling", "Profiling"),
                            ("feedback", "Feedback requests"),
                        ],
                        max_length=12,
                        verbose_name="purpose",
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[("email", "Email"), ("sms", "SMS"), ("push", "Push notifications")],
                        max_length=8,
                        verbose_name="channel",
                    ),
                ),
                ("granted", models.BooleanField(verbose_name="granted")),
                ("source", models.CharField(max_length=20, verbose_name="source")),
                (
                    "actor_label",
                    models.CharField(blank=True, default="", max_length=150, verbose_name="recorded by"),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="time")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consent_events",
                        to="loyalty.customer",
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
                        verbose_name="where",
                    ),
                ),
            ],
            options={
                "verbose_name": "consent event",
                "verbose_name_plural": "consent events",
                "ordering": ["-created_at", "-id"],
                "indexes": [
                    models.Index(
                        fields=["customer", "purpose", "channel", "-created_at", "-id"],
                        include=("granted",),
                        name="loyalty_consent_current",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("purpose__in", ["marketing", "profiling", "feedback"])),
                        name="loyalty_consent_purpose_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("channel__in", ["email", "sms", "push"])),
                        name="loyalty_consent_channel_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("source__regex", "^[a-z][a-z0-9_-]{0,19}$")),
                        name="loyalty_consent_source_valid",
                    ),
                ],
            },
        ),
        migrations.RunSQL(sql=APPEND_ONLY_SQL, reverse_sql=DROP_APPEND_ONLY_SQL),
        migrations.RunPython(flags_to_events, events_to_flags),
        # the events just written must not leave deferred FK checks pending when the columns are dropped
        migrations.RunSQL("SET CONSTRAINTS ALL IMMEDIATE", reverse_sql="SET CONSTRAINTS ALL IMMEDIATE"),
        migrations.RemoveField(model_name="customer", name="marketing_consent"),
        migrations.RemoveField(model_name="customer", name="marketing_consent_at"),
    ]

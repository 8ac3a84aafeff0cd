"""The in-memory copies of this app's rarely written tables (omni.cache_versions) learn of every write."""

from django.db import migrations

from omni.cache_versions import bump_trigger_sql, drop_trigger_sql


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_sales_summary"), ("omni", "0006_cache_versions")]

    operations = [
        migrations.RunSQL(
            bump_trigger_sql("orders_promotion", "promotions"),
            drop_trigger_sql("orders_promotion", "promotions"),
        ),
        migrations.RunSQL(
            bump_trigger_sql("orders_webhooksubscription", "webhooks"),
            drop_trigger_sql("orders_webhooksubscription", "webhooks"),
        ),
    ]

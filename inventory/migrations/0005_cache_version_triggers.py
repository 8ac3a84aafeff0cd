"""The in-memory copies of this app's rarely written tables (omni.cache_versions) learn of every write."""

from django.db import migrations

from omni.cache_versions import bump_trigger_sql, drop_trigger_sql


class Migration(migrations.Migration):
    dependencies = [("inventory", "0004_variant_price_cents"), ("omni", "0006_cache_versions")]

    operations = [
        migrations.RunSQL(
            bump_trigger_sql("inventory_variant", "catalog"), drop_trigger_sql("inventory_variant", "catalog")
        ),
        migrations.RunSQL(
            bump_trigger_sql("inventory_product", "catalog"), drop_trigger_sql("inventory_product", "catalog")
        ),
    ]

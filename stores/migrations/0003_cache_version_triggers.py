"""The in-memory copies of this app's rarely written tables (omni.cache_versions) learn of every write."""

from django.db import migrations

from omni.cache_versions import bump_trigger_sql, drop_trigger_sql


class Migration(migrations.Migration):
    dependencies = [("stores", "0002_location_hold_days_without_pickup"), ("omni", "0006_cache_versions")]

    operations = [
        migrations.RunSQL(
            bump_trigger_sql("stores_location", "locations"), drop_trigger_sql("stores_location", "locations")
        ),
        migrations.RunSQL(
            bump_trigger_sql("stores_openinghours", "locations"),
            drop_trigger_sql("stores_openinghours", "locations"),
        ),
    ]

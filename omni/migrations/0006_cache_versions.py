from django.db import migrations, models

from omni.cache_versions import bump_trigger_sql, drop_trigger_sql

# The trigger function: every write to a cached table gives its cache a number never used before (a
# sequence, so that a rolled back or truncated table can never bring an old number back).
FUNCTION = """
CREATE SEQUENCE IF NOT EXISTS omni_cacheversion_seq;
CREATE OR REPLACE FUNCTION omni_bump_cache_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO omni_cacheversion (name, version) VALUES (TG_ARGV[0], nextval('omni_cacheversion_seq'))
    ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END
$$;
"""
DROP_FUNCTION = (
    "DROP FUNCTION IF EXISTS omni_bump_cache_version(); DROP SEQUENCE IF EXISTS omni_cacheversion_seq;"
)
# The columns a token lookup depends on: last_used_at (written once a minute) does not bump it.
API_CLIENT_COLUMNS = ("name", "role", "location_id", "token_hash", "revoked_at")


class Migration(migrations.Migration):
    dependencies = [("omni", "0005_attempt_counters")]

    operations = [
        migrations.CreateModel(
            name="CacheVersion",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
        ),
        migrations.RunSQL(FUNCTION, DROP_FUNCTION),
        migrations.RunSQL(
            bump_trigger_sql("omni_apiclient", "api_clients", columns=API_CLIENT_COLUMNS),
            drop_trigger_sql("omni_apiclient", "api_clients"),
        ),
    ]

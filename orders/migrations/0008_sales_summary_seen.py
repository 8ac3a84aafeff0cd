from django.db import migrations, models


class Migration(migrations.Migration):
    """What the sales summary has taken in (orders.services.sales_summary): refreshes add the new orders and
    returns instead of rewriting their day."""

    dependencies = [("orders", "0007_pickup_report_index")]

    operations = [
        migrations.AddField(
            model_name="salessummarystate",
            name="seen",
            field=models.JSONField(default=dict),
        ),
    ]

# The feedback invitations' scans: orders by when they were completed (per status) and by when they left.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_pickup_slots_and_arrivals")]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("completed_at__isnull", False)),
                fields=["status", "completed_at"],
                name="order_status_completed",
            ),
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("shipped_at__isnull", False)), fields=["shipped_at"], name="order_shipped"
            ),
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("orders", "0009_segments")]

    operations = [
        migrations.AddField(
            model_name="order",
            name="started_channel",
            field=models.CharField(
                blank=True,
                choices=[
                    ("web", "Web shop"),
                    ("app", "App"),
                    ("kiosk", "In-store kiosk"),
                    ("store", "Store till"),
                    ("phone", "Phone"),
                    ("marketplace", "Marketplace"),
                ],
                max_length=12,
                null=True,
                verbose_name="started in",
            ),
        ),
    ]

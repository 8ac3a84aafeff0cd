# The appointment emails (appointments.services.emails): one row per appointment and kind, sent at most once.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_appointments")]

    operations = [
        migrations.CreateModel(
            name="AppointmentEmail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("confirmation", "Confirmation"),
                            ("cancellation", "Cancellation"),
                            ("reminder", "Reminder"),
                        ],
                        max_length=12,
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("skipped", models.CharField(blank=True, default="", max_length=20)),
                (
                    "appointment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="emails",
                        to="appointments.appointment",
                    ),
                ),
            ],
            options={
                "verbose_name": "appointment email",
                "verbose_name_plural": "appointment emails",
                "constraints": [
                    models.UniqueConstraint(fields=("appointment", "kind"), name="appointment_email_once")
                ],
            },
        ),
    ]

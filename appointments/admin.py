"""Admin for appointments: read-only. Appointments change only through appointments.services (which take and
give back the slot's place in the same transaction); the admin is for looking one up and seeing its emails."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from appointments.models import Appointment, AppointmentEmail
from orders.admin import ReadOnlyInline


class AppointmentEmailInline(ReadOnlyInline):
    model = AppointmentEmail
    fields = ("kind", "created_at", "sent_at", "skipped")
    readonly_fields = fields


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ("start", "location", "service", "status", "customer_email", "booked_via", "created_at")
    list_filter = ("status", "location")
    search_fields = ("customer_email", "customer_last_name")
    date_hierarchy = "start"
    readonly_fields = tuple(f.name for f in Appointment._meta.fields)
    inlines = [AppointmentEmailInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from stores.models import Location, OpeningHours, StaffMembership


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "city", "click_and_collect", "ships", "accepts_returns", "active")
    list_filter = ("kind", "click_and_collect", "ships", "accepts_returns", "active", "country")
    search_fields = ("code", "name", "city")
    ordering = ("code",)
    inlines = [OpeningHoursInline, StaffMembershipInline]
    fieldsets = (
        (None, {"fields": ("code", "name", "kind", "active")}),
        (_("Address"), {"fields": ("address", "postcode", "city", "country", "latitude", "longitude")}),
        (_("Contact"), {"fields": ("phone", "email", "timezone")}),
        (
            _("Services"),
            {
                "fields": (
                    "click_and_collect",
                    "ships",
                    "accepts_returns",
                    "pickup_hold_days",
                    "preparation_minutes",
                    "default_safety_stock",
                )
            },
        ),
        (_("Stock adjustments"), {"fields": ("adjustment_approval_units",)}),
    )

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ("code",) if obj is not None else ()

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from omni.models import ApiClient, AuditEntry, OutboxMessage, ReportRun, ReportSchedule, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "role", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Omni"), {"fields": ("role", "preferred_language")}))  # type: ignore[misc]
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("Omni"), {"fields": ("role",)}))


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "location", "token_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("role", "revoked_at")
    search_fields = ("name",)
    readonly_fields = ("token_prefix", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # tokens are shown once: create clients with `manage.py create_api_client`

    @admin.action(description=_("Revoke the selected clients' tokens"))
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        from omni.services import revoke_api_client

        for client in queryset:
            revoke_api_client(client=client, by_user=request.user)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "object_type", "object_id", "user", "api_client")
    list_filter = ("action",)
    search_fields = ("object_id", "reason")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Tasks waiting to run after a committed change; `dead` ones failed every attempt. "Run again" gives a
    dead message a fresh set of attempts (after fixing what made it fail)."""

    list_display = ("pk", "task", "args", "created_at", "available_at", "attempts", "dead")
    list_filter = ("dead", "task")
    readonly_fields = ("task", "args", "created_at", "available_at", "attempts", "dead", "last_error")
    actions = ("run_again",)

    @admin.action(description=_("Run again"))
    def run_again(self, request, queryset):  # type: ignore[no-untyped-def]
        from django.utils import timezone

        queryset.update(dead=False, attempts=0, available_at=timezone.now())

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    """Background exports: read-only (they are made by the pages and the tasks); deleting one keeps its file
    until the retention job (omni.reports.tasks.purge_report_runs_task) or removes it with the row."""

    list_display = (
        "id",
        "report",
        "user",
        "format",
        "status",
        "rows_done",
        "size",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "format", "report")
    search_fields = ("report", "user__username", "error")
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        if obj.file:
            obj.file.storage.delete(obj.file.name)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for run in queryset:
            if run.file:
                run.file.storage.delete(run.file.name)
        super().delete_queryset(request, queryset)


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "report",
        "user",
        "weekday",
        "hour",
        "format",
        "active",
        "next_run_at",
        "last_sent_at",
    )
    list_filter = ("active", "format", "weekday", "report")
    search_fields = ("report", "user__username", "last_error")
    fields = (
        "user",
        "report",
        "params",
        "sort",
        "format",
        "weekday",
        "hour",
        "active",
        "created_at",
        "last_sent_at",
        "next_run_at",
        "failures",
        "last_error",
    )
    readonly_fields = tuple(f for f in fields if f != "active")
    actions = ["pause"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # a schedule is made by its manager, from the report's page (filters checked for them)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if "active" in form.changed_data and obj.active:  # resumed: from the next slot, not a missed one
            from django.utils import timezone

            from omni.reports.schedules import next_run_after

            obj.next_run_at = next_run_after(weekday=obj.weekday, hour=obj.hour, after=timezone.now())
            obj.failures = 0
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Pause the selected schedules"))
    def pause(self, request, queryset):  # type: ignore[no-untyped-def]
        queryset.update(active=False)

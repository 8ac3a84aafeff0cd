"""Platform data: staff users, API clients and their tokens, idempotency records, the audit log, the
counters of failed attempts (login, pickup codes at the desk)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    ASSOCIATE = "associate", _("Store associate")
    STORE_MANAGER = "store_manager", _("Store manager")
    HQ_MANAGER = "hq_manager", _("HQ manager")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A member of staff. Store roles act at the locations of their memberships (stores.StaffMembership);
    HQ managers and administrators act everywhere."""

    role = models.CharField(_("role"), max_length=20, choices=StaffRole.choices, default=StaffRole.ASSOCIATE)
    preferred_language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta:
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")

    @property
    def sees_all_locations(self) -> bool:
        return self.is_superuser or self.role in {StaffRole.HQ_MANAGER, StaffRole.ADMIN}

    @property
    def is_manager(self) -> bool:
        return (
            self.role in {StaffRole.STORE_MANAGER, StaffRole.HQ_MANAGER, StaffRole.ADMIN} or self.is_superuser
        )


class ApiRole(models.TextChoices):
    INTEGRATION = "integration", _("Integration (HQ systems)")
    ESHOP = "eshop", _("E-shop")
    KIOSK = "kiosk", _("In-store kiosk")
    STORE = "store", _("Store tablet")


LOCATION_BOUND_ROLES = {ApiRole.KIOSK, ApiRole.STORE}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    """A system that calls the API with `Authorization: Bearer <token>`. Only the token's hash is stored."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    role = models.CharField(_("role"), max_length=20, choices=ApiRole.choices)
    location = models.ForeignKey(
        settings.OMNI_LOCATION_MODEL,  # the composition root names the app that owns locations
        verbose_name=_("location"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    token_prefix = models.CharField(_("token prefix"), max_length=16, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(
                name="apiclient_location_for_bound_roles",
                condition=~Q(role__in=["kiosk", "store"]) | Q(location__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @staticmethod
    def new_token() -> str:
        return "omni_" + secrets.token_urlsafe(32)


class IdempotencyRecord(models.Model):
    """One row per (owner, key): inserted before the request runs, so a concurrent duplicate conflicts
    on the unique constraint instead of racing a check-then-act."""

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        DONE = "done"

    owner = models.CharField(max_length=64)  # "client:<id>" or "user:<id>"
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    response_content_type = models.CharField(max_length=100, blank=True, default="")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_unique")]

    def __str__(self) -> str:
        return f"{self.owner} {self.key} ({self.state})"


class OutboxMessage(models.Model):
    """A task to run because something was committed (an email, a stock alert, a report run): written in
    the same transaction as the change that calls for it, so it exists exactly when the change does.

    Published to the broker right after commit when it answers; otherwise, or when the broker loses the
    message, `drain_outbox_task` (beat) publishes it again once `available_at` has passed. The row is
    deleted when its task has run, so it runs at least once; the tasks it names are idempotent, so at
    least once means once. After OMNI_OUTBOX_MAX_ATTEMPTS failures it stays, `dead`, for an operator."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    dead = models.BooleanField(default=False)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["available_at"], condition=Q(dead=False), name="outbox_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class AuditEntry(models.Model):
    """Who did what, for actions that need an answer later (overrides, unlocks, merges, revocations)."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    api_client = models.ForeignKey(ApiClient, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True, default="")
    object_id = models.CharField(max_length=80, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


# --- Managers' reports in the background (omni/reports/jobs.py) ----------------------------------


class ReportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ReportRun(models.Model):
    """One export of a report produced by a Celery task, kept OMNI_REPORT_RUN_DAYS for its download.

    params are the filter query parameters as given ({name: [values]}), validated again when the task runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="report_runs"
    )
    report = models.CharField(_("report"), max_length=80)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=80, blank=True, default="")
    format = models.CharField(
        _("format"), max_length=4, choices=ReportFormat.choices, default=ReportFormat.CSV
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_estimate = models.PositiveIntegerField(_("rows expected"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="reports/", max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        indexes = [models.Index(fields=["status", "started_at"], name="reportrun_status_started")]
        constraints = [
            models.CheckConstraint(name="reportrun_format_valid", condition=Q(format__in=["csv", "xlsx"])),
        ]

    def __str__(self) -> str:
        return f"{self.report} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class ReportSchedule(models.Model):
    """A weekly email of a report to its owner: on `weekday` (0 = Monday) at `hour`, local time (TIME_ZONE).

    params hold no dates unless the manager fixed them: the report's default window is recomputed at each
    send."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="report_schedules",
    )
    report = models.CharField(_("report"), max_length=80)
    params = models.JSONField(_("filters"), default=dict, blank=True)
    sort = models.CharField(_("sort"), max_length=80, blank=True, default="")
    format = models.CharField(
        _("format"), max_length=4, choices=ReportFormat.choices, default=ReportFormat.XLSX
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next send"), db_index=True)
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["user_id", "weekday", "hour", "id"]
        verbose_name = _("report schedule")
        verbose_name_plural = _("report schedules")
        constraints = [
            models.CheckConstraint(
                name="reportschedule_weekday_range", condition=Q(weekday__gte=0, weekday__lte=6)
            ),
            models.CheckConstraint(name="reportschedule_hour_range", condition=Q(hour__gte=0, hour__lte=23)),
            models.CheckConstraint(
                name="reportschedule_format_valid", condition=Q(format__in=["csv", "xlsx"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.user_id} ({self.weekday}@{self.hour})"


# --- Guessing throttles: failed passwords at the login, pickup codes searched at the desk ----------------


class AttemptCounter(models.Model):
    """Failed attempts at something that can be guessed, per `scope` (what is guessed: "login-user",
    "login-ip", "pickup-desk") and `key` (who or where: a username, an IP address, a desk user at a location).
    `failures` counts within the window that opened at `window_started_at`; reaching the scope's limit sets
    `locked_until`, and until then the attempt is refused without being tried (omni.attempts)."""

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=255)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="attemptcounter_scope_key_unique")
        ]
        indexes = [models.Index(fields=["window_started_at"], name="attemptcounter_window_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}: {self.failures}"


class CacheVersion(models.Model):
    """The version of a kind of rarely written data that processes keep in memory (the catalog, the
    locations, the promotions, the API clients, the webhook subscriptions). A statement trigger on each
    underlying table sets a fresh number from a sequence in the writing transaction (omni.cache_versions):
    a process compares it with the number its copy was built at and reloads when they differ."""

    name = models.CharField(max_length=40, primary_key=True)
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

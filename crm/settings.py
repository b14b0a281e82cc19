"""Kolo settings, driven by the environment (django-environ).

With nothing set, Kolo runs on an embedded default: SQLite under ``var/``, Celery tasks run eagerly
in-process and the channel layer lives in memory. ``DATABASE_URL`` switches to Postgres (through
psycopg's connection pool) and ``REDIS_URL`` to a Redis broker, cache and channel layer.

``DEBUG`` is off unless set; with it off, ``SECRET_KEY`` and ``ALLOWED_HOSTS`` must be given.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    # Production: fail fast instead of running with a guessable key or an open Host header.
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "django_filters",
    "template_partials",
    "axes",
    "csp",
    # Kolo, lowest layer first (dependencies point one way: see docs/architecture.md).
    "crm.core",
    "crm.accounts",
    "clients",
    "crm.leads",
    "crm.orders",
    "crm.api",
    "crm.telephony",
    "routes",
    "labs",
    "billing",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "crm.accounts.middleware.UserLanguageMiddleware",
    "crm.accounts.middleware.ActiveBranchMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

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
                "crm.core.context_processors.kolo",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'kolo.sqlite3'}"),
}
DB_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DB_IS_POSTGRES and env.bool("DB_POOL", default=True):
    # An ASGI server runs each request in a worker thread; persistent connections
    # (CONN_MAX_AGE > 0) then pile up one per thread and leak under load. psycopg's pool
    # bounds them instead (proved by `python manage.py bench pool --json`).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=10),
        "timeout": env.float("DB_POOL_TIMEOUT", default=20.0),
    }
elif DB_IS_POSTGRES:  # DB_POOL=0: only to demonstrate the leak in the pool benchmark
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
else:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # The embedded default lacks covering indexes and deferrable constraints; Postgres (the
    # production database) has them, so the warnings only add noise to `make run`.
    SILENCED_SYSTEM_CHECKS = ["models.W038", "models.W040"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: broker, cache, channel layer ----------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_LAYER_PREFIX = env.str("CHANNEL_LAYER_PREFIX", default="kolo")

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py caps a pool at 100 connections by default: 200 sockets connecting at
                # once would fail, so the limit is raised explicitly.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=1000),
                    }
                ],
                "prefix": CHANNEL_LAYER_PREFIX,
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Orders ---------------------------------------------------------------------------------------
# The day screen's PDF of more rows than this is made by a background job (WeasyPrint lays out
# ~40 rows a second); fewer come back at once.
ORDERS_PDF_SYNC_MAX_ROWS = env.int("ORDERS_PDF_SYNC_MAX_ROWS", default=300)

# --- Routes on the road ---------------------------------------------------------------------------
# A stop marked done farther than this from its address is flagged on the board.
ROUTES_DONE_FAR_METRES = env.int("ROUTES_DONE_FAR_METRES", default=300)
# A van on the road that has not moved more than ROUTES_IDLE_RADIUS_M for this long is flagged.
ROUTES_IDLE_MINUTES = env.int("ROUTES_IDLE_MINUTES", default=20)
ROUTES_IDLE_RADIUS_M = env.int("ROUTES_IDLE_RADIUS_M", default=150)
# GPS positions are kept this many days.
ROUTES_GPS_RETENTION_DAYS = env.int("ROUTES_GPS_RETENTION_DAYS", default=90)

# --- Intake API -----------------------------------------------------------------------------------
# Largest request body the API accepts (413 above it) and calls per key per minute (429 above it).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=60)

# --- Billing --------------------------------------------------------------------------------------
# Days to pay an invoice that has no contract (a contract's own term wins).
BILLING_PAYMENT_DAYS = env.int("BILLING_PAYMENT_DAYS", default=10)
# Dotted path of the SMS/messenger sender for debt reminders; the default only logs what it sends.
BILLING_SMS_SENDER = env.str("BILLING_SMS_SENDER", default="billing.senders.LogSender")

# --- Celery ---------------------------------------------------------------------------------------
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True  # progress and results live in core.Job rows
CELERY_TASK_ACKS_LATE = True  # a task killed mid-run is redelivered; tasks are idempotent
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Europe/Moscow"
CELERY_BEAT_SCHEDULE = {
    # Tell users about their tasks that fall due (leads/tasks reminders build on this).
    "notifications-purge-old": {
        "task": "crm.core.tasks.notification_purge_task",
        "schedule": crontab(hour=3, minute=15),
    },
    # Leads: notify assignees of tasks that fell due; each task is reminded once (idempotent).
    "leads-task-remind-due": {
        "task": "crm.leads.tasks.task_remind_due_task",
        "schedule": timedelta(minutes=5),
    },
    # Background jobs stuck in "running" after a worker crash are marked failed so users see it.
    "jobs-fail-stale": {
        "task": "crm.core.tasks.job_fail_stale_task",
        "schedule": timedelta(minutes=15),
    },
    # Files made by background jobs (big exports) are kept a week.
    "jobs-files-purge": {
        "task": "crm.core.tasks.job_files_purge_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # Orders: generate the orders of recurring schedules for the next days (idempotent: one order
    # per schedule and date); hourly so each branch's new day is covered soon after its midnight.
    "orders-generate-scheduled": {
        "task": "crm.orders.tasks.generate_scheduled_orders_task",
        "schedule": timedelta(hours=1),
    },
    # Billing: a client whose contracts all ran out is flagged "contract expired" (blocks work).
    "billing-contract-states": {
        "task": "billing.tasks_contracts.sync_contract_states_task",
        "schedule": crontab(hour=0, minute=10),
    },
    # Billing: mark overdue invoices, then run the dunning ladder (never the same step twice).
    "billing-run-dunning": {
        "task": "billing.tasks_dunning.run_dunning_task",
        "schedule": crontab(hour=9, minute=0),
    },
    # Leads: hand out leads that waited because nobody was working (idempotent; it also runs
    # when someone starts the day).
    "leads-assign-waiting": {
        "task": "crm.leads.tasks.assign_waiting_leads_task",
        "schedule": timedelta(minutes=10),
    },
    # Intake API: re-run calls whose processing failed (their payload is kept); idempotent.
    "api-retry-failed-calls": {
        "task": "crm.api.tasks.api_call_retry_failed_task",
        "schedule": timedelta(hours=1),
    },
    # Routes: GPS positions older than ROUTES_GPS_RETENTION_DAYS are deleted nightly.
    "routes-gps-purge": {
        "task": "routes.tasks.gps_purge_task",
        "schedule": crontab(hour=4, minute=5),
    },
}

# --- Auth -----------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "crm.accounts.backends.EmailOrUsernameBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: five failures for one username from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

SESSION_COOKIE_AGE = 60 * 60 * 14  # one working day (a driver logs in once per shift)

# --- I18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("uk", _("Ukrainian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="RUB")
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="RU")

# --- Static and media -----------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_ALLOWED_EXTENSIONS = env.list(
    "ATTACHMENT_ALLOWED_EXTENSIONS",
    default=[
        "pdf",
        "png",
        "jpg",
        "jpeg",
        "webp",
        "heic",
        "xlsx",
        "xls",
        "docx",
        "doc",
        "odt",
        "ods",
        "txt",
        "csv",
        "zip",
    ],
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Maps -----------------------------------------------------------------------------------------
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="&copy; OpenStreetMap contributors")

# --- E-mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Kolo <noreply@kolo.local>")

# --- Security -------------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _origin(url: str) -> str:
    """The CSP source for a tile URL template: ``https://{s}.tile.x.org/...`` -> ``https://*.tile.x.org``."""
    parts = urlparse(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}"


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Leaflet, Chart.js and progress bars set inline styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", _origin(MAP_TILE_URL)],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint reports every rendering step at INFO: thousands of lines per bulk run.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

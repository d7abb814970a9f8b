"""Django settings, read from the environment (see `.env.example`)."""

from __future__ import annotations

import os
from pathlib import Path

import environ

from practicelink.datadir import private_dir, private_file, private_text

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()
environ.Env.read_env(os.environ.get("PRACTICELINK_ENV_FILE", ".env"), overwrite=False)

DATA_DIR = private_dir(Path(env.str("PRACTICELINK_DATA_DIR", default="var")).resolve())
TESTING = env.bool("PRACTICELINK_TESTING", default=False)


def _secret_key() -> str:
    """Use the configured key, or generate one into the data folder once (embedded default)."""
    configured = env.str("DJANGO_SECRET_KEY", default="")
    if configured:
        return configured
    from django.core.management.utils import get_random_secret_key

    return private_text(DATA_DIR / "secret_key", get_random_secret_key())


SECRET_KEY = _secret_key()
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
_HOST = env.str("PRACTICELINK_HOST", default="127.0.0.1")
_PUBLIC_HOST = "127.0.0.1" if _HOST == "0.0.0.0" else _HOST  # noqa: S104
#: public address; by default where `practicelink run` serves (PRACTICELINK_HOST and _PORT)
SITE_URL = env.str(
    "PRACTICELINK_SITE_URL",
    default=f"http://{_PUBLIC_HOST}:{env.int('PRACTICELINK_PORT', default=8000)}",
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "huey.contrib.djhuey",
    "practicelink.team",
    "practicelink.clients",
    "practicelink.proposals",
    "practicelink.xpm",
]

MIDDLEWARE = [
    "practicelink.sqlite.OptimizeMiddleware",  # planner statistics, after all else (SQLite)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "practicelink.team.middleware.CurrentPracticeMiddleware",
]

ROOT_URLCONF = "practicelink.urls"
WSGI_APPLICATION = "practicelink.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practicelink.team.context_processors.current_practice",
            ],
        },
    },
]

_sqlite_path = DATA_DIR / "practicelink.sqlite3"
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{_sqlite_path}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        private_file(Path(DATABASES["default"]["NAME"]))
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env.bool("DATABASE_POOL", default=True):
    # Django's own psycopg pool: each process keeps up to DATABASE_POOL_MAX_SIZE connections
    # open and lends them out per request or task (pooling replaces persistent connections).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "proposals:list"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env.int("PRACTICELINK_PASSWORD_RESET_SECONDS", default=3 * 24 * 3600)
INVITATION_VALID_DAYS = env.int("PRACTICELINK_INVITATION_VALID_DAYS", default=7)
#: how long the email verification link of a practice's sign-up works
SIGNUP_VALID_HOURS = env.int("PRACTICELINK_SIGNUP_VALID_HOURS", default=48)
#: how long a proposal's acceptance link works
ACCEPTANCE_LINK_DAYS = env.int("PRACTICELINK_ACCEPTANCE_LINK_DAYS", default=30)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("PRACTICELINK_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="practicelink <noreply@practicelink.local>"
)

REST_FRAMEWORK = {
    # The first class names the scheme of a 401's WWW-Authenticate: tokens, not sessions.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "practicelink.team.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["practicelink.team.permissions.IsPracticeMember"],
    "DEFAULT_SCHEMA_CLASS": "practicelink.api.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "practicelink.pagination.StablePagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "practicelink.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"signup": env.str("PRACTICELINK_SIGNUP_RATE", default="20/hour")},
}
# API tokens (django-rest-knox): hashed, expiring, named by their owner (`team.tokens`).
KNOX_TOKEN_MODEL = "team.ApiToken"
REST_KNOX = {"TOKEN_PREFIX": "pl_", "AUTH_HEADER_PREFIX": "Token"}
# knox's own token table is swapped out for team.ApiToken: its migrations would create it anyway.
MIGRATION_MODULES = {"knox": None}
SPECTACULAR_SETTINGS = {
    "TITLE": "practicelink API",
    "DESCRIPTION": "Proposals, clients and team of one practice, in sync with XPM.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ works offline: Swagger UI comes from the installed sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProposalStatusEnum": "practicelink.proposals.models.Status.choices",
        "DeploymentStatusEnum": "practicelink.xpm.models.deployments.DeploymentStatus.choices",
        "OccurrenceStatusEnum": "practicelink.proposals.models.OccurrenceStatus.choices",
        "FrequencyEnum": "practicelink.proposals.recurrence.Frequency.choices",
    },
}

_redis_url = env.str("REDIS_URL", default="")
#: the queue's name, also the prefix of the rate limiter's keys in Redis
QUEUE_NAME = env.str("HUEY_QUEUE_NAME", default="practicelink")
if _redis_url:
    HUEY = {
        "huey_class": "huey.PriorityRedisHuey",
        "name": QUEUE_NAME,
        "url": _redis_url,
        "immediate": TESTING,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=4), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": QUEUE_NAME,
        "filename": str(private_file(DATA_DIR / "huey.sqlite3")),
        "immediate": TESTING,
        "consumer": {"workers": env.int("HUEY_WORKERS", default=2), "worker_type": "thread"},
    }

# LOG_FORMAT=json: one JSON object per line (with the practice and run ids a sync logs).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per XPM call is noise at INFO; the sync log records what matters.
    # Huey's consumer adds its own handler unless "huey" has one: give it ours, once.
    "loggers": {
        "httpx": {"level": "WARNING"},
        "huey": {"handlers": ["console"], "propagate": False},
    },
}

AUTHENTICATION_BACKENDS = ["practicelink.team.backends.EmailBackend"]

# Xero Practice Manager. The defaults are Xero's real endpoints; `practicelink run` points
# them at the bundled emulator.
XPM_CLIENT_ID = env.str("XPM_CLIENT_ID", default="")
XPM_CLIENT_SECRET = env.str("XPM_CLIENT_SECRET", default="")
XPM_API_URL = env.str("XPM_API_URL", default="https://api.xero.com/practicemanager/3.1")
XPM_AUTHORIZE_URL = env.str(
    "XPM_AUTHORIZE_URL", default="https://login.xero.com/identity/connect/authorize"
)
XPM_IDENTITY_URL = env.str("XPM_IDENTITY_URL", default="https://identity.xero.com")
XPM_CONNECTIONS_URL = env.str("XPM_CONNECTIONS_URL", default="https://api.xero.com/connections")
XPM_SCOPES = env.str("XPM_SCOPES", default="openid profile email offline_access practicemanager")
XPM_TIMEOUT_SECONDS = env.float("XPM_TIMEOUT_SECONDS", default=30.0)
#: after a staff create whose answer was lost: look for the staff this long before creating again
XPM_UNCERTAIN_CREATE_QUIET_MINUTES = env.float("XPM_UNCERTAIN_CREATE_QUIET_MINUTES", default=15.0)
#: refresh the access token when it has less than this left
XPM_TOKEN_REFRESH_MARGIN_SECONDS = env.int("XPM_TOKEN_REFRESH_MARGIN_SECONDS", default=120)

# XPM's rate limits, kept by every process together (see practicelink/xpm/ratelimit.py):
# Redis when REDIS_URL is set, else a SQLite file shared by the processes of this host.
if not _redis_url:
    private_file(DATA_DIR / "ratelimit.sqlite3")
XPM_RATE_LIMITER = {
    "BACKEND": "practicelink.xpm.ratelimit."
    + ("RedisRateLimiter" if _redis_url else "SQLiteRateLimiter"),
    "OPTIONS": {
        **(
            {"url": _redis_url, "prefix": f"{QUEUE_NAME}:xpm"}
            if _redis_url
            else {"path": DATA_DIR / "ratelimit.sqlite3"}
        ),
        "concurrent_limit": env.int("XPM_CONCURRENT_LIMIT", default=5),
        "minute_limit": env.int("XPM_MINUTE_LIMIT", default=60),
        "day_limit": env.int("XPM_DAY_LIMIT", default=5000),
        "app_minute_limit": env.int("XPM_APP_MINUTE_LIMIT", default=10_000),
        "interactive_reserve": env.float("XPM_INTERACTIVE_RESERVE", default=0.2),
    },
}

# The periodic dispatcher (practicelink/xpm/sync/scheduler.py): how often it looks for due
# practices, how many runs it queues per look at most, and after how long without a heartbeat
# a running sync counts as abandoned by its worker and is queued again.
XPM_DISPATCH_SECONDS = env.float("XPM_DISPATCH_SECONDS", default=10.0)
XPM_DISPATCH_BATCH = env.int("XPM_DISPATCH_BATCH", default=100)
XPM_RUN_LEASE_SECONDS = env.float("XPM_RUN_LEASE_SECONDS", default=600.0)
#: /metrics answers the bearer of this token; unset, only requests from this host
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")


def _encryption_key() -> str:
    """Fernet key for OAuth tokens at rest: configured, or generated once into the data folder."""
    configured = env.str("PRACTICELINK_ENCRYPTION_KEY", default="")
    if configured:
        return configured
    from cryptography.fernet import Fernet

    return private_text(DATA_DIR / "encryption_key", Fernet.generate_key().decode())


PRACTICELINK_ENCRYPTION_KEY = _encryption_key()

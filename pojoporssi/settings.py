"""Settings, read from the environment (12-factor). See the configuration table in README.md.

With nothing set, a newcomer's first run uses a SQLite file and a Celery broker that keeps its
messages in files under var/, so the app runs with no servers installed. With DATABASE_URL and
REDIS_URL pointing at PostgreSQL and Redis it runs on them, unchanged.
"""

import math
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "people",
    "ledger",
    "rewards",
    "pricing",
    "insights",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pojoporssi.urls"
WSGI_APPLICATION = "pojoporssi.wsgi.application"

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
                "django.template.context_processors.i18n",
                "ledger.context_processors.header",
                "notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a reused connection is checked before use
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A newcomer's laptop: wait for the writer instead of failing with "database is locked",
    # and take the write lock when a transaction begins (SQLite has no row locks), so two
    # writers queue instead of one failing midway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Finnish first: the people who use it are Finnish.
LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["pojoporssi.formats"]  # English dates a Finnish workplace reads one way
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a chosen language outlives the browser session
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Helsinki")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded reward pictures (resized, content-addressed; served by rewards' picture view). In
# docker-compose a volume keeps them.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/pictures/"
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

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env.str("CELERY_BROKER_DIR", default=str(VAR_DIR / "celery-broker")))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# What a task prints (the console e-mail backend prints each e-mail) is information, not a warning.
CELERY_WORKER_REDIRECT_STDOUTS_LEVEL = "INFO"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    # Idempotent per period: running it daily grants each month's budget exactly once.
    "ledger-budget-periods-open": {
        "task": "ledger.tasks.budget_periods_open",
        "schedule": crontab(minute="5", hour="0"),
    },
    # HR insights read precomputed results; nightly after the budgets, and after every import.
    "insights-recompute": {
        "task": "insights.tasks.insights_recompute",
        "schedule": crontab(minute="30", hour="2"),
    },
    # Drawings close by their own job at the closing time; this catches any that a lost or early
    # message left open (closing is idempotent, so running both is harmless).
    "rewards-drawings-sweep": {
        "task": "rewards.tasks.drawings_sweep",
        "schedule": 60.0,
    },
}
if env.bool("DEMO_FAST_SCHEDULE", default=False):
    CELERY_BEAT_SCHEDULE["ledger-budget-periods-open"]["schedule"] = 60.0

# --- Domain settings --------------------------------------------------------------------------
AWARD_MAX_POINTS = env.int("AWARD_MAX_POINTS", default=500)
"""Hard cap on a single award, whatever the reason's suggested range."""
QUOTE_VALIDITY_SECONDS = env.int("QUOTE_VALIDITY_SECONDS", default=15 * 60)
"""How long a price quote is a promise (spec §3: 15 minutes) until HR saves pricing parameters."""
PRICING_DEFAULTS = {
    # Spec §3's defaults: the first parameter version. HR changes them in versions afterwards.
    "s": 2.0,
    "eta": 0.05,
    "lam": 0.10,
    "delta": math.log(1.1),
    "m_min": 0.5,
    "m_max": 2.0,
    "tick_seconds": env.int("PRICING_TICK_SECONDS", default=86_400),
}
PRICING_BEAT_SECONDS = env.float("PRICING_BEAT_SECONDS", default=60.0)
"""How often beat asks the tick task to price whatever windows have closed (a no-op otherwise)."""
CELERY_BEAT_SCHEDULE["pricing-tick"] = {
    # Every window that has closed gets priced within PRICING_BEAT_SECONDS of its end.
    "task": "pricing.tasks.pricing_tick",
    "schedule": PRICING_BEAT_SECONDS,
}

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="pojoporssi@localhost")
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
"""Where the pages live, for links in e-mails."""

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="300/min"),
        "user": env.str("THROTTLE_USER", default="6000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Rate limits key on the client address; trust X-Forwarded-For only from known proxies.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Pojopörssi API",
    "DESCRIPTION": (
        "Points, awards and the reward market. Errors are JSON with a stable `code` and a "
        "human-readable `detail`. Write endpoints that move points accept an `Idempotency-Key` "
        "header."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Served from the vendored sidecar package: no page may need the internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "StateEnum": "rewards.models.RedemptionState",  # its name before drawings came
        "DrawingStateEnum": "rewards.models.DrawingState",
        "DrawingRuleEnum": "rewards.models.DrawingRule",
    },
}

# --- Security ---------------------------------------------------------------------------------
# Set both to true behind HTTPS (a TLS-terminating proxy); plain-HTTP installs keep them false.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One line per event, on the root logger only: Django's own "django" logger would print every
# line a second time. Times carry their UTC offset, as gunicorn's do; run.sh and compose set TZ to
# TIME_ZONE so that gunicorn (which starts before Django sets it) and the app agree.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_errors_plain": {"()": "core.logging.ClientErrorsWithoutTraceback"}},
    "formatters": {
        "line": {
            "format": "[%(asctime)s] %(levelname)s %(name)s: %(message)s",
            "datefmt": "%Y-%m-%d %H:%M:%S %z",
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "line",
            "filters": ["client_errors_plain"],
        }
    },
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

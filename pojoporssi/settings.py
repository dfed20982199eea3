"""Settings, read from the environment (12-factor). See the configuration table in README.md.

With nothing set, a newcomer's first run uses a SQLite file and a Celery broker that keeps its
messages in files under var/, so the app runs with no servers installed. With DATABASE_URL and
REDIS_URL pointing at PostgreSQL and Redis it runs on them, unchanged.
"""

import math
import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Production unless the environment says otherwise: one explicit switch, DJANGO_ENV=development,
# turns DEBUG on and allows the built-in SECRET_KEY and cookies over plain HTTP (scripts/run.sh
# sets it). Anything that forgets to say is a production install, with production's safeguards.
DJANGO_ENV = env.str("DJANGO_ENV", default="production")
if DJANGO_ENV not in ("production", "development"):
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be 'production' or 'development', not {DJANGO_ENV!r}."
    )
DEVELOPMENT = DJANGO_ENV == "development"
DEBUG = env.bool("DEBUG", default=DEVELOPMENT)
if DEBUG and not DEVELOPMENT:
    raise ImproperlyConfigured(
        "DEBUG=true shows secrets on error pages: it is only allowed with DJANGO_ENV=development."
    )
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEVELOPMENT:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set (50 or more random characters, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "For a demo on this machine set DJANGO_ENV=development instead."
        )
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
    "knox",
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "pgtrigger",
    "core",
    "audit",
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
    "audit.middleware.AuditRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.SessionTimeoutMiddleware",
    "core.middleware.LoginRedirectAfterPostMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a sign-in refused for lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
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
# Persistent connections (a new one costs more than a whole award); CONN_MAX_AGE=0 turns them off.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a reused connection is checked before use
# Hot-path statements run prepared on PostgreSQL (`core.sql.execute`); turn off behind a pooler in
# transaction mode (PgBouncer), which cannot keep a session's prepared statements.
SQL_PREPARED_STATEMENTS = env.bool("SQL_PREPARED_STATEMENTS", default=True)
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
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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
        # Falls back to process memory while Redis is down (core/cache.py): pages stay up.
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
        }
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
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message taken but not acknowledged (the worker died: tasks are acks_late) goes back
        # to the queue after this long. Tests that kill workers set it to a few seconds.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # A broker that is down or unreachable must not hold a request: connect fails fast and
        # the job goes to the outbox (core.jobs).
        "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0),
        "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    }
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=1.0)
# Publishing: one quick retry, then give up and let core.jobs keep the job in the outbox.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
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
    # Roster sync: accounts of people past their last working day are closed (sign-in refused,
    # API tokens revoked, ledger untouched). Idempotent: a second run closes nobody twice.
    "people-leavers-close": {
        "task": "people.tasks.leavers_close",
        "schedule": crontab(minute="15", hour="0"),
    },
    # Jobs the broker refused while it was down (core.jobs): published again once it is back.
    "core-outbox-sweep": {
        "task": "core.tasks.outbox_sweep",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30.0),
    },
    # Wish alerts run after every tick, sale start and drawing opening by their own jobs; this
    # catches an event whose job was lost (each alert is sent once, so running more is harmless).
    "pricing-wish-alerts": {
        "task": "pricing.tasks.wish_alerts",
        "schedule": env.float("WISH_ALERTS_BEAT_SECONDS", default=600.0),
    },
    # Award integrity signals for HR (insights.integrity): nightly after the insights, and after
    # every history import. Idempotent: an open flag is refreshed, never duplicated.
    "insights-integrity-scan": {
        "task": "insights.tasks.integrity_scan",
        "schedule": crontab(minute="45", hour="2"),
    },
    # Leavers (rewards.leavers): remind those whose last working day is near to spend their
    # points, then settle the points of those past it (+ grace) under HR's policy. Both are
    # idempotent (a reminder once per person, end date and threshold; a settlement once per
    # person and end date), so a second run the same day does nothing.
    "rewards-leavers-daily": {
        "task": "rewards.tasks.leavers_daily",
        "schedule": crontab(minute="15", hour="1"),
    },
}
if env.bool("DEMO_FAST_SCHEDULE", default=False):
    CELERY_BEAT_SCHEDULE["ledger-budget-periods-open"]["schedule"] = 60.0
if env.str("BUDGET_BEAT_SECONDS", default=""):
    # Tests of beat itself (tests/faults/) run the budget job every few seconds.
    CELERY_BEAT_SCHEDULE["ledger-budget-periods-open"]["schedule"] = env.float(
        "BUDGET_BEAT_SECONDS"
    )

# --- Domain settings --------------------------------------------------------------------------
AWARD_MAX_POINTS = env.int("AWARD_MAX_POINTS", default=500)
"""Hard cap on a single award, whatever the reason's suggested range."""
INTEGRITY_THRESHOLDS = env.json("INTEGRITY_THRESHOLDS", default={})
"""Overrides of the award integrity detectors' thresholds (`insights.analysis.integrity.
Thresholds`), e.g. `{"outlier_z": 4, "burst_hours": 48}`; unknown names are refused."""
NOT_RECOGNISED_WEEKS = env.int("NOT_RECOGNISED_WEEKS", default=4)
""""Not recognised lately": no award and no thanks received for this many weeks (the page's
default; supervisors and HR may pick 2, 4, 8 or 12 weeks there)."""
QUOTE_VALIDITY_SECONDS = env.int("QUOTE_VALIDITY_SECONDS", default=15 * 60)
"""How long a price quote is a promise (spec §3: 15 minutes) until HR saves pricing parameters."""
LEAVER_REMINDER_DAYS = sorted(
    {int(days) for days in env.list("LEAVER_REMINDER_DAYS", default=["30", "7"]) if days.strip()},
    reverse=True,
)
"""Days before the last working day that a leaver is reminded to spend their points (in-app and
e-mail, once per threshold); the wallet and market pages show the notice from the largest."""
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
# Teams and Slack (notifications.chat): the daily "market movers" post, after the night's tick.
CELERY_BEAT_SCHEDULE["pricing-chat-movers"] = {
    "task": "pricing.tasks.chat_movers_post",
    "schedule": crontab(minute="0", hour="9"),  # CELERY_TIMEZONE: Europe/Helsinki
}
CELERY_BEAT_SCHEDULE["pricing-tick"] = {
    # Every window that has closed gets priced within PRICING_BEAT_SECONDS of its end.
    "task": "pricing.tasks.pricing_tick",
    "schedule": PRICING_BEAT_SECONDS,
}

# --- E-mail -----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="pojoporssi@localhost")
# An SMTP server that does not answer must not hold a request (password reset sends at once).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=10)
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
"""Where the pages live, for links in e-mails."""

# --- Teams and Slack (notifications/chat.py) ---------------------------------------------------
CHAT_WEBHOOK_ALLOW_HTTP = env.bool("CHAT_WEBHOOK_ALLOW_HTTP", default=DEVELOPMENT)
"""Allow http:// webhook URLs and private/loopback addresses (a local receiver). Off in
production: only public https hosts are posted to (no SSRF into the internal network)."""
CHAT_WEBHOOK_TIMEOUT_SECONDS = env.float("CHAT_WEBHOOK_TIMEOUT_SECONDS", default=5.0)
CHAT_MAX_ATTEMPTS = env.int("CHAT_MAX_ATTEMPTS", default=6)
"""Tries per post (connection errors, timeouts, 5xx, 429) before it is marked failed."""
CHAT_RETRY_BASE_SECONDS = env.float("CHAT_RETRY_BASE_SECONDS", default=10.0)
"""First retry after about this long, doubling each time (with jitter)."""
CHAT_RETRY_MAX_SECONDS = env.float("CHAT_RETRY_MAX_SECONDS", default=3600.0)

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "people.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with a JSON parser that refuses deep nesting and oversized bodies (a code,
    # not a 500): core/parsers.py. Depth limit: API_JSON_MAX_DEPTH below.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.LimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.schema.ApiSchema",
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
API_JSON_MAX_DEPTH = env.int("API_JSON_MAX_DEPTH", default=32)
"""How deeply arrays and objects may nest in a JSON request body."""
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
        "IntegrityKindEnum": "insights.models.IntegrityKind",
        "IntegrityStatusEnum": "insights.models.IntegrityStatus",
        "RosterImportModeEnum": "people.models.RosterImportMode",
        "RosterImportStatusEnum": "people.models.RosterImportStatus",
        "LeaverModeEnum": "rewards.models.LeaverMode",
        # A chat channel's language has the people's choices; its kind is its own.
        "PreferredLanguageEnum": "people.models.Language",
        "ChatKindEnum": "notifications.models.ChatKind",
    },
}

# --- Sign-in: lockout (django-axes) and API tokens (django-rest-knox) --------------------------
# Axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesBackend",
    # Django's password backend, refusing everyone but superusers when PASSWORD_LOGIN_ENABLED is
    # false (break-glass through /admin/login/).
    "people.sso.backend.PasswordBackend",
    # OpenID Connect (mozilla-django-oidc): answers only the provider's callback, only when
    # OIDC_CLIENT_ID is set.
    "people.sso.backend.SsoBackend",
]
# Failed sign-ins count in the cache (Redis when REDIS_URL is set), shared by every process.
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
# Separate entries: the username OR the address going over the limit locks (not only the pair).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "people.signin.lockout_response"
# The address the API throttles count (X-Forwarded-For only with NUM_PROXIES > 0).
AXES_CLIENT_IP_CALLABLE = "people.signin.client_ip"
AXES_VERBOSE = False
if not REDIS_URL and DEBUG:
    # Axes warns that a per-process cache does not share counts between worker processes: true,
    # and why production sets REDIS_URL; a newcomer's single runserver process counts fine.
    SILENCED_SYSTEM_CHECKS = ["axes.W001"]

API_TOKEN_TTL_HOURS = env.float("API_TOKEN_TTL_HOURS", default=10)
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() <= 0 or API_TOKEN_TTL_HOURS <= 0:
    raise ImproperlyConfigured(
        "LOGIN_FAILURE_LIMIT, LOGIN_COOLOFF_MINUTES and API_TOKEN_TTL_HOURS must be positive."
    )
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",  # what clients of the old DRF tokens already send
    # A refresh is a write on every request; tokens live their TTL and then sign-in again.
    "AUTO_REFRESH": False,
}

# --- Single sign-on (OpenID Connect, mozilla-django-oidc) and password sign-in ---------------
# Off unless OIDC_CLIENT_ID is set. Endpoints come from OIDC_DISCOVERY_URL (read once, cached:
# people/sso/discovery.py) unless given one by one. README, "Single sign-on".
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
SSO_ENABLED = bool(OIDC_CLIENT_ID)
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_DISCOVERY_URL = env.str("OIDC_DISCOVERY_URL", default="")
# Explicit endpoints win over discovery (a provider without it); empty means "from discovery".
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_END_SESSION_ENDPOINT", default="")
OIDC_OP_ISSUER = env.str("OIDC_ISSUER", default="")
if (
    SSO_ENABLED
    and not OIDC_DISCOVERY_URL
    and not (OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT)
):
    raise ImproperlyConfigured(
        "OIDC_CLIENT_ID is set: give OIDC_DISCOVERY_URL (the provider's "
        ".well-known/openid-configuration), or OIDC_AUTHORIZATION_ENDPOINT, OIDC_TOKEN_ENDPOINT "
        "and OIDC_JWKS_ENDPOINT."
    )
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="SSO")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of RP-initiated logout
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT_SECONDS", default=10.0)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
OIDC_CREATE_USERS = env.bool("OIDC_CREATE_USERS", default=False)
OIDC_EMPLOYEE_ID_CLAIM = env.str("OIDC_EMPLOYEE_ID_CLAIM", default="employee_id")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# "pojo-hr=hr,pojo-supervisors=supervisor": group -> role (the highest role wins; a person whose
# groups claim names none of them is an agent). Empty: roles are kept as HR sets them.
OIDC_ROLE_MAP = env.dict("OIDC_ROLE_MAP", default={})
# "group=Team name,...": group -> existing team; or OIDC_TEAM_CLAIM names a claim whose value is
# the team's name. Empty both: teams are kept as HR sets them.
if set(OIDC_ROLE_MAP.values()) - {"hr", "supervisor", "agent"}:
    raise ImproperlyConfigured("OIDC_ROLE_MAP maps groups to hr, supervisor or agent only.")
OIDC_TEAM_MAP = env.dict("OIDC_TEAM_MAP", default={})
OIDC_TEAM_CLAIM = env.str("OIDC_TEAM_CLAIM", default="")
# An e-mail address matches an account only when the provider says it verified it
# (`email_verified`); Entra ID sends no such claim: see README before turning this off.
OIDC_REQUIRE_VERIFIED_EMAIL = env.bool("OIDC_REQUIRE_VERIFIED_EMAIL", default=True)
PASSWORD_LOGIN_ENABLED = env.bool("PASSWORD_LOGIN_ENABLED", default=True)
if not PASSWORD_LOGIN_ENABLED and not SSO_ENABLED:
    raise ImproperlyConfigured(
        "PASSWORD_LOGIN_ENABLED=false needs single sign-on (OIDC_CLIENT_ID): nobody could sign in."
    )
# Password reset by e-mail: requests per client address and per account per hour.
PASSWORD_RESET_RATE_PER_HOUR = env.int("PASSWORD_RESET_RATE_PER_HOUR", default=5)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_SECONDS", default=3600)

# --- Security ---------------------------------------------------------------------------------
# Cookies only over HTTPS, always outside development; the demo on http://localhost may opt out.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False) if DEVELOPMENT else True
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=False) if DEVELOPMENT else True
# Behind a TLS-terminating proxy (docker-compose.yml assumes one): trust its X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
)
# Off unless asked for: a proxy may already redirect, and HSTS is a promise that is hard to undo.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the compose healthcheck asks over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"

# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after
# signing in whatever happens (core.middleware.SessionTimeoutMiddleware).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = env.int("SESSION_MAX_HOURS", default=12) * 3600

# Content Security Policy (django-csp): nothing inline, nothing from elsewhere. The vendored API
# docs pages relax it on their own views only (pojoporssi/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

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

# --- Provisioning (SCIM 2.0, django-scim2): people/scim/ ----------------------------------------
# An identity provider (Entra ID, Okta) creates, changes and deactivates people and teams at
# /scim/v2/ with one bearer token. Only its SHA-256 is configured (`manage.py scim_token` makes a
# token and prints both); unset, SCIM is switched off and every /scim/v2/ address answers 404.
SCIM_TOKEN_SHA256 = env.str("SCIM_TOKEN_SHA256", default="").strip().lower()
if SCIM_TOKEN_SHA256 and not re.fullmatch(r"[0-9a-f]{64}", SCIM_TOKEN_SHA256):
    raise ImproperlyConfigured("SCIM_TOKEN_SHA256 must be 64 hexadecimal digits (a SHA-256).")
SCIM_MAX_BODY_BYTES = env.int("SCIM_MAX_BODY_BYTES", default=1_048_576)
"""The largest SCIM request body (a group PATCH with many members is the big one)."""
SCIM_AUTH_FAILURES_PER_MINUTE = env.int("SCIM_AUTH_FAILURES_PER_MINUTE", default=20)
"""Wrong tokens from one address in a minute before that address gets 429 for the minute."""
SCIM_MAX_RESULTS = 200
"""The most resources one SCIM list response holds (`count` above it is cut to it)."""
SCIM_SERVICE_PROVIDER = {
    "USER_ADAPTER": "people.scim.adapters.PersonAdapter",
    "GROUP_MODEL": "people.models.Team",
    "GROUP_ADAPTER": "people.scim.adapters.TeamAdapter",
    "USER_FILTER_PARSER": "people.scim.filters.PersonFilterQuery",
    "GROUP_FILTER_PARSER": "people.scim.filters.TeamFilterQuery",
    "SERVICE_PROVIDER_CONFIG_MODEL": "people.scim.filters.ServiceProviderConfig",
    "BASE_LOCATION_GETTER": "people.scim.filters.base_location",
    "AUTH_CHECK_MIDDLEWARE": "people.scim.auth.ScimTokenCheck",
    "SCHEMAS_GETTER": "people.scim.filters.schemas",
    "GET_QUERYSET_POST_PROCESSOR_GETTER": "people.scim.filters.queryset_post_processor_getter",
    # Unused (the base location comes from the request), but the library insists on a value.
    "NETLOC": "localhost",
    "AUTHENTICATION_SCHEMES": [
        {
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "One shared token for the identity provider (SCIM_TOKEN_SHA256).",
            "primary": True,
        }
    ],
    "WWW_AUTHENTICATE_HEADER": 'Bearer realm="scim"',
}

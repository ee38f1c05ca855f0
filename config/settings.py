"""The one settings module. Every value comes from the environment with a safe default.

Development defaults need no server: SQLite and Celery on kombu's filesystem transport.
Set GVI_ENVIRONMENT=production to get production behaviour; it refuses to start
without a real SECRET_KEY and FIELD_ENCRYPTION_KEY. Any other value is refused.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("GVI_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# Optional and never committed; the process environment wins over it.
environ.Env.read_env(env.str("GVI_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

ENVIRONMENT = env.str("GVI_ENVIRONMENT", default="development")
if ENVIRONMENT not in ("production", "development"):
    # A typo must not quietly give development behaviour.
    raise ImproperlyConfigured(f"GVI_ENVIRONMENT must be production or development, not {ENVIRONMENT!r}.")
PRODUCTION = ENVIRONMENT == "production"
_DEVELOPMENT_HINT = " (On a development machine leave GVI_ENVIRONMENT unset or set it to development.)"
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)

# Development-only fallbacks. They are refused in production below.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-do-not-use-in-production"
_DEV_FIELD_KEY = "ZGV2LW9ubHktaW5zZWN1cmUtZmllbGQta2V5LTMyYiE="  # dev-only, base64 of 32 bytes

SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
# Fernet keys for personal data encrypted at rest (comma-separated, newest first, for rotation).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEY", default=[_DEV_FIELD_KEY])
# Key for the keyed hash that makes encrypted identity numbers searchable.
SEARCH_HASH_KEY = env.str("SEARCH_HASH_KEY", default=SECRET_KEY)

if PRODUCTION:
    if SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured("Production needs a real SECRET_KEY (40+ characters)." + _DEVELOPMENT_HINT)
    if _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS:
        raise ImproperlyConfigured("Production needs a real FIELD_ENCRYPTION_KEY." + _DEVELOPMENT_HINT)
    if SEARCH_HASH_KEY == SECRET_KEY and not env.bool("GVI_ALLOW_SHARED_HASH_KEY", default=False):
        raise ImproperlyConfigured("Production needs its own SEARCH_HASH_KEY." + _DEVELOPMENT_HINT)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_celery_beat",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "gvi",
    "api",
    "tasks",
    "frontend",
]

MIDDLEWARE = [
    # First: the container health check needs neither an allowed host nor https.
    "config.views.HealthzMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "gvi.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "gvi.middleware.PolicyMemoMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Coordinators and administrators must pass a second factor (GVI_REQUIRE_TWO_FACTOR).
    "frontend.pages.twofactor.TwoFactorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it reads the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

# The admin shows old versions of a record but never restores one (gvi.admin.ScopedAdmin): a
# restore would go past the services. This hides the button; the view refuses the POST.
SIMPLE_HISTORY_REVERT_DISABLED = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a new PostgreSQL connection per request halved the API's throughput
# (bench/README.md). Checked at the start of each request: a restarted database is reconnected to.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, worker and beat share the demo database (tests/test_sqlite_concurrency.py).
    # WAL: readers never wait for the writer. IMMEDIATE: a transaction takes the write lock when it
    # begins, waiting up to `timeout` seconds for another writer; under the default (deferred) a
    # transaction that read before writing fails at once with "database is locked" when another
    # wrote in between, since SQLite cannot wait for it there.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering indexes (INCLUDE) are for PostgreSQL; SQLite uses their key columns, which is fine.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Cache (throttling, idempotency locks) ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# While Redis cannot be reached the cache falls back to a database table (config/cache.py), so the
# API keeps authenticating and throttling. The table is made by a migration (api 0002).
CACHE_FALLBACK_TABLE = "gvi_cache_fallback"
CACHES = {"fallback": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_FALLBACK_TABLE}}
if REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "config.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "FALLBACK": "fallback",
        # A Redis that vanishes without closing the connection costs a request a second, not a hang.
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
else:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}

# --- Authentication --------------------------------------------------------------------
AUTH_USER_MODEL = "gvi.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on through OpenID Connect (issue 17 item 4, frontend/sso.py, mozilla-django-oidc).
# Off by default. The client secret comes from the environment only, never from the repository.
# Who signs in as which organisation and role is decided only by the claim-mapping table (admin).
GVI_OIDC_ENABLED = env.bool("GVI_OIDC_ENABLED", default=False)
GVI_OIDC_PROVIDER_NAME = env.str("GVI_OIDC_PROVIDER_NAME", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_USE_PKCE = env.bool("OIDC_USE_PKCE", default=True)
OIDC_AUTHENTICATION_CALLBACK_URL = "frontend:sso_callback"
OIDC_CREATE_USER = False  # accounts are made by gvi.services.sso from the table, never otherwise
OIDC_TIMEOUT = env.int("OIDC_TIMEOUT", default=10)
# Whether a second factor the provider asserts (ID token `amr`/`acr`) replaces the app's own.
# Off: every single sign-on is still asked for the app's code (django-otp).
GVI_OIDC_TRUST_PROVIDER_MFA = env.bool("GVI_OIDC_TRUST_PROVIDER_MFA", default=False)
GVI_OIDC_MFA_AMR_VALUES = env.list("GVI_OIDC_MFA_AMR_VALUES", default=["mfa"])
GVI_OIDC_MFA_ACR_VALUES = env.list("GVI_OIDC_MFA_ACR_VALUES", default=[])
AUTHENTICATION_BACKENDS.append("frontend.sso.GviOIDCBackend")

LOGIN_URL = "frontend:login"
LOGIN_REDIRECT_URL = "frontend:weekly_review"
LOGOUT_REDIRECT_URL = "frontend:login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "twofactor/locked.html"  # translated, in the site's layout

# Two-factor login (TOTP) for these roles and superusers. On in production; off in development so
# the demo and the browser tests log in with a password only. Tests that need it turn it on.
GVI_REQUIRE_TWO_FACTOR = env.bool("GVI_REQUIRE_TWO_FACTOR", default=PRODUCTION)
# Every role signs in with a second factor (issue 17): partners and analysts read personal data too.
GVI_TWO_FACTOR_ROLES = ("coordinator", "partner_officer", "analyst", "auditor", "administrator")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="gvi")
OTP_TOTP_THROTTLE_FACTOR = 1  # each wrong code doubles the wait before the next try

# Sessions end after SESSION_COOKIE_AGE seconds without a request in production (idle expiry:
# every request renews the cookie), and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60 if PRODUCTION else 8 * 3600)
SESSION_SAVE_EVERY_REQUEST = env.bool("SESSION_SAVE_EVERY_REQUEST", default=PRODUCTION)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Set by gvi.security.SecurityHeadersMiddleware: no camera, microphone, location, payment...
GVI_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Everything is served from this origin: no CDN, so the UI works offline in an agency network.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Internationalisation: Swedish first, English second -------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Stockholm")
USE_TZ = True

# --- Static files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=PRODUCTION)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email (digests): console in development --------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="gvi@localhost")

# --- Celery ----------------------------------------------------------------------------
# Without a broker URL the jobs run on kombu's filesystem transport: no server needed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "store_processed": False,
        # Broadcast (control) messages; the default is a folder relative to the working directory.
        "control_folder": str(VAR_DIR / "celery-control"),
    }
# How long a task may take. At the soft limit the task gets SoftTimeLimitExceeded (and is retried
# with backoff: every task is idempotent); at the hard limit its pool process is killed. The
# longest task, a scoring run at national scale, takes about 10 s (bench/README.md).
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=180)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=240)
# The longest countdown a task is sent with: retry backoff (tasks.followups.RETRYING). The
# scoring's coalescing delay (GVI_SCORING_COALESCE_SECONDS, below) must stay under it too.
GVI_TASK_MAX_COUNTDOWN = 120
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task whose worker died unacknowledged is delivered again after this many seconds (plus up
    # to the sweep interval). A worker holds a task, unacknowledged, from delivery through its
    # countdown, a wait for a free pool process (at most one running task) and its own run: at
    # most GVI_TASK_MAX_COUNTDOWN + 2 x CELERY_TASK_TIME_LIMIT = 600 s. The timeout must exceed
    # that, or a task still held by a live worker is delivered again and runs twice
    # (tests/tasks/test_task_limits.py checks it). README.md, "Jobs and faults".
    _worst_hold = GVI_TASK_MAX_COUNTDOWN + 2 * CELERY_TASK_TIME_LIMIT
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=_worst_hold + 180),  # 780 s
        # Every worker looks for tasks past the timeout this often (kombu's default, 10 s x a
        # throttle of 10, checked every 100 s).
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# A worker killed mid-task must not lose the task: acknowledge after it ran.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task still running when the broker connection is lost cannot be acknowledged on the new one:
# Redis delivers it again after the visibility timeout. Stop it, so that it does not run twice
# (Celery 6's default). A Redis restart under a worker: config/kombu_fixes.py.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A burst of new incidents is scored once, this many seconds after the first (tasks/scoring.py).
GVI_SCORING_COALESCE_SECONDS = env.int("GVI_SCORING_COALESCE_SECONDS", default=20)
# Every contribution of a run is stored for its first ranks and for the groups a flag refers to
# (the open suggestion, the confirmed flag); the other groups' are computed on demand
# (docs/scoring.md, "Every contribution is kept").
GVI_SCORING_EXPLAINED_RANKS = env.int("GVI_SCORING_EXPLAINED_RANKS", default=1)

# --- REST framework --------------------------------------------------------------------
REST_FRAMEWORK = {
    # API keys for partners' systems; sessions for the UI (and for trying the API in /api/docs/).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.GviAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "api.pagination.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StableCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.APIKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
# How long a POST's Idempotency-Key is remembered (per organisation).
API_IDEMPOTENCY_TTL_HOURS = env.int("API_IDEMPOTENCY_TTL_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "gvi partner API",
    # The guide for partners (api/schema_hooks.py adds it, and a description per tag) lives in the
    # schema itself: Swagger UI shows it at /api/docs/.
    "DESCRIPTION": "Partners in a group violence intervention programme log their work here.",
    "VERSION": "1.0.0",
    # Relative: the server that serves the schema is the server to call.
    "SERVERS": [{"url": "/", "description": "The gvi server that serves this schema."}],
    # PATCH bodies here are not partial updates: each sets a required status.
    "COMPONENT_SPLIT_PATCH": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema_hooks.stable_names_and_enum_descriptions",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One named enum per choice set (several models have a "status" or a "kind").
    "ENUM_NAME_OVERRIDES": {
        name: f"gvi.models.{name}"
        for name in [
            "Confidence",
            "Sex",
            "GroupStatus",
            "MembershipRole",
            "MembershipStatus",
            "RiskKind",
            "RiskLevel",
            "ServiceKind",
            "ReferralStatus",
            "NotificationResponse",
            "CallInStatus",
            "MessageKind",
            "InvitationStatus",
            "EnforcementKind",
            "FollowUpStatus",
            "FollowUpOrigin",
            "IncidentType",
            "VerificationStatus",
            "InvolvementRole",
            "SupervisionKind",
            "ExitCaseStatus",
            "RelationKind",
            "AttributionStatus",
        ]
    }
    | {"ErrorCode": "api.exceptions.ErrorCode"},
}

# --- Programme rules -------------------------------------------------------------------
GVI_MINOR_AGE = 18

# Retention (gvi.retention): a person with no activity (no record about them created or changed,
# no current supervision, membership, open follow-up or open request) for this many years is
# purged; a person who was a minor at their last activity sooner. Incidents older than
# GVI_RETENTION_INCIDENT_YEARS keep only statistics (type, time, area, casualties).
GVI_RETENTION_PERSON_YEARS = env.int("GVI_RETENTION_PERSON_YEARS", default=5)
GVI_RETENTION_MINOR_YEARS = env.int("GVI_RETENTION_MINOR_YEARS", default=3)
GVI_RETENTION_INCIDENT_YEARS = env.int("GVI_RETENTION_INCIDENT_YEARS", default=5)
# Periods by record kind, and by the owning organisation's kind where agencies differ (JSON), e.g.
# GVI_RETENTION_YEARS_BY_KIND='{"risk_assessment": 3}' and
# GVI_RETENTION_YEARS_BY_ORGANISATION_KIND='{"municipality": {"concern_report": 5}}'.
GVI_RETENTION_YEARS_BY_KIND = env.json("GVI_RETENTION_YEARS_BY_KIND", default={})
GVI_RETENTION_YEARS_BY_ORGANISATION_KIND = env.json("GVI_RETENTION_YEARS_BY_ORGANISATION_KIND", default={})
# Scoring runs (and their group scores) scored as of more than this many days ago are deleted,
# except each programme's latest run and any run a flag refers to. 400 days keeps a year of
# trends and history with margin.
GVI_RETENTION_SCORING_RUN_DAYS = env.int("GVI_RETENTION_SCORING_RUN_DAYS", default=400)
# The access log is kept this many days (counted from each entry), then pruned by its own job
# (gvi.access_chain.prune, `manage.py prune_access_log`); nothing else removes its rows.
GVI_ACCESS_LOG_KEEP_DAYS = env.int("GVI_ACCESS_LOG_KEEP_DAYS", default=3 * 365)
# Research exports: every combination of age band, sex, area and group in a package is shared by at
# least this many persons, or it is generalised or suppressed (docs/evaluation.md).
GVI_RESEARCH_EXPORT_K = env.int("GVI_RESEARCH_EXPORT_K", default=5)
# Imports from spreadsheets (docs/imports.md): the largest file accepted, an XLSX's limits before
# anything is unpacked (zip bombs), where uploaded files wait between the preview and the import,
# and up to how many rows a file is imported inside the request instead of as a background job.
GVI_IMPORT_MAX_BYTES = env.int("GVI_IMPORT_MAX_BYTES", default=40 * 1000 * 1000)
GVI_IMPORT_MAX_UNPACKED_BYTES = env.int("GVI_IMPORT_MAX_UNPACKED_BYTES", default=400 * 1000 * 1000)
GVI_IMPORT_MAX_RATIO = env.int("GVI_IMPORT_MAX_RATIO", default=100)
GVI_IMPORT_MAX_MEMBERS = 200
GVI_IMPORT_DIR = Path(env.str("GVI_IMPORT_DIR", default=str(VAR_DIR / "imports")))
GVI_IMPORT_INLINE_ROWS = env.int("GVI_IMPORT_INLINE_ROWS", default=500)
# An uploaded file not confirmed within this many hours is deleted and its run marked expired
# (tasks.imports.expire_imports, hourly): the file holds personal data nobody decided to import.
GVI_IMPORT_EXPIRE_HOURS = env.int("GVI_IMPORT_EXPIRE_HOURS", default=24)
# Where users report an accessibility problem (the accessibility statement, /accessibility/): the
# deploying agency's e-mail address or phone number. Empty: the statement points to the coordinator.
GVI_ACCESSIBILITY_CONTACT = env.str("GVI_ACCESSIBILITY_CONTACT", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

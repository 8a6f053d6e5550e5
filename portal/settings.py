"""Settings for the Provider Resolution Portal.

Every setting that differs between machines comes from the environment (django-environ);
README.md lists each variable. The embedded default (no variables set) is SQLite under
``var/``, a filesystem Celery broker under ``var/`` and e-mail written to ``var/mail``: a
newcomer runs the whole portal with no servers.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.contrib.messages import constants as message_constants

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# Insecure key for development only; the `portal.E001` deploy check refuses it in
# production, so a deployment that forgets SECRET_KEY cannot pass `check --deploy`.
DEV_SECRET_KEY = "django-insecure-dev-only-provider-resolution-portal-not-for-production"  # noqa: S105

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The public address of the portal, used in e-mailed links (no request is at hand there).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "csp",
    "portal",
    "deadlines",
    "registration",
    "tickets",
    "reports",
    "jobs",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # R-SEC-2: the request id and client address of audit rows and log lines.
    "portal.middleware.RequestContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # R-SEC-2: Cache-Control: private, no-store for signed-in people (above sessions).
    "portal.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # R-SEC-3: renews the idle timeout, one session write a minute (below sessions).
    "portal.middleware.SessionTouchMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.StaffMFAMiddleware",
    "portal.middleware.AccessRuleMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue on the
    # busy timeout instead of failing half-way ("database is locked").
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Server-side parameters, and each statement prepared on its connection after it ran
    # this many times there: PostgreSQL then plans a page's queries once per connection,
    # not on every request (issue 14, docs/decisions/0013-throughput.md). A generic plan
    # uses the queues' partial indexes because choice values are written into the SQL
    # (portal.lookups). 0 turns it off (a pooler that cannot keep prepared statements).
    _prepare_threshold = env.int("DB_PREPARE_THRESHOLD", default=5)
    if _prepare_threshold:
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=_prepare_threshold)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMBEDDED_DEFAULT = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"

# --- Cache, broker, jobs --------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Redis down must not mean the portal down (issue 15, portal/cache.py).
    CACHES = {"default": {**env.cache_url_config(REDIS_URL),
                          "BACKEND": "portal.cache.ResilientRedisCache"}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # One folder for both directions: one `celery worker -B` process is producer and
    # consumer (STACK-NOTES: the two options must name the same folder).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast exchanges too, or kombu writes ./control in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = "America/Chicago"
CELERY_TASK_IGNORE_RESULT = True
# A publish to a broker that is down fails fast (the outbox and the jobs table keep what
# is to be done, and their sweeps publish it again); never a request waiting on retries.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# How often the beat jobs run, in seconds.
DEADLINE_SWEEP_SECONDS = env.int("DEADLINE_SWEEP_SECONDS", default=60)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=60)
REPORTS_REFRESH_SECONDS = env.int("REPORTS_REFRESH_SECONDS", default=300)

# --- Accounts (django-allauth) --------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "landing"
ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
# The portal's name in page titles' place and in every e-mail (issue 12).
PORTAL_NAME = env.str("PORTAL_NAME", default="Provider Resolution Portal")
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{PORTAL_NAME}] "
ACCOUNT_PREVENT_ENUMERATION = True
# R-SEC-3: logins are rate-limited (per IP and per account), as are resets and sign-ups.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "portal.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "Illinois HFS Provider Resolution Portal"
MFA_RECOVERY_CODE_COUNT = 10

# R-SEC-3: idle sessions end. A request renews the session (portal.middleware.
# SessionTouchMiddleware), at most once every SESSION_TOUCH_SECONDS, so it ends between
# SESSION_IDLE_MINUTES less that minute and SESSION_IDLE_MINUTES without a request; one
# session write a minute, not one a request (issue 14, docs/decisions/0013-throughput.md).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ENGINE = "django.contrib.sessions.backends.db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Staff invitations: how long the set-password link in the invitation stays valid.
PASSWORD_RESET_TIMEOUT = env.int("INVITATION_VALID_SECONDS", default=3 * 24 * 3600)

# --- E-mail ---------------------------------------------------------------------------
# The embedded default writes each message to a file under var/mail, for a person to read.
# A deployment sets EMAIL_BACKEND to Django's SMTP backend and the EMAIL_HOST_* variables.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="HFS Provider Resolution <noreply@portal.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/Chicago"
USE_I18N = True
# Sentence case for django-allauth's English (portal/locale/en/LC_MESSAGES/django.po).
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
USE_TZ = True

# --- Static files (USWDS is vendored under static/vendor, never a CDN) -----------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # R-SEC-4: uploads live outside the static path, served only by access-checked views.
        "OPTIONS": {"location": env.str("MEDIA_ROOT", default=str(VAR_DIR / "uploads"))},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = DEBUG

MESSAGE_TAGS = {
    message_constants.DEBUG: "info",
    message_constants.INFO: "info",
    message_constants.SUCCESS: "success",
    message_constants.WARNING: "warning",
    message_constants.ERROR: "error",
}

# --- Security -------------------------------------------------------------------------
HTTPS = env.bool("HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# R-SEC-2: how many reverse proxies of ours stand in front of the portal. 0: the client is
# REMOTE_ADDR and X-Forwarded-For is ignored; N: the client is the N-th address from the
# right of X-Forwarded-For (portal.audit.client_ip). allauth's rate limits use the same.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# A strict Content-Security-Policy: our own origin only, no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# Log lines carry time, level, logger and the request id (portal/logformat.py): one JSON
# object a line in production (DEBUG off), readable text with DEBUG on. Nothing logs a
# secret or PHI; the formatters blank the deployment's secrets as a safety net.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.logformat.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "portal.logformat.JsonFormatter"},
        "text": {"()": "portal.logformat.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "text" if DEBUG else "json",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Every form field renders through one USWDS component (templates/components/field.html).
FORM_RENDERER = "portal.forms.PortalFormRenderer"

# The Django admin (superusers only) lives at an address of the deployment's choosing.
ADMIN_URL = env.str("ADMIN_URL", default="django-admin/")

# --- Deadlines (SPEC §5) --------------------------------------------------------------
# R-CLK-3: a calendar-day period whose last day is not a business day runs to the next one.
DEADLINES_ROLL_FORWARD = env.bool("DEADLINES_ROLL_FORWARD", default=True)
# The party who must act is reminded this many business days before a clock runs out.
CLOCK_REMINDER_BUSINESS_DAYS = env.int("CLOCK_REMINDER_BUSINESS_DAYS", default=2)

# --- Attachments (R-SEC-4; checked by content in portal/uploads.py) ---------------------
ATTACHMENT_MAX_FILE_BYTES = env.int("ATTACHMENT_MAX_FILE_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_TICKET_BYTES = env.int("ATTACHMENT_MAX_TICKET_BYTES", default=25 * 1024 * 1024)
ATTACHMENT_MAX_FILES_PER_TICKET = env.int("ATTACHMENT_MAX_FILES_PER_TICKET", default=10)

# --- Audit log (R-SEC-2) ---------------------------------------------------------------
# The audit reader's export holds at most this many rows (the newest that match); the page
# asks for a narrower search beyond it (docs/decisions/0006-audit-log.md).
AUDIT_EXPORT_MAX_ROWS = env.int("AUDIT_EXPORT_MAX_ROWS", default=10_000)
# Background jobs (issue 11, docs/decisions/0009-background-jobs.md): how long a made file
# is kept before the beat task deletes it, and after how long a job that never finished is
# marked failed (hours); the All-tickets export holds at most this many tickets.
JOB_FILE_HOURS = env.int("JOB_FILE_HOURS", default=24)
JOB_STALE_HOURS = env.int("JOB_STALE_HOURS", default=6)
TICKET_EXPORT_MAX_ROWS = env.int("TICKET_EXPORT_MAX_ROWS", default=100_000)

# --- The integration API (issue 13, docs/api.md) ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_read": env.str("API_READ_RATE", default="600/min"),
        "api_write": env.str("API_WRITE_RATE", default="120/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "DATETIME_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Provider Resolution Portal API",
    "DESCRIPTION": (
        "Work Illinois Medicaid provider–MCO dispute tickets from your own system: MCOs "
        "answer the tickets presented to them; provider organisations and billing agents "
        "file and follow theirs. Every rule of the portal applies. Authenticate with "
        "`Authorization: Bearer <token>`; errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.forbid_unknown_fields",
    ],
}
# The largest API request (a ticket's attachment allowance and its fields).
API_MAX_REQUEST_BYTES = env.int("API_MAX_REQUEST_BYTES",
                                default=ATTACHMENT_MAX_TICKET_BYTES + 1024 * 1024)
# Idempotency keys are answered again for this long (api.tasks removes older ones).
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# Webhook addresses must be https, except these hosts (a receiver on this machine, in tests
# and development).
API_WEBHOOK_HTTP_HOSTS = env.list("API_WEBHOOK_HTTP_HOSTS", default=[])
# How often the beat queues and sends webhook deliveries, in seconds (api.tasks).
API_WEBHOOK_SECONDS = env.int("API_WEBHOOK_SECONDS", default=15)
# Outage relief (issue 15, deadlines.outages): clocks due in an outage, or within this many
# business days after it, move to this many business days after it ended.
OUTAGE_RELIEF_BUSINESS_DAYS = env.int("OUTAGE_RELIEF_BUSINESS_DAYS", default=2)

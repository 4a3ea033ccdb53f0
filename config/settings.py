"""Settings, read from the environment (12-factor).

Unset DATABASE_URL → an SQLite file next to manage.py (embedded mode).
Unset REDIS_URL → Celery runs tasks inline and timers are swept by
``manage.py run_timers`` (embedded mode, no broker needed).
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="insecure-development-key-change-me" if DEBUG else None)
if not SECRET_KEY:
    # Fail loudly rather than run production with a guessable key.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.forms",  # Django's widget templates, for FORM_RENDERER below
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_htmx",
    "js_lib_htmx",
    "csp",
    "pgtrigger",
    "pghistory",
    "accounts",
    "referrals",
    "safety",
    "patrols",
    "dashboards",
]

MIDDLEWARE = [
    "accounts.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.validation.RejectNulBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.request_cache.RequestCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.AgreementMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.HistoryContextMiddleware",
    "accounts.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]
if env("DATABASE_REPLICA_URL", default=""):
    # Inside the session middleware: saving the session after the view is not a write of the request.
    MIDDLEWARE.insert(MIDDLEWARE.index("axes.middleware.AxesMiddleware"), "config.routers.ReplicaRoutingMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "accounts.context_processors.navigation",
                "accounts.context_processors.session",
            ],
        },
    },
]

# Forms render with the project's template engine, so templates/django/forms/widgets/ can write a
# select's or a radio list's options inline (one template per option made list pages slow).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Reuse connections, but check them first so a restarted Postgres is
    # picked up again without manual action.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# DATABASE_POOLING=transaction: DATABASE_URL points at PgBouncer in transaction mode, where consecutive
# transactions of one client may run on different server connections. Nothing may outlive a transaction:
# no server-side cursors (.iterator() would DECLARE ... WITH HOLD on one server and FETCH on another) and
# no prepared statements (PgBouncer 1.18 does not carry them). The database also needs `ALTER DATABASE …
# SET timezone TO 'UTC'`, so Django has no session-level time zone to set on connect.
DATABASE_POOLING = env("DATABASE_POOLING", default="")
if DATABASE_POOLING not in ("", "session", "transaction"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DATABASE_POOLING must be empty, 'session' or 'transaction', not {DATABASE_POOLING!r}")
if DATABASE_POOLING == "transaction" and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
# A streaming replica of the primary (config/routers.py): the dashboards, the search page and the
# exports may read from it. Unset → one database, no router, no routing middleware.
if env("DATABASE_REPLICA_URL", default=""):
    _replica = env.db("DATABASE_REPLICA_URL")
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("DATABASE_REPLICA_URL must name the same kind of database as DATABASE_URL.")
    # The same connection handling as the primary (reuse, health checks, options); only where it is differs.
    # DISABLE_SERVER_SIDE_CURSORS: the exports' .iterator() read here, behind the same pooler (DATABASE_POOLING).
    for _key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        if _key in DATABASES["default"]:
            _replica[_key] = DATABASES["default"][_key]
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
# Seconds a user who has just saved something reads only the primary (read-your-writes after a redirect).
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
# Log each routing choice (logger config.routers, DEBUG): alias, model and reason.
REPLICA_LOG_CHOICES = env.bool("REPLICA_LOG_CHOICES", default=False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis / Celery / cache -----------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED = not REDIS_URL
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "psw",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = EMBEDDED
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
# A failed publish must not block a request: the outbox sweep delivers later.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "UTC"
# E-mail has its own queue and worker, so a hanging mail server never takes the slots of the timer sweeps.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "accounts.tasks.send_notification_email": {"queue": "email"},
    "accounts.tasks.send_email_message": {"queue": "email"},
    "accounts.tasks.deliver_pending_emails": {"queue": "email"},
    # Outbound calls that may hang on a slow receiver stay off the timer worker too.
    "accounts.tasks.deliver_webhooks": {"queue": "email"},
    "accounts.tasks.send_sms": {"queue": "email"},
    "accounts.tasks.deliver_pending_sms": {"queue": "email"},
    "accounts.tasks.send_push": {"queue": "email"},
}
# How often the timer sweep runs (seconds); the sweep itself is idempotent. A deadline waits up to one
# interval plus the sweep's own time; if a worker dies in the middle of a sweep, its unfired steps wait
# for the next one, so up to two intervals. 20 s keeps even that under the 60 s escalation target
# (scripts/scale-drill measured p99 82 s at 60 s with a worker killed mid-sweep); an idle sweep is a
# few indexed queries.
TIMER_SWEEP_INTERVAL = env.int("TIMER_SWEEP_INTERVAL", default=20)

# --- Authentication and security ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes: lock a username *from one address* after 5 failures, so one
# officer's typos cannot lock out a whole station behind one NAT address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# One client-address function for the lockout and the access log (django-ipware, PROXY_COUNT below).
AXES_CLIENT_IP_CALLABLE = "accounts.access_log.client_ip"

# Password reset: links valid for one day; requests limited per client address and per account
# (an account over its limit gets no further mail, and the page says the same as always).
PASSWORD_RESET_TIMEOUT = 24 * 60 * 60
PASSWORD_RESET_LIMIT_PER_ADDRESS = env.int("PASSWORD_RESET_LIMIT_PER_ADDRESS", default=5)  # per hour
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env.int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", default=3)  # per hour

# /healthz tells anonymous callers only up or down; details go to signed-in staff and to
# probes that send this token in an X-Healthz-Token header (unset: no token accepted).
HEALTHZ_TOKEN = env("HEALTHZ_TOKEN", default="")

# guardian: no anonymous user object; object grants use direct FK models.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Session: idle timeout and absolute lifetime (seconds), enforced by
# accounts.middleware.SessionTimeoutMiddleware.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

SECURE = env.bool("SECURE", default=not DEBUG)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Reverse proxies in front of the app, each appending the address it saw to X-Forwarded-For.
# 0: the client is REMOTE_ADDR and X-Forwarded-For is ignored (a client could forge it).
PROXY_COUNT = env.int("PROXY_COUNT", default=1 if BEHIND_TLS_PROXY else 0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: everything from our own origin, nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [("zh-hant", _("Traditional Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Taipei")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@police-social-work.local")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Seconds a mail server may stay silent before a send gives up (and the e-mail waits for a retry).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Requests and timer sweeps never talk to the mail server themselves: they queue the e-mail.
# "celery": a task on the separate `email` queue (its own worker, with time limits);
# "outbox": the row waits in the database outbox and `run_timers` sends it from its own thread.
EMAIL_DELIVERY = env("EMAIL_DELIVERY", default="outbox" if EMBEDDED else "celery")
if EMAIL_DELIVERY not in ("celery", "outbox"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('EMAIL_DELIVERY must be "celery" or "outbox".')

# --- SMS (accounts.sms): alarms, duress and second-level missed check-outs also go by text ----------
# "accounts.sms.backends.console.SmsBackend" prints; ".locmem." keeps them in memory (tests);
# ".twilio." posts to a Twilio-compatible gateway at SMS_GATEWAY_URL (…/Messages.json).
SMS_BACKEND = env("SMS_BACKEND", default="accounts.sms.backends.console.SmsBackend")
SMS_ENABLED = env.bool("SMS_ENABLED", default=True)
SMS_GATEWAY_URL = env("SMS_GATEWAY_URL", default="")
SMS_ACCOUNT_SID = env("SMS_ACCOUNT_SID", default="")
# Also the key of the gateway's signature on delivery receipts: receipts are refused while it is empty.
SMS_AUTH_TOKEN = env("SMS_AUTH_TOKEN", default="")
SMS_FROM = env("SMS_FROM", default="")
# Seconds the gateway may stay silent before an attempt gives up (and the text waits for a retry).
SMS_TIMEOUT = env.int("SMS_TIMEOUT", default=10)
# Local numbers ("0912…") are sent as +<code>912….
SMS_COUNTRY_CODE = env("SMS_COUNTRY_CODE", default="886")

# --- Browser push (Web Push with VAPID, accounts.push): on-call, escalation and safety alerts ---------
# A key pair from `manage.py generate_vapid_keys`; push is off while either key is empty. The subject is
# a contact for the push services (mailto: or https:). Pushes are extra: the in-app notice, e-mail and
# SMS go regardless, so a device that is off or a push service that is down loses nothing.
VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY", default="")
VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY", default="")
VAPID_SUBJECT = env("VAPID_SUBJECT", default=f"mailto:{DEFAULT_FROM_EMAIL}")
PUSH_ENABLED = env.bool("PUSH_ENABLED", default=True)
# Seconds a push service may stay silent before a send gives up (a push is not retried).
PUSH_TIMEOUT = env.int("PUSH_TIMEOUT", default=10)
# Notice kinds that also go to the recipients' devices.
PUSH_KINDS = frozenset({"on_call", "escalation", "safety_alert"})

# --- Keys: field encryption (national ID numbers), search hashes, key rotation ------------
# Older signing keys still accepted for sessions, password-reset links and signed values while
# SECRET_KEY is being rotated (README, "Rotating keys").
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Fernet keys of their own, independent of SECRET_KEY: the first encrypts, all decrypt
# (accounts.crypto). Rotate by putting a new key first and running `manage.py reencrypt_fields`.
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS",
    default=["ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcmVhbC11c2U="] if DEBUG else [],  # development only
)
# Key of the keyed hashes that allow exact search on encrypted values and hashed search terms in the log.
SEARCH_HASH_KEY = env("SEARCH_HASH_KEY", default="development-search-hash-key-not-for-real-use" if DEBUG else "")
for _name in ("FIELD_ENCRYPTION_KEYS", "SEARCH_HASH_KEY"):
    if not vars()[_name]:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{_name} must be set when DEBUG is off (it is not derived from SECRET_KEY).")

# --- REST framework / OpenAPI -----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "accounts.auth.IntegrationTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "accounts.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accounts.api.exception_handler",
    # Duplicate lookups while filing (page and API share one allowance per user): referrals/lookups.py
    "DEFAULT_THROTTLE_RATES": {
        "referral_suggestions": env("REFERRAL_SUGGESTION_RATE", default="30/min"),
        "referral_suggestions_day": env("REFERRAL_SUGGESTION_DAILY_RATE", default="500/day"),
    },
}
# API tokens (django-rest-knox): only a hash is stored, each expires, integration accounts only
# (minted with `manage.py mint_api_token` or in the admin).
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=API_TOKEN_DAYS),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 10,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Police social work API",
    "DESCRIPTION": "Referrals between police stations and social-work teams, worker safety and community policing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs pages describe every endpoint: signed-in users only, outside development.
    "SERVE_PERMISSIONS": [
        "rest_framework.permissions.AllowAny" if DEBUG else "rest_framework.permissions.IsAuthenticated"
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "referrals.models.Status",
        "DeclineReasonEnum": "referrals.models.DeclineReason",
        "ReferralOutcomeEnum": "referrals.models.Outcome",
        "PatrolOutcomeEnum": "patrols.models.Outcome",
        "FailureReasonEnum": "referrals.models.FailureReason",
        "ReferralGapEnum": "referrals.models.ReferralGap",
    },
}

# --- Logging: no personal data, just events -------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
if REPLICA_LOG_CHOICES:
    LOGGING["loggers"]["config.routers"] = {"level": "DEBUG"}

PGHISTORY_MIDDLEWARE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Retention schedule defaults in days per record type (RETENTION_DAYS="referral=2555,access_log=2190");
# administrators can override each in the admin (retention rules).
RETENTION_DAYS = {k: int(v) for k, v in env.dict("RETENTION_DAYS", default={}).items()}
# Decisions a social worker makes that wait for a supervisor's approval (accounts/approvals.py).
APPROVALS = env.list(
    "APPROVALS",
    default=[
        "referral.decline",
        "referral.close:declined_service",
        "referral.close:not_eligible",
        "referral.close:could_not_contact",
        "safety.remove_flag",
    ],
)
OFFICERS_SEE_STATION_REFERRALS = env.bool("OFFICERS_SEE_STATION_REFERRALS", default=True)
# The dashboard tiles' targets (dashboards/targets.py has the defaults), overridden per figure, e.g.
# DASHBOARD_TARGETS='{"on_time": {"green": 95, "amber": 85}, "overdue_now": {"amber": 2}}'.
DASHBOARD_TARGETS = env.json("DASHBOARD_TARGETS", default={})

"""Settings for the partner portal: one module, read from the environment.

Every variable has a default that makes the embedded demo work with no services at all (SQLite,
Celery tasks run eagerly, local-memory cache). Production is ``DEBUG=0``: it then refuses to start
without ``SECRET_KEY`` and ``ALLOWED_HOSTS`` and turns on every deployment hardening that
``manage.py check --deploy`` looks for.
"""

from __future__ import annotations

import logging
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from core.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# ------------------------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-demo-only-never-use-in-production")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Set DEBUG=1 for local development."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set when DEBUG is off (a comma-separated list of host names)."
        )

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
    # Third party
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "allauth.mfa",
    "guardian",
    "django_filters",
    "django_htmx",
    # Ours
    # The shell below every app: installed for its template library (core/templatetags).
    "core",
    "accounts",
    "partners",
    "sso",
    "signin",
    "offers",
    "orders",
    "registrations",
    "selfservice",
    "integrations",
    # The project package, on top: installed for its seed_demo command, which imports every app.
    "portal",
    # The fake Zuora and Salesforce servers (`manage.py run_fakes`) for the demo, the tests and
    # the benchmarks. Installed for its command only: no production module imports it.
    "integrations.fakes",
]

MIDDLEWARE = [
    # /livez, /readyz (/healthz) and /metrics, answered before anything else (portal/middleware.py).
    "portal.middleware.HealthzMiddleware",
    # The request id, the access-log line and the latency by view (portal/observability.py).
    "portal.observability.RequestMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A NUL (or another control character) in the address: 400 before anything reads it.
    "core.middleware.RejectControlCharactersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "core.body_limit.RequestBodyLimitMiddleware",  # 413 before a too-large body is read
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language from Accept-Language (one of LANGUAGES): prices and dates follow it
    # (core.formatting).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After authentication: sign out idle sessions and partner users whose organisation or
    # membership was deactivated (or whose organisation now requires SSO), then keep staff
    # without TOTP out of /admin/ and /backoffice/.
    "signin.middleware.IdleTimeoutMiddleware",
    "signin.middleware.PartnerSessionMiddleware",
    "signin.middleware.StaffMfaMiddleware",
    "signin.sso_middleware.SsoFailureLogMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "django.template.context_processors.csp",
                "portal_access.context_processors.portal_nav",
            ],
        },
    },
]
# Widgets drawn in Python, with the same HTML as Django's widget templates (core/renderers.py).
FORM_RENDERER = "core.renderers.WidgetRenderer"

# ------------------------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------------------------
# No DATABASE_URL: a SQLite file next to manage.py, the embedded demo. Tests and production use
# PostgreSQL through psycopg 3 (postgres://user@host:5432/name).
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: a new connection per request halves throughput (PERFORMANCE.md).
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Server-side binding, so that psycopg prepares a statement the connection has run five
    # times (its prepare_threshold): PostgreSQL then parses and plans it once, not on every
    # request. Planning was most of each query's time here (the signed-in user's six-table read:
    # 0.38 ms unprepared, 0.06 ms prepared; bench/results/pages.md). Off for a pooler that
    # cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's web process and its worker write to one SQLite file: wait for the lock rather
    # than fail, and take it when a transaction starts (no deadlock upgrading a read to a write).
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------------------------
# Redis, cache, Celery
# ------------------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# /readyz trusts a passing check for this many seconds in each process (portal/health.py).
HEALTH_CHECK_INTERVAL = env.float("HEALTH_CHECK_INTERVAL", default=1.0)

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, keeping one client instead of one a call (core/cache.py).
            "BACKEND": "core.cache.KeptClientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# No broker configured: tasks run eagerly in the web process (the demo). REDIS_URL or
# CELERY_BROKER_URL set: a real worker consumes them.
# The in-memory broker names a host: without one, kombu warns ("No hostname was supplied") the
# first time an eager task takes a producer from the pool.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://")
)
# A task run eagerly (no broker) never turns its failure into the request's: the outbox row
# records it instead.
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Redis redelivers a message not acknowledged within this time. No task is ever scheduled with a
# countdown longer than half of it (OUTBOX_MAX_COUNTDOWN): a longer wait is left to the beat job,
# so a delayed message is never delivered twice.
BROKER_VISIBILITY_TIMEOUT = env.int("BROKER_VISIBILITY_TIMEOUT", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": BROKER_VISIBILITY_TIMEOUT
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The demo's broker that needs no server (kombu's filesystem transport): messages are files
    # in one folder, which the web process writes and the worker reads.
    _broker_dir = Path(env.str("CELERY_BROKER_DIR", default=str(BASE_DIR / ".broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Where the worker's remote-control exchanges live (else ./control in the cwd).
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
OUTBOX_MAX_COUNTDOWN = BROKER_VISIBILITY_TIMEOUT / 2
# Publishing to a broker that is down fails fast instead of hanging the request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False


# ------------------------------------------------------------------------------------------------
# Integrations: Zuora (SOAP, zeep) and Salesforce (REST, simple-salesforce)
# ------------------------------------------------------------------------------------------------
# Defaults point at the bundled fakes (`manage.py run_fakes`) with the demo credentials they
# accept. A real tenant sets its own WSDL file (Zuora generates one per tenant), endpoint and user.
ZUORA_WSDL = Path(
    env.str(
        "ZUORA_WSDL",
        default=str(BASE_DIR / "integrations" / "zuora" / "wsdl" / "zuora.a.82.0.wsdl"),
    )
)
ZUORA_ENDPOINT = env.str("ZUORA_ENDPOINT", default="http://127.0.0.1:8101/apps/services/a/82.0")
ZUORA_USERNAME = env.str("ZUORA_USERNAME", default="api@vendor.example")
ZUORA_PASSWORD = env.str("ZUORA_PASSWORD", default="demo-zuora-2026")
# Seconds for any one HTTP call (zeep has no timeout of its own).
ZUORA_TIMEOUT = env.float("ZUORA_TIMEOUT", default=30.0)
# A page that waits for Zuora (an invoice's PDF) waits this long at most, then says so.
ZUORA_PAGE_TIMEOUT = env.float("ZUORA_PAGE_TIMEOUT", default=10.0)
# A session is renewed before Zuora's idle timeout (15 minutes by default) would expire it.
ZUORA_SESSION_TTL = env.int("ZUORA_SESSION_TTL", default=10 * 60)
# Subscription.Name = prefix + order number: keeps environments sharing a sandbox apart.
ZUORA_NAME_PREFIX = env.str("ZUORA_NAME_PREFIX", default="PP-")
ZUORA_PAYMENT_TERM = env.str("ZUORA_PAYMENT_TERM", default="Net 30")
ZUORA_BATCH = env.str("ZUORA_BATCH", default="Batch1")
ZUORA_BILL_CYCLE_DAY = env.int("ZUORA_BILL_CYCLE_DAY", default=1)
ZUORA_GENERATE_INVOICE = env.bool("ZUORA_GENERATE_INVOICE", default=True)

SALESFORCE_INSTANCE_URL = env.str("SALESFORCE_INSTANCE_URL", default="http://127.0.0.1:8102")
SALESFORCE_TOKEN_URL = env.str(
    "SALESFORCE_TOKEN_URL", default="http://127.0.0.1:8102/services/oauth2/token"
)
SALESFORCE_CLIENT_ID = env.str("SALESFORCE_CLIENT_ID", default="portal-demo")
SALESFORCE_CLIENT_SECRET = env.str("SALESFORCE_CLIENT_SECRET", default="demo-salesforce-2026")
SALESFORCE_API_VERSION = env.str("SALESFORCE_API_VERSION", default="59.0")
SALESFORCE_TIMEOUT = env.float("SALESFORCE_TIMEOUT", default=30.0)
# External ID (+ Unique) custom fields holding our customer's public id, on Account and Contact.
SALESFORCE_ACCOUNT_EXTERNAL_ID_FIELD = env.str(
    "SALESFORCE_ACCOUNT_EXTERNAL_ID_FIELD", default="Portal_Customer_Id__c"
)
SALESFORCE_CONTACT_EXTERNAL_ID_FIELD = env.str(
    "SALESFORCE_CONTACT_EXTERNAL_ID_FIELD", default="Portal_Contact_Id__c"
)

# The outbox workers. Seconds throughout; tests shrink them so nothing waits long.
# Exponential backoff with jitter: base × 2^(attempt-1), capped, for transient faults.
OUTBOX_BACKOFF_BASE = env.float("OUTBOX_BACKOFF_BASE", default=5.0)
OUTBOX_BACKOFF_MAX = env.float("OUTBOX_BACKOFF_MAX", default=15 * 60.0)
# A Retry-After longer than this is not waited for in full (a row is never parked for hours).
OUTBOX_RETRY_AFTER_CAP = env.float("OUTBOX_RETRY_AFTER_CAP", default=10 * 60.0)
# Salesforce's REQUEST_LIMIT_EXCEEDED (the org's daily API quota) backs off for minutes.
OUTBOX_LONG_BACKOFF = env.float("OUTBOX_LONG_BACKOFF", default=30 * 60.0)
# After this many attempts a row that still fails is marked failed for a person to look at.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
# A claim older than this is presumed dead (a worker killed mid-call) and may be taken again.
# It must outlast the longest push: a few calls, each bounded by the transport timeouts.
OUTBOX_CLAIM_LEASE = env.float("OUTBOX_CLAIM_LEASE", default=5 * 60.0)
# The beat job: how often it looks for due and stalled rows, and how long a due row may sit
# without being sent before it is presumed lost (its message never reached a worker).
OUTBOX_DISPATCH_INTERVAL = env.float("OUTBOX_DISPATCH_INTERVAL", default=15.0)
OUTBOX_STALL_GRACE = env.float("OUTBOX_STALL_GRACE", default=60.0)
# A row whose message went onto the broker this long ago and is still due is presumed to have
# lost it (Redis restarted without persistence) and is enqueued again.
OUTBOX_REENQUEUE_AFTER = env.float("OUTBOX_REENQUEUE_AFTER", default=10 * 60.0)
# A Zuora push for an organisation that has one in flight waits this long and tries again.
OUTBOX_BUSY_DELAY = env.float("OUTBOX_BUSY_DELAY", default=1.0)
# Zuora pushes of different organisations in flight at once (one per organisation at most).
ZUORA_MAX_CONCURRENT_ORGANISATIONS = env.int("ZUORA_MAX_CONCURRENT_ORGANISATIONS", default=4)
# The Zuora push waits for the Salesforce Account id (the account's CrmId) this many times,
# this long each, then goes ahead; the CrmId is set by an update once Salesforce succeeds.
OUTBOX_CRM_WAITS = env.int("OUTBOX_CRM_WAITS", default=5)
OUTBOX_CRM_WAIT_DELAY = env.float("OUTBOX_CRM_WAIT_DELAY", default=3.0)
# The beat job that pulls every organisation's invoices from Zuora.
INVOICE_SYNC_INTERVAL = env.float("INVOICE_SYNC_INTERVAL", default=60 * 60.0)
CELERY_BEAT_SCHEDULE = {
    "outbox-dispatch": {
        "task": "integrations.outbox_dispatch",
        "schedule": OUTBOX_DISPATCH_INTERVAL,
    },
    "invoice-sync": {
        "task": "integrations.invoices_sync_all",
        "schedule": INVOICE_SYNC_INTERVAL,
    },
    # Synced changes and cancels, applied on their effective date. A day's work, run every hour:
    # a date that begins while beat is down is caught up within the hour (applying is a no-op
    # for an order already applied).
    "subscriptions-apply-due": {
        "task": "integrations.subscriptions_apply_due",
        "schedule": 60 * 60.0,
    },
    # Files kept for registration forms that were never submitted, older than a day.
    "registrations-pending-uploads-purge": {
        "task": "registrations.pending_uploads_purge",
        "schedule": 60 * 60.0,
    },
}

# ------------------------------------------------------------------------------------------------
# Authentication (django-allauth, django-guardian)
# ------------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Both refuse passwords of users whose organisation requires SSO (signin/backends.py).
    "signin.backends.ModelBackend",
    "signin.backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "signin.adapters.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "signin.forms.LoginForm",
    "signup": "signin.forms.SignupForm",
    "reset_password": "signin.forms.ResetPasswordForm",
    "request_login_code": "signin.forms.RequestLoginCodeForm",
    "add_email": "signin.forms.AddEmailForm",
}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Links in email: https in production, http in development and over HTTPS=0 (the demo, compose).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG and env.bool("HTTPS", default=True) else "http"
# Organisations without an identity provider may also sign in with a one-time code by email.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Same answer for known and unknown addresses on reset, code and sign-up forms.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SESSION_REMEMBER = False
# allauth's rate limits (they count in the cache: Redis in production). Stated here rather than
# left to defaults so a reviewer sees them: failed sign-ins per IP and per (address, client IP) —
# the adapter puts the client in the key, so nobody can lock a known address out from elsewhere
# —, sign-ups, password-reset and login-code requests.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "request_login_code": "20/m/ip,3/m/key",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
}
# The client address the rate limits and the auth log use. 0: REMOTE_ADDR, X-Forwarded-For
# ignored (a client could write anything there). N proxies of ours in front: the N-th entry from
# the right of X-Forwarded-For, the one the outermost of them added.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Partner SSO. Identity providers are configured per organisation (sso.IdentityProvider); the
# adapter hands them to allauth as apps, provisions members and refuses what must not pass.
SOCIALACCOUNT_ADAPTER = "signin.social_adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# A person pre-created by an admin (or provisioned earlier) is matched by the address the
# organisation's provider asserts; the adapter only lets that happen inside the provider's own
# organisation's domains.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10

# Vendor staff: TOTP with recovery codes (signin.middleware.StaffMfaMiddleware enforces it).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Partner Portal")

# Guardian's anonymous user needs a username; ours has none, and no permission is ever granted
# to anonymous visitors.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# ------------------------------------------------------------------------------------------------
# Internationalisation
# ------------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The product is written in English; a reader in the United States gets its dates and prices as
# they write them ("Mar 4, 2026"), everybody else the British forms. Another language is added
# here with its translations.
LANGUAGES = [("en-gb", "English (United Kingdom)"), ("en-us", "English (United States)")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# ------------------------------------------------------------------------------------------------
# Static files (vendored CSS/JS, served by WhiteNoise)
# ------------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "core.storage.KeptUrlsStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
MEDIA_URL = "media/"

# ------------------------------------------------------------------------------------------------
# Security
# ------------------------------------------------------------------------------------------------
# Sessions are read from the cache (Redis in production) and written through to the database:
# a signed-in request reads its session without a query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Absolute lifetime of a session cookie; an idle session ends sooner (IdleTimeoutMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
# However people signed in (password, code, SSO), the cookie ends with the browser.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Scripts and styles only from our own origin: no inline scripts anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],  # Django admin sets style attributes.
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

if not DEBUG and env.bool("HTTPS", default=True):
    # Production is served over HTTPS. HTTPS=0 exists only for a local `docker compose up` over
    # plain http://localhost (check --deploy then warns, as it should).
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    # /healthz is probed over plain HTTP from inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# A request body (form and files together) over this many bytes is refused with 413 before it
# is read (core/body_limit.py): Django's own upload settings do not cap a multipart file body.
# Three attachments of the largest size a registration takes (10 MiB) fit, with the form.
REQUEST_BODY_MAX_SIZE = env.int("REQUEST_BODY_MAX_SIZE", default=32 * 1024 * 1024)

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ------------------------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------------------------
# EMAIL_URL: smtp://localhost:25 (the production default), smtp+tls://user:password@host:587,
# consolemail:// (each message printed whole), filemail:// (the development default: each message
# written whole to a file in MAIL_DIR, and one line in the log with its subject and its links,
# whole: portal/mail.py).
_email = env.email_url("EMAIL_URL", default="filemail://" if DEBUG else "smtp://localhost:25")
MAIL_DIR = Path(env.str("MAIL_DIR", default=str(BASE_DIR / ".mail")))
_smtp_options = {
    "host": _email.get("EMAIL_HOST"),
    "port": _email.get("EMAIL_PORT"),
    "username": _email.get("EMAIL_HOST_USER"),
    "password": _email.get("EMAIL_HOST_PASSWORD"),
    "use_tls": _email.get("EMAIL_USE_TLS"),
    "use_ssl": _email.get("EMAIL_USE_SSL"),
    "timeout": 10,
}
_mailer: dict[str, object]
if _email["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
    _mailer = {
        "BACKEND": _email["EMAIL_BACKEND"],
        "OPTIONS": {key: value for key, value in _smtp_options.items() if value not in (None, "")},
    }
elif _email["EMAIL_BACKEND"].endswith("filebased.EmailBackend"):
    _mailer = {"BACKEND": "portal.mail.FileEmailBackend", "OPTIONS": {"file_path": str(MAIL_DIR)}}
else:
    _mailer = {"BACKEND": _email["EMAIL_BACKEND"], "OPTIONS": {}}
MAILERS = {"default": _mailer}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Partner Portal <portal@vendor.example>")
# Where the site is reached from outside: links in email (sent by workers, outside any request).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# ------------------------------------------------------------------------------------------------
# Logging
# ------------------------------------------------------------------------------------------------
# JSON lines in production, plain lines in development; UTC and the request id on both
# (core/logs.py). LOG_JSON overrides the choice either way.
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=not DEBUG)
LOGGING = logging_config(json=LOG_JSON, level=LOG_LEVEL)
# Python's warnings become records of the py.warnings logger, in the same format, instead of
# bare lines on stderr (Django no longer does this itself).
logging.captureWarnings(True)

# ------------------------------------------------------------------------------------------------
# Metrics (Prometheus: /metrics on the web, WORKER_METRICS_PORT on the worker)
# ------------------------------------------------------------------------------------------------
# /metrics answers a scraper that sends "Authorization: Bearer <METRICS_TOKEN>", or one whose
# address is in METRICS_ALLOWED_NETWORKS (comma-separated CIDR; the demo allows loopback);
# everybody else gets 404. Several processes add up through PROMETHEUS_MULTIPROC_DIR (an
# environment variable read by prometheus-client itself; see portal/metrics.py).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS = env.list(
    "METRICS_ALLOWED_NETWORKS", default=["127.0.0.0/8", "::1/128"] if DEBUG else []
)
# The Celery worker's own metrics server (its task counters): 0 is none. It listens on all
# addresses by default (WORKER_METRICS_ADDRESS): publish the port to the internal network only.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_ADDRESS = env.str("WORKER_METRICS_ADDRESS", default="0.0.0.0")  # noqa: S104  # the worker's metrics port, published to the internal network only

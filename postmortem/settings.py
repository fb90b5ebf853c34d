"""Settings for Postmortem: every setting comes from an environment variable with a safe development default; a value
that cannot be understood stops start-up with ImproperlyConfigured naming the variable (docs/operations.md)."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dj_database_url
import orjson
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from postmortem import api_schema, cache, logs, peers, slack, sso, storage
from postmortem.env import env_bool

BASE_DIR = Path(__file__).resolve().parent.parent


def env_int(name, default, minimum=0):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} must be at least {minimum}.")
    return value


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name, default):
    """An http(s) URL with a host (trailing slashes dropped), or ``default`` when unset."""
    raw = (os.environ.get(name) or "").strip()
    if not raw:
        return default
    parts = urlparse(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name}={raw!r} must be an http(s) URL with a host.")
    return raw.rstrip("/")


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the served host names when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

DATA_DIR = Path(os.environ.get("POSTMORTEM_DATA_DIR") or BASE_DIR / "var").resolve()
if DATA_DIR.exists() and not DATA_DIR.is_dir():
    raise ImproperlyConfigured(f"POSTMORTEM_DATA_DIR={str(DATA_DIR)!r} exists and is not a directory.")
DATA_DIR.mkdir(parents=True, exist_ok=True)
SEARCH_INDEX_DIR = DATA_DIR / "search-index"
# The search engine (incidents.search.backends): Whoosh, the default, or tantivy (a Rust engine, much faster past
# a few thousand incidents). Changing it makes the follower rebuild the index with the new engine.
SEARCH_BACKENDS = ("whoosh", "tantivy")
SEARCH_BACKEND = (os.environ.get("SEARCH_BACKEND") or "whoosh").strip().lower()
if SEARCH_BACKEND not in SEARCH_BACKENDS:
    raise ImproperlyConfigured(f"SEARCH_BACKEND={os.environ.get('SEARCH_BACKEND')!r} is not a search engine this app "
                               f"has; use one of: {', '.join(SEARCH_BACKENDS)}.")
# Files prepared in the background (a meeting's pack as PDF), kept for a day (incidents.tasks.render_export).
EXPORT_DIR = DATA_DIR / "exports"
# Processes that analyse text during a full rebuild (manage.py rebuild_search_index).
SEARCH_REBUILD_PROCS = env_int("SEARCH_REBUILD_PROCS", min(2, os.cpu_count() or 1), minimum=1)
# tantivy keeps each document's analysis by digest: a rebuild analyses only what changed (backends.tantivy_cache)
SEARCH_ANALYSIS_CACHE = env_bool("SEARCH_ANALYSIS_CACHE", True)
# One follower of the change log per machine (incidents.search.follower), a thread of the app process unless
# SEARCH_FOLLOWER=0 (then `manage.py follow_search_index`). The timings: docs/operations.md.
SEARCH_FOLLOWER = env_bool("SEARCH_FOLLOWER", True)
# Similar incidents are cached this long per incident version (per web process unless CACHES says otherwise).
SEARCH_SIMILAR_CACHE_SECONDS = env_int("SEARCH_SIMILAR_CACHE_SECONDS", 60)
SEARCH_POLL_SECONDS = env_int("SEARCH_POLL_SECONDS", 2, minimum=1)
# A search by someone who just created or edited an incident waits at most this long for this node's index to
# apply it (read-your-writes, docs/search.md); 0: never waits.
SEARCH_READ_YOUR_WRITES_SECONDS = env_int("SEARCH_READ_YOUR_WRITES_SECONDS", 2)
SEARCH_REPAIR_SECONDS = env_int("SEARCH_REPAIR_SECONDS", 60, minimum=1)
SEARCH_RECONCILE_SECONDS = env_int("SEARCH_RECONCILE_SECONDS", 300, minimum=1)
SEARCH_CHANGE_RETENTION_DAYS = env_int("SEARCH_CHANGE_RETENTION_DAYS", 7, minimum=1)
# A node with no index yet copies a peer's (postmortem/peers.py, incidents.search.peers) instead of rebuilding it;
# each connect or read waits at most SEARCH_PEER_TIMEOUT_SECONDS.
SEARCH_PEERS, SEARCH_PEER_TOKEN = peers.read()
SEARCH_PEER_TIMEOUT_SECONDS = env_int("SEARCH_PEER_TIMEOUT_SECONDS", 10, minimum=1)
# The search log (searches, results opened from them: the boost and /search/gaps/) is kept this many days.
SEARCH_LOG_DAYS = env_int("SEARCH_LOG_DAYS", 90, minimum=1)
# check_search_index exits 1 when a logged change older than this has not reached the index.
SEARCH_STALE_SECONDS = env_int("SEARCH_STALE_SECONDS", 300, minimum=1)
MEDIA_ROOT = DATA_DIR / "uploads"
POSTMORTEM_RETRY_AFTER_SECONDS = env_int("POSTMORTEM_RETRY_AFTER_SECONDS", 5, minimum=1)  # 503s: incidents.outages
POSTMORTEM_MIN_FREE_MB = env_int("POSTMORTEM_MIN_FREE_MB", 16)  # /healthz: a storage with less free is full
MEDIA_URL = "/uploads/"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "reversion",
    "incidents",
]

MIDDLEWARE = [
    # First: the load balancer's probe, answered before the host check and the HTTPS redirect.
    "incidents.web.middleware.HealthCheckMiddleware",
    # Then a peer's copy of this node's search index (with SEARCH_PEER_TOKEN only), also asked by address.
    "incidents.web.snapshot.SnapshotMiddleware",
    "incidents.web.middleware.OutageMiddleware",  # database unavailable, storage full: 503 (and handler500)
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "incidents.web.middleware.BodySizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "incidents.web.middleware.LocaleMiddleware",  # Django's, and remembers a signed-in user's language (emails)
    "django.middleware.common.CommonMiddleware",
    "incidents.web.middleware.SiteMiddleware",  # the request's address, for links in emails when not configured
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused by django-axes into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "postmortem.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "postmortem.wsgi.application"
ASGI_APPLICATION = "postmortem.asgi.application"

_database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'postmortem.sqlite3'}"
try:  # Database: DATABASE_URL, default a SQLite file in the data directory; kept connections checked before reuse
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
                                                  conn_health_checks=True)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL this app understands: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file-based test database, so that a Celery worker in another process sees the same data.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    # Concurrent writers queue: WAL lets readers go on during a write, write transactions take the lock when they
    # begin (IMMEDIATE: no "database is locked" on upgrading a read lock), a writer waits up to 20 s for it.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = cache.caches(os.environ.get("CACHE_URL", ""))  # Redis shared by processes and nodes, else each process's

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ja", "日本語")]
LOCALE_PATHS = [BASE_DIR / "incidents" / "locale"]  # templates/ strings are kept with the app's
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Tokyo")
try:
    ZoneInfo(TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(f"TIME_ZONE={TIME_ZONE!r} is not an IANA time zone name.") from None
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # empty until collectstatic; in DEBUG whitenoise serves from the app's static/
# Served by whitenoise in every profile. With DEBUG off (`make serve` runs collectstatic first), files get
# hashed names and compressed copies, and whitenoise serves them with far-future caching.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if not DEBUG
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Incidents' screenshots and files (postmortem/storage.py): the data directory, or S3-compatible storage.
    "attachments": storage.attachments(DATA_DIR),
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# Single sign-on (OpenID Connect, postmortem/sso.py): None, or the company provider's settings (docs/sign-in.md).
OIDC = sso.read()

# Content-Security-Policy (django-csp) on every response: scripts, styles, images and fonts only from this
# site (and data: images), no inline script, style attribute or <style> element, no framing. Pages keep
# their behaviour in static files (static/js/) and their looks in static/css/.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
CONTENT_SECURITY_POLICY = sso.allow_sign_out(CONTENT_SECURITY_POLICY, OIDC)

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one user name from one
# address, that pair is refused for AXES_COOLOFF_TIME (the sign-in page and the admin's alike), with the
# lockout page and status 429. A successful sign-in clears the count. Addresses are REMOTE_ADDR.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out pair before any password check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("POSTMORTEM_LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("POSTMORTEM_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True  # django-axes 8 defaults to False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429

# The review gate: an incident is published only after someone other than its authors approved its current
# version (admins may publish directly). 0: editors create and publish directly.
POSTMORTEM_REVIEW_REQUIRED = env_bool("POSTMORTEM_REVIEW_REQUIRED", True)

# Recurring patterns: a tag, service or factor category recurs when at least MIN_COUNT incidents
# carrying it started within DAYS of each other.
POSTMORTEM_RECURRING_DAYS = env_int("POSTMORTEM_RECURRING_DAYS", 180, minimum=1)
# Every incident's similar incidents, for the recurrence rate (/patterns/) and the action items filter, are stored
# by the periodic sweep and computed again after this long (or when the incident changes); docs/search.md.
POSTMORTEM_RECURRENCE_CACHE_SECONDS = env_int("POSTMORTEM_RECURRENCE_CACHE_SECONDS", 3600)
POSTMORTEM_RECURRING_MIN_COUNT = env_int("POSTMORTEM_RECURRING_MIN_COUNT", 2, minimum=2)

# Requests larger than this are refused (the API answers 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("POSTMORTEM_MAX_BODY_BYTES", 1024 * 1024, minimum=1024)
# ... except uploads of Markdown write-ups (POST /api/v1/imports/, the page /incidents/import/): a zip of a
# few hundred postmortems. Their files are streamed to disk by Django, not held in memory.
POSTMORTEM_MAX_UPLOAD_BYTES = env_int("POSTMORTEM_MAX_UPLOAD_BYTES", 32 * 1024 * 1024, minimum=1024)
# Attachments (issue #28): one file at most this large (413 beyond it); an image at most this many pixels.
POSTMORTEM_MAX_ATTACHMENT_BYTES = env_int("POSTMORTEM_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024, minimum=1024)
POSTMORTEM_MAX_IMAGE_PIXELS = env_int("POSTMORTEM_MAX_IMAGE_PIXELS", 40_000_000, minimum=10_000)

# Celery: no broker configured means tasks run in-process, right after the commit that queued them.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL:
    _scheme = urlparse(CELERY_BROKER_URL).scheme
    if _scheme not in {"redis", "rediss", "amqp", "amqps", "memory"}:
        raise ImproperlyConfigured(
            f"CELERY_BROKER_URL={CELERY_BROKER_URL!r} has an unsupported scheme {_scheme!r}; use redis:// or amqp://."
        )
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Never used while tasks run in-process; the host is named so kombu does not warn "No hostname was supplied".
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = env_bool("CELERY_TASK_EAGER_PROPAGATES", False)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_DEFAULT_QUEUE = "default"
# Periodic sweeps (`make worker` runs beat): re-queue what a broker outage dropped, expire old files.
CELERY_BEAT_SCHEDULE = {
    "housekeeping": {"task": "incidents.tasks.housekeeping", "schedule": env_int("HOUSEKEEPING_SECONDS", 300, minimum=1)},
    # GitHub: the drain picks up retries whose time has come; the poll asks about references not heard of.
    "github-drain": {"task": "incidents.tasks.drain_github", "schedule": 60},
    "github-poll": {"task": "incidents.tasks.poll_github", "schedule": 300},
    # Slack: the drain sends messages whose retry time has come.
    "slack-drain": {"task": "incidents.tasks.drain_slack", "schedule": 60},
    # Notifications: remind owners of action items due soon, daily at 09:00 in TIME_ZONE.
    "remind-due-action-items": {"task": "incidents.tasks.remind_due_action_items",
                                "schedule": crontab(hour=9, minute=0)},
}
# A task that cannot be handed to the broker fails fast (the request is not held up; incidents.jobs logs it).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE

# GitHub: the REST API the reference sync talks to (GitHub Enterprise: https://HOST/api/v3).
GITHUB_API_URL = os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/")
if urlparse(GITHUB_API_URL).scheme not in {"http", "https"}:
    raise ImproperlyConfigured(f"GITHUB_API_URL={GITHUB_API_URL!r} must be an http(s) URL.")
GITHUB_TOKEN = os.environ.get("GITHUB_TOKEN", "")
GITHUB_SYNC = env_bool("GITHUB_SYNC", True)
GITHUB_TIMEOUT_SECONDS = env_int("GITHUB_TIMEOUT_SECONDS", 10, minimum=1)
# References not heard of (by webhook or poll) for this long are asked about again; conditional requests
# make an unchanged answer free. With webhooks set up, this is only the safety net.
GITHUB_POLL_MINUTES = env_int("GITHUB_POLL_MINUTES", 60, minimum=1)
# Webhook deliveries (POST /github/webhook/) are accepted only when signed with this secret; without it
# the endpoint answers 503 and logs why.
GITHUB_WEBHOOK_SECRET = os.environ.get("GITHUB_WEBHOOK_SECRET", "")
# The Slack app (postmortem/slack.py): None, or its bot token, signing secret, Web API URL and default channel.
SLACK = slack.read()
# Without a broker, the app process runs GitHub sync, its poll and the housekeeping sweep in a background
# thread (incidents.background); 0 turns that off (then run `manage.py sync_github` from cron).
BACKGROUND_THREAD = env_bool("BACKGROUND_THREAD", True)

# Notifications (incidents.actions.notify): email through Django's email framework, sent by a task after
# the commit (never inside a request). Without EMAIL_HOST emails are printed (the console backend).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    if EMAIL_PORT > 65535:
        raise ImproperlyConfigured(f"EMAIL_PORT={EMAIL_PORT} is not a port number.")
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "postmortem@localhost"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in emails, the outgoing webhook and exported files start with this (the address people reach the app
# at; SITE_URL is the same setting's other name). Unset: the address of the request that caused them
# (incidents.sites).
POSTMORTEM_BASE_URL = env_url("POSTMORTEM_BASE_URL", "") or env_url("SITE_URL", "")
# The outgoing webhook (a Slack-compatible incoming-webhook URL) told when an incident is published; unset:
# off. With a secret, the body is signed: X-Postmortem-Signature-256: sha256=<hex HMAC-SHA256 of the body>.
POSTMORTEM_WEBHOOK_URL = env_url("POSTMORTEM_WEBHOOK_URL", "")
POSTMORTEM_WEBHOOK_SECRET = os.environ.get("POSTMORTEM_WEBHOOK_SECRET", "")
POSTMORTEM_WEBHOOK_TIMEOUT_SECONDS = 5
# Owners of unfinished action items due within this many days (or overdue since yesterday) get a reminder.
POSTMORTEM_DUE_REMINDER_DAYS = env_int("POSTMORTEM_DUE_REMINDER_DAYS", 3)

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes anonymous requests 401 rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "EXCEPTION_HANDLER": "incidents.api.views.exception_handler",
    # JSON by orjson (faster); UTC datetimes end in Z as DRF writes them, integer keys become strings as json does
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS, orjson.OPT_UTC_Z),
    "DEFAULT_PARSER_CLASSES": ["incidents.api.parsers.JSONParser"],  # DRF's, with a nesting limit
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
}

SPECTACULAR_SETTINGS = api_schema.SPECTACULAR_SETTINGS  # the OpenAPI document's title and names

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(f"LOG_LEVEL={LOG_LEVEL!r} is not one of DEBUG, INFO, WARNING, ERROR or CRITICAL.")


LOGGING = logs.config(LOG_LEVEL)

# Production hardening: on whenever DEBUG is off, each switch can be turned off behind a TLS proxy.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preload is opt-in (a promise about the whole domain, hard to take back): docs/operations.md, "HSTS preload".
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]  # check --deploy: preload not set
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured("SECRET_KEY is too weak for DEBUG off: use at least 50 random characters.")

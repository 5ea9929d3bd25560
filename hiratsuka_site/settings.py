"""Settings for the committee-feedback site.

Everything that differs between a laptop and production is read from the environment:

- ``DJANGO_SECRET_KEY``: required unless ``DJANGO_DEBUG`` is on.
- ``DJANGO_DEBUG``: ``1``/``true``/``yes``/``on`` turns debug mode on; off by default.
- ``DJANGO_ALLOWED_HOSTS``: comma-separated host names.
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/name``; absent, SQLite in the project folder.
- ``REDIS_URL``: e.g. ``redis://127.0.0.1:6379/0``; absent, the cache is a database table and
  the rendered pages every worker shares are files in ``PAGE_CACHE_DIR`` (``.page-cache/``).
- ``DJANGO_SECURE_SSL_REDIRECT``, ``DJANGO_SECURE_COOKIES``, ``DJANGO_SECURE_PROXY_SSL_HEADER``:
  on by default in production, off in debug mode; ``DJANGO_PROXY_COUNT``: how many reverse
  proxies append to ``X-Forwarded-For`` (the client's address for lockouts and the audit log).

On a developer's machine ``.env.local``, written by ``make run``, supplies ``DJANGO_DEBUG=1``
and a secret key when the environment does not set ``DJANGO_DEBUG`` (hiratsuka_site.localenv).

docs/deploy.md and docs/security.md explain each choice.
"""

import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hiratsuka_site import localenv

BASE_DIR = Path(__file__).resolve().parent.parent
localenv.load(BASE_DIR)


def env_flag(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_flag("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY が設定されていません。本番モード（DJANGO_DEBUG が無効）では、"
            "十分に長いランダムな秘密鍵を環境変数 DJANGO_SECRET_KEY に設定してください。"
            "手元の開発環境では、先に make run を実行してください（.env.local を作ります）。"
        )
    # Only ever used with DEBUG on, i.e. on a developer's machine.
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "import_export",
    "csp",
    "safeguards.apps.AxesConfig",  # django-axes, with a Japanese name in the admin
    "safeguards",
    "publication",
    "policy",
    "feedback",
    "rest_framework",
    "drf_spectacular",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before whitenoise, so static files carry the policy too (an SVG opened on its own).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Right after the static files: an anonymous reader's cached page costs about what a
    # static file costs (publication/cache.py).
    "publication.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safeguards.sessions.SessionLifetimeMiddleware",
    "safeguards.audit.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Inside the others, so the page it puts in place of Django's debug page gets their headers.
    "safeguards.errors.ErrorPageMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hiratsuka_site.urls"

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
                "feedback.context_processors.site",
                "feedback.feeds.page_feed",
            ],
        },
    },
]

WSGI_APPLICATION = "hiratsuka_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several requests at once (runserver's threads, gunicorn's
    # workers). WAL lets readers go on while one connection writes; IMMEDIATE takes the write
    # lock when a transaction starts, so a transaction that read first never has to upgrade
    # its lock, which SQLite refuses at once with 「database is locked」 when another write is
    # pending; the timeout is how long a writer waits for the lock instead.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# One cache that every app server shares, because the import preview keeps the uploaded file
# in it between the preview and the confirmation (IMPORT_EXPORT_TMP_STORAGE_CLASS): Redis when
# REDIS_URL is set, otherwise a table in the (shared) database, made by `createcachetable`.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hiratsuka",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
        }
    }
# The rendered public pages, keyed by the public change signal's counter, so nothing is
# invalidated by hand (publication/cache.py): first in this process's memory ("pages"), then
# where every process reads them ("shared_pages"), so that a page is rendered once per change
# of the signal, not once per worker and server. Shared: Redis when REDIS_URL is set (every
# server), otherwise files in PAGE_CACHE_DIR (the workers of this machine). Its keys name the
# database, so two databases served from one checkout never meet each other's pages.
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "public-pages",
    "TIMEOUT": 10 * 60,
    "OPTIONS": {"MAX_ENTRIES": 300, "CULL_FREQUENCY": 3},
}
_database = DATABASES["default"]
_database_id = hashlib.sha256(
    "|".join(str(_database.get(part) or "") for part in ("ENGINE", "HOST", "PORT", "NAME")).encode()
).hexdigest()[:12]
if REDIS_URL:
    CACHES["shared_pages"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"hiratsuka-pages-{_database_id}",
        "TIMEOUT": 10 * 60,
        # A Redis that does not answer costs a reader half a second, not the page.
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
else:
    CACHES["shared_pages"] = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("PAGE_CACHE_DIR") or str(BASE_DIR / ".page-cache"),
        "KEY_PREFIX": f"pages-{_database_id}",
        "TIMEOUT": 10 * 60,
        "OPTIONS": {"MAX_ENTRIES": 1000, "CULL_FREQUENCY": 3},
    }
# How long a process may keep the public change signal it read (seconds): a change made on
# another server shows here within this time; on the server that made it, at once.
PUBLIC_STAMP_TTL = float(os.environ.get("PUBLIC_STAMP_TTL", "1"))
# django-import-export's CacheStorage, kept an hour at most and removed once refused or confirmed.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "feedback.admin_import.PreviewStorage"
# Uploads: the import's own limit (feedback.importing.MAX_UPLOAD_BYTES, 5 MB; override with
# FEEDBACK_IMPORT_MAX_UPLOAD_BYTES) is enforced while the request is read, by
# feedback.admin_import.UploadLimitHandler. Django's limits stay as they are: form fields other
# than files at most 2.5 MB in memory (DATA_UPLOAD_MAX_MEMORY_SIZE), and a file over 2.5 MB is
# spooled to a temporary file (FILE_UPLOAD_MAX_MEMORY_SIZE), deleted when the request ends.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username and address is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("日本語"))]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

LOGIN_URL = "admin:login"
# Where a login leads when ``next`` is missing or refused (another site, javascript:, …): the
# staff's start page. Django's default, /accounts/profile/, does not exist here.
LOGIN_REDIRECT_URL = "admin:index"

# --- HTTPS, cookies and sessions (docs/security.md) ---------------------------------------
# TLS ends at the reverse proxy, which must overwrite X-Forwarded-Proto (docs/deploy.md).
if env_flag("DJANGO_SECURE_PROXY_SSL_HEADER", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Secure cookies in production; plain ones in debug mode so `make run` works over http.
SECURE_COOKIES = env_flag("DJANGO_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
# The __Host- prefix makes the browser refuse the cookie unless it is Secure, for this host only.
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Staff sessions end after 30 idle minutes and at most 12 hours after login
# (safeguards.sessions.SessionLifetimeMiddleware). A request renews the cookie and the
# row only when the last renewal is SESSION_RENEW_AFTER old, not on every request: a write per
# request made each autocomplete keystroke compete with the staff member's own save.
SESSION_COOKIE_AGE = 30 * 60
SESSION_RENEW_AFTER = 60
SESSION_ABSOLUTE_AGE = 12 * 60 * 60

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Login lockout (django-axes) -----------------------------------------------------------
# Keyed on username and address together: a wrong password typed for one account behind the
# city hall's NAT address does not lock out the colleagues behind the same address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "safeguards.proxies.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Not "AXES: BEGIN version …" at every start of every management command; failures and lockouts
# are still logged, by axes and by the audit log.
AXES_VERBOSE = False
# How many trusted reverse proxies append to X-Forwarded-For (0: use the peer address).
PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0"))

# --- The open-data API, /api/v1/ (api/, docs/open-data.md) -----------------------------------
# Requests per client address; a reader over the limit gets 429 with Retry-After.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "60/min")
REST_FRAMEWORK = {
    # Anonymous and read-only: no authentication at all, so a staff session changes nothing.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "NUM_PROXIES": PROXY_COUNT,
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "平塚市 審議会等の意見と市の考え方 オープンデータAPI",
    "DESCRIPTION": (
        "委員会・委員・会議・政策と対象項目・資料・意見（市の考え方、対応区分、対応状況の経過）を"
        "読み出すための API です。公開されている記録だけを返します。利用条件は CC BY 4.0。"
    ),
    "VERSION": "1.0.0",
    # 3.1: its schemas are JSON Schema (2020-12), so clients and tests validate with it as is.
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "LICENSE": {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/deed.ja"},
}

# The city in the open-data files (自治体標準オープンデータセット): 全国地方公共団体コード with its
# check digit (checked at start-up, api/checks.py) and 地方公共団体名.
CITY_CODE = os.environ.get("CITY_CODE", "142034")
CITY_NAME = os.environ.get("CITY_NAME", "平塚市")

# The city's name as the site shows it; one place to change for another city.
SITE_TITLE = os.environ.get("SITE_TITLE", "平塚市 審議会等の意見と市の考え方")

# Every line is one event: control characters in messages (a username with CR/LF) are escaped.
# The audit log ("audit") adds who, from where and which path (safeguards.audit).
LOG_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "audit_context": {"()": "safeguards.logfilters.AuditContext"},
    },
    "formatters": {
        "plain": {
            "()": "safeguards.logfilters.EscapingFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "datefmt": LOG_TIME_FORMAT,
        },
        "audit": {
            "()": "safeguards.logfilters.EscapingFormatter",
            "fmt": (
                "%(asctime)s %(levelname)s audit %(message)s user=%(user)s ip=%(ip)s path=%(path)s"
            ),
            "datefmt": LOG_TIME_FORMAT,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
        },
        "audit": {
            "class": "logging.StreamHandler",
            "formatter": "audit",
            "filters": ["audit_context"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
    },
}

"""Django settings. SQLite by default; PostgreSQL (or any database) through DATABASE_URL."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
# Runtime state (the SQLite database, uploaded evidence, backups) lives outside the package.
VAR_DIR = Path(os.environ.get("LVZHI_VAR_DIR", Path.cwd() / "var"))

SECRET_KEY = os.environ.get("LVZHI_SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789")
DEBUG = os.environ.get("LVZHI_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("LVZHI_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the bundled Swagger UI files (offline docs, no CDN)
    "csp",
    "lvzhi.audit",
    "lvzhi.regions",
    "lvzhi.accounts",
    "lvzhi.evaluations",
    "lvzhi.evidence",
    "lvzhi.api",
    "lvzhi.rectification",
    "lvzhi.inspections",
    "lvzhi.surveys",
    "lvzhi.jobs",
    "lvzhi.notifications",
    "lvzhi.web",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # First: forwarded headers (client address, scheme) count only when a trusted proxy sent them.
    "lvzhi.accounts.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lvzhi.accounts.security.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "lvzhi.site.errors.BadParameterMiddleware",
]

ROOT_URLCONF = "lvzhi.site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lvzhi.web.roles.context",
            ],
        },
    },
]

WSGI_APPLICATION = "lvzhi.site.wsgi.application"

_default_sqlite = f"sqlite:///{VAR_DIR / 'lvzhi.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Background jobs (lvzhi.jobs) through Django's tasks framework (the django-tasks backport of Django 6's
# django.tasks). The embedded default keeps the queue in the database (no extra server, SQLite or PostgreSQL);
# LVZHI_TASKS_BACKEND=rq puts it on Redis (RQ) for deployments with workers on several machines.
LVZHI_TASKS_BACKEND = os.environ.get("LVZHI_TASKS_BACKEND", "database")
LVZHI_REDIS_URL = os.environ.get("LVZHI_REDIS_URL", "redis://127.0.0.1:6379/0")
if LVZHI_TASKS_BACKEND == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": LVZHI_REDIS_URL, "DEFAULT_TIMEOUT": 6 * 3600}}
elif LVZHI_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ValueError(f"LVZHI_TASKS_BACKEND must be 'database' or 'rq', not {LVZHI_TASKS_BACKEND!r}")
# A running job whose worker has not beaten for this long (and cannot be seen dead on this machine) is lost.
LVZHI_JOB_STALE_SECONDS = int(os.environ.get("LVZHI_JOB_STALE_SECONDS", "120"))

AUTH_USER_MODEL = "accounts.User"
# Django's model backend behind a per-username+IP lock (LVZHI_LOGIN_MAX_FAILURES within LVZHI_LOGIN_LOCK_SECONDS).
AUTHENTICATION_BACKENDS = ["lvzhi.accounts.security.ThrottledModelBackend"]
LVZHI_LOGIN_MAX_FAILURES = int(os.environ.get("LVZHI_LOGIN_MAX_FAILURES", "5"))
LVZHI_LOGIN_LOCK_SECONDS = int(os.environ.get("LVZHI_LOGIN_LOCK_SECONDS", "900"))
# Database sessions, listed per user through accounts.UserSession so each can be revoked.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "lvzhi.accounts.security.ChineseMinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "lvzhi.accounts.security.ChineseCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "lvzhi.accounts.security.CharacterClassValidator"},
]

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Files behind Django's storage API: evidence (content-addressed) and background jobs' uploads and results.
# On one machine the local disk under MEDIA_ROOT; with several machines an S3-compatible object store
# (LVZHI_S3_BUCKET and the LVZHI_S3_* settings; see docs/deployment.md).
LVZHI_S3_BUCKET = os.environ.get("LVZHI_S3_BUCKET", "")
if LVZHI_S3_BUCKET:
    _s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": LVZHI_S3_BUCKET,
            "endpoint_url": os.environ.get("LVZHI_S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("LVZHI_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("LVZHI_S3_SECRET_KEY") or None,
            "region_name": os.environ.get("LVZHI_S3_REGION") or None,
            "file_overwrite": True,  # names are content hashes or job ids: never renamed
            "default_acl": None,
            "querystring_auth": True,
        },
    }
    STORAGES = {
        "default": _s3,
        "evidence": _s3,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "evidence": {"BACKEND": "lvzhi.evidence.storage.AtomicFileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
# Front-end libraries come from npm (package-lock.json, `npm ci` in scripts/setup.sh) and are served by us: no CDN.
_NODE_MODULES = BASE_DIR.parent.parent / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", _NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", _NODE_MODULES / "echarts" / "dist"),
]
CSRF_FAILURE_VIEW = "lvzhi.web.views.csrf_failure"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
# htmx reads the token from the cookie-less meta tag; the cookie may stay JS-readable.
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind HTTPS (`lvzhi serve` sets LVZHI_HTTPS=1; `lvzhi demo` on loopback keeps plain HTTP): cookies only
# over HTTPS, HSTS for a year (LVZHI_HSTS_SECONDS), and the scheme taken from X-Forwarded-Proto — which
# TrustedProxyMiddleware removes from every request not sent by one of LVZHI_TRUSTED_PROXIES.
HTTPS = os.environ.get("LVZHI_HTTPS", "0") == "1"
LVZHI_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("LVZHI_TRUSTED_PROXIES", "").split(",") if p.strip()
]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("LVZHI_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# A session ends after LVZHI_SESSION_IDLE_SECONDS without a request (2 hours), instead of Django's 14 days.
SESSION_COOKIE_AGE = int(os.environ.get("LVZHI_SESSION_IDLE_SECONDS", "7200"))

# Content-Security-Policy on every response (django-csp; Django 5.2 has none of its own): scripts, styles,
# fonts and frames only from our own origin — htmx and ECharts are served from our static files, no inline
# script or style attribute anywhere. Images also from data: URIs (the empty favicon, Swagger UI's icons).
_SELF, _NONE = "'self'", "'none'"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [_SELF],
        "script-src": [_SELF],
        "style-src": [_SELF],
        "img-src": [_SELF, "data:"],
        "font-src": [_SELF],
        "connect-src": [_SELF],
        "frame-src": [_SELF],
        "frame-ancestors": [_NONE],
        "form-action": [_SELF],
        "base-uri": [_NONE],
        "object-src": [_NONE],
    }
}

# Errors (every 500 with its traceback), security warnings and our own messages: to var/log/lvzhi.log and
# the console (journald / the terminal). 4xx answers are the caller's mistakes and are not logged as errors.
LOG_DIR = Path(os.environ.get("LVZHI_LOG_DIR", VAR_DIR / "log"))
_LOG_HANDLERS = ["console", "file"]
# Mail (messages of the 消息 inbox are e-mailed too): written to files under var/mail unless an SMTP host is
# configured; LVZHI_SITE_URL makes the links in mails absolute.
if os.environ.get("LVZHI_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["LVZHI_SMTP_HOST"]
    EMAIL_PORT = int(os.environ.get("LVZHI_SMTP_PORT", "465"))
    EMAIL_HOST_USER = os.environ.get("LVZHI_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("LVZHI_SMTP_PASSWORD", "")
    EMAIL_USE_SSL = EMAIL_PORT == 465
    EMAIL_USE_TLS = EMAIL_PORT == 587
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("LVZHI_MAIL_FROM", "履职平台 <noreply@localhost>")
LVZHI_SITE_URL = os.environ.get("LVZHI_SITE_URL", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(process)d] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "lvzhi.site.logs.VarLogHandler",
            "filename": str(LOG_DIR / "lvzhi.log"),
            "formatter": "plain",
        },
    },
    "loggers": {
        "django.request": {"handlers": _LOG_HANDLERS, "level": "ERROR", "propagate": False},
        "django.security": {"handlers": _LOG_HANDLERS, "level": "WARNING", "propagate": False},
        "lvzhi": {"handlers": _LOG_HANDLERS, "level": "INFO", "propagate": False},
    },
}

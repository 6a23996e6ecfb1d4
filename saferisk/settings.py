"""Django settings, read from the environment.

Every knob an operator turns is an environment variable (see docs/operator-guide.md):
DATABASE_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, SAFERISK_VAR_DIR, SAFERISK_DB_POOL_MAX.
The defaults give a working single-machine demo: SQLite under var/ and a secret key generated
once and kept there.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SAFERISK_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in var/secret_key."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "ninja",
    "saferisk.core",
    "saferisk.enterprises",
    "saferisk.risks",
    "saferisk.reporting",
    "saferisk.hidden_dangers",
    "saferisk.major_hazards",
    "saferisk.verification",
    "saferisk.scoring",
    "saferisk.supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "saferisk.core.middleware.RequestContextMiddleware",
    "saferisk.core.middleware.NulCharacterMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "saferisk.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "saferisk.core.middleware.PasswordChangeRequiredMiddleware",
]

ROOT_URLCONF = "saferisk.urls"
WSGI_APPLICATION = "saferisk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "saferisk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "saferisk.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'saferisk.sqlite3'}"
_db = dj_database_url.parse(DATABASE_URL)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so two
    # writers queue instead of failing half-way (the audit chain reads its tail then appends).
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # A bounded psycopg pool per process: granian threads share it instead of opening one
    # connection each (DESIGN.md §6 saw 100 connections exhausted without it).
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": int(os.environ.get("SAFERISK_DB_POOL_MAX", "8")),
        "timeout": 10,
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "saferisk.core.passwords.CharacterClassValidator"},
]
# Lock-out: this many failed logins in a row lock the account for LOCKOUT_MINUTES.
SAFERISK_LOCKOUT_THRESHOLD = int(os.environ.get("SAFERISK_LOCKOUT_THRESHOLD", "5"))
SAFERISK_LOCKOUT_MINUTES = int(os.environ.get("SAFERISK_LOCKOUT_MINUTES", "15"))

# Behind a reverse proxy (nginx) that sets X-Real-IP and X-Forwarded-Proto: trust those headers.
# Off by default, because a client reaching the app directly could forge them.
SAFERISK_TRUST_PROXY = _env_bool("SAFERISK_TRUST_PROXY", False)
if SAFERISK_TRUST_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "saferisk" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root before collectstatic
STATICFILES_DIRS = [BASE_DIR / "saferisk" / "static"]
STORAGES = {
    # Uploaded and generated files (import sources, error workbooks, handouts, scans) are
    # private: views serve them after a scope check, never from a public URL.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": VAR_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Background tasks -------------------------------------------------------------------------
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Where login notices go: "console" (development), "database" (stored only) or "sms"
# (HTTP POST to SAFERISK_SMS_URL, see saferisk/core/notify.py).
SAFERISK_NOTIFY_BACKEND = os.environ.get("SAFERISK_NOTIFY_BACKEND", "database")
SAFERISK_SMS_URL = os.environ.get("SAFERISK_SMS_URL", "")
SAFERISK_SMS_TOKEN = os.environ.get("SAFERISK_SMS_TOKEN", "")
# The address written into login notices; `saferisk demo` sets it from --host/--port.
SAFERISK_PUBLIC_URL = os.environ.get("SAFERISK_PUBLIC_URL", "")
# The supervision / tip-off phone printed on the public notice board of 较大以上 risks (Article 16
# of the Jiangsu 安全风险管理条例); 12350 is the national work-safety tip-off hotline.
SAFERISK_SUPERVISION_PHONE = os.environ.get("SAFERISK_SUPERVISION_PHONE", "12350")

# This platform's name in exported risk reports (the exchange format's `source.platform`), e.g.
# "南京市工业企业安全风险报告平台": the receiving platform records where a report came from.
SAFERISK_PLATFORM_NAME = os.environ.get("SAFERISK_PLATFORM_NAME", "saferisk")

# Days allowed for a change report (变更报告) after a reportable risk is added, retired or changes
# level. The Jiangsu rule's figure is not confirmed (reference/jiangsu_reporting_rules.md): set it.
SAFERISK_CHANGE_REPORT_DAYS = int(os.environ.get("SAFERISK_CHANGE_REPORT_DAYS", "30"))

# Hidden dangers: how often each control tier's checklist is inspected by default (changeable per
# checklist), and how many days past its deadline an overdue hidden danger escalates from the
# enterprise to its county regulators (saferisk/hidden_dangers/reminders.py).
SAFERISK_INSPECTION_FREQUENCY = {
    "post": "daily",
    "team": "weekly",
    "workshop": "monthly",
    "company": "quarterly",
}
SAFERISK_HD_ESCALATE_DAYS = int(os.environ.get("SAFERISK_HD_ESCALATE_DAYS", "7"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("SAFERISK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # fontTools logs every table of every PDF font subset at INFO.
        "fontTools": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

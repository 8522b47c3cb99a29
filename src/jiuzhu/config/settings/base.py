"""Settings shared by every deployment. Read the environment only through config.env."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

from jiuzhu.config.env import (
    data_dir,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_str,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parents[2]  # src/jiuzhu
DATA_DIR = data_dir()

SECRET_KEY = secret_key(DATA_DIR)
DEBUG = env_bool("JIUZHU_DEBUG", False)
ALLOWED_HOSTS = env_list("JIUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("JIUZHU_CSRF_TRUSTED_ORIGINS")
# Demo mode: demo accounts exist and the login page lists them (SECURITY.md 10)
DEMO_MODE = env_bool("JIUZHU_DEMO", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "jiuzhu.regions",
    "jiuzhu.accounts",
    "jiuzhu.audit",
    "jiuzhu.registry",
    "jiuzhu.cases",
    "jiuzhu.verification",
    "jiuzhu.benefits",
    "jiuzhu.monitoring",
    "jiuzhu.portal",
    "ninja",
    "jiuzhu.api",
    "jiuzhu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiuzhu.web.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jiuzhu.accounts.middleware.SessionPolicyMiddleware",
    "jiuzhu.regions.middleware.AreaScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jiuzhu.web.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiuzhu.config.urls"
WSGI_APPLICATION = "jiuzhu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiuzhu.web.context.platform",
            ],
        },
    },
]

DATABASES = {"default": database_config(DATA_DIR / "jiuzhu.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
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
# Forced password rotation: ASVS forbids it, 等保 asks for it. Off by default (0 = never);
# a deployment that must follow 等保 sets the days here (docs/security.md).
PASSWORD_MAX_AGE_DAYS = env_int("JIUZHU_PASSWORD_MAX_AGE_DAYS", 0)

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle timeout and absolute lifetime, enforced by the server (SECURITY.md 9)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("JIUZHU_SESSION_ABSOLUTE_SECONDS", 8 * 3600)
SESSION_IDLE_SECONDS = env_int("JIUZHU_SESSION_IDLE_SECONDS", 30 * 60)
# the absolute lifetime counts from sign-in, whatever the activity (SECURITY.md 9)
SESSION_ABSOLUTE_SECONDS = SESSION_COOKIE_AGE
JIUZHU_API_TOKEN_DAYS = env_int("JIUZHU_API_TOKEN_DAYS", 90)
# years after a household is closed before the retention job anonymises it (SECURITY.md 25);
# no source read fixes the period for social-assistance files: assumed, set it locally
JIUZHU_RETENTION_YEARS = env_int("JIUZHU_RETENTION_YEARS", 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lockout after repeated failures (SECURITY.md 7)
AXES_FAILURE_LIMIT = env_int("JIUZHU_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"

OTP_TOTP_ISSUER = "jiuzhu 救助"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# uploaded case files: never served as static files, only through an area-checked view
MEDIA_ROOT = DATA_DIR / "media"
CASE_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = CASE_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = CASE_UPLOAD_MAX_BYTES + 1024 * 1024

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# collectstatic: source maps are kept (the bundles name them) but not compressed, and only
# the hashed names are kept — a third of the work of the defaults (issue 17, demo set-up)
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Personal data keys: outside the database (SECURITY.md 23). Production must set both.
JIUZHU_DATA_KEY = env_str("JIUZHU_DATA_KEY", "")
JIUZHU_HASH_KEY = env_str("JIUZHU_HASH_KEY", "")
JIUZHU_KEY_FILE = DATA_DIR / "keys.json"  # development and demo only
JIUZHU_KEY_FILE_ALLOWED = True  # production: False, the keys come from the environment
# The audit chain's HMAC key, outside the database (SECURITY.md 21); production must set it
JIUZHU_AUDIT_KEY = env_str("JIUZHU_AUDIT_KEY", "")
JIUZHU_AUDIT_KEY_FILE = DATA_DIR / "audit.key"  # development and demo only
# Checkpoints of the chains' and the ledger's heads, outside the database (audit verify)
JIUZHU_CHECKPOINT_DIR = Path(env_str("JIUZHU_CHECKPOINT_DIR", str(DATA_DIR / "checkpoints")))
# PostgreSQL: the application's role, granted INSERT and SELECT only on the append-only
# tables after every migration (jiuzhu db migrate, audit/roles.py); empty: no grants
JIUZHU_DB_APP_ROLE = env_str("JIUZHU_DB_APP_ROLE", "")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "jiuzhu.audit.logging.MaskPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_pii"],
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint reports each rendering step at INFO; warnings and errors still show
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Background jobs (ARCHITECTURE.md): Django's tasks API (the django-tasks backport) with its
# database backend — no broker; `jiuzhu worker` runs them (docs/operations.md)
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# the audit chains' and the ledger's checkpoints, by the worker, every this many minutes
# (SECURITY.md 21; 0: only `jiuzhu audit verify`, e.g. from cron)
JIUZHU_CHECKPOINT_EVERY_MINUTES = env_int("JIUZHU_CHECKPOINT_EVERY_MINUTES", 60)

"""Production: HTTPS, secure cookies, keys required from the environment."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from jiuzhu.config.env import env_bool, env_int, env_key, env_secret
from jiuzhu.config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_secret("JIUZHU_SECRET_KEY")
# the keys of personal data come from the environment or the platform does not start; the
# key file beside the data is for development, the demo and tests only (SECURITY.md 23)
JIUZHU_DATA_KEY = env_key("JIUZHU_DATA_KEY", exact=32)
JIUZHU_HASH_KEY = env_key("JIUZHU_HASH_KEY", at_least=32)
JIUZHU_AUDIT_KEY = env_key("JIUZHU_AUDIT_KEY", at_least=32)
JIUZHU_KEY_FILE_ALLOWED = False
if env_bool("JIUZHU_DEMO"):
    raise ImproperlyConfigured("JIUZHU_DEMO is for the demo settings, never production")
DEMO_MODE = False
SECURE_SSL_REDIRECT = env_bool("JIUZHU_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("JIUZHU_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

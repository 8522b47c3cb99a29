"""Production: HTTPS, secure cookies, keys required from the environment."""

from __future__ import annotations

from jiuzhu.config.env import env_bool, env_int, env_str
from jiuzhu.config.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = env_str("JIUZHU_SECRET_KEY")
JIUZHU_DATA_KEY = env_str("JIUZHU_DATA_KEY")
JIUZHU_HASH_KEY = env_str("JIUZHU_HASH_KEY")
SECURE_SSL_REDIRECT = env_bool("JIUZHU_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("JIUZHU_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

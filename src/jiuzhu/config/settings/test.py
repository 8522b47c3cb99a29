"""Tests: fast hashing, fixed keys, PostgreSQL when DATABASE_URL is set (CI), else SQLite."""

from __future__ import annotations

from typing import Any

from jiuzhu.config.settings.base import *  # noqa: F403
from jiuzhu.config.settings.base import DATABASES

SECRET_KEY = "test-secret-key-not-for-production-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JIUZHU_DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
JIUZHU_HASH_KEY = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# The test connection may maintain the append-only logs (teardown flushes them); the tests
# of append-only behaviour switch this off (audit/migrations/0002).
_default: dict[str, Any] = DATABASES["default"]
if str(_default["ENGINE"]).endswith("postgresql"):
    _default.setdefault("OPTIONS", {})["options"] = "-c jiuzhu.log_maintenance=on"
JIUZHU_LOG_MAINTENANCE = True  # SQLite: audit/apps.py registers the function accordingly

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects it to exist

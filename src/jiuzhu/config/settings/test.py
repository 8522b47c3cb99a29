"""Tests: fast hashing, fixed keys, PostgreSQL when DATABASE_URL is set (CI), else SQLite."""

from __future__ import annotations

from typing import Any

from jiuzhu.config.env import env_str
from jiuzhu.config.settings.base import *  # noqa: F403
from jiuzhu.config.settings.base import DATABASES

SECRET_KEY = "test-secret-key-not-for-production-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JIUZHU_DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
JIUZHU_HASH_KEY = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
JIUZHU_AUDIT_KEY = "YXVkaXQtY2hhaW4ta2V5LWZvci10ZXN0cy1vbmx5LTAwMDA="
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

# PostgreSQL: DATABASE_URL's user (the owner) creates and migrates the test database, then
# every test connection runs as the application's role (`SET ROLE`, tests/dbroles.py), which
# may only INSERT and SELECT the append-only tables; a flush between transactional tests and
# the tests that forge rows switch back to the owner, whose maintenance the triggers allow
# (audit/migrations/0004). The role is made if missing (JIUZHU_TEST_APP_ROLE, "" for none).
_default: dict[str, Any] = DATABASES["default"]
JIUZHU_DB_APP_ROLE = ""
if str(_default["ENGINE"]).endswith("postgresql"):
    _default.setdefault("OPTIONS", {})["options"] = "-c jiuzhu.log_maintenance=on"
    JIUZHU_DB_APP_ROLE = env_str("JIUZHU_TEST_APP_ROLE", "jiuzhu_app")
JIUZHU_LOG_MAINTENANCE = True  # SQLite: audit/apps.py registers the function accordingly

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - whitenoise expects it to exist

"""Tests: fast hashing, fixed keys, PostgreSQL when DATABASE_URL is set (CI), else SQLite."""

from __future__ import annotations

from jiuzhu.config.settings.base import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
JIUZHU_DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
JIUZHU_HASH_KEY = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

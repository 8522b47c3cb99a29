"""The one place that reads the environment. Settings modules call these helpers; nothing
else reads os.environ (so every knob is listed here and in docs/operations.md)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def env_key(name: str, *, exact: int | None = None, at_least: int | None = None) -> str:
    """A base64 key that must be set and decode to the right length (production: the
    platform refuses to start without its keys, SECURITY.md 23)."""
    import base64
    import binascii

    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"environment variable {name} is required (a base64 key)")
    try:
        size = len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"environment variable {name} is not base64") from None
    if (exact is not None and size != exact) or (at_least is not None and size < at_least):
        wanted = f"{exact}" if exact is not None else f"at least {at_least}"
        raise ImproperlyConfigured(f"environment variable {name} must decode to {wanted} bytes")
    return value


def env_secret(name: str) -> str:
    """A secret that must be set and not empty."""
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in TRUE


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return default if value is None else int(value)
    except ValueError:
        raise ImproperlyConfigured(f"environment variable {name} must be a whole number") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def data_dir() -> Path:
    """Where the embedded database, keys and uploads live (default ./data)."""
    path = Path(os.environ.get("JIUZHU_DATA_DIR", "data")).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # the database, keys and uploads: the owner's alone (the SQLite files are made 0600 when
    # a connection opens, jiuzhu.db.private_sqlite_files)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def database_config(default_sqlite: Path) -> dict[str, object]:
    """DATABASE_URL (postgres://user:pass@host:port/name) or the embedded SQLite file."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(default_sqlite),
            "OPTIONS": {
                # WAL lets readers work while one writer writes; IMMEDIATE takes the write
                # lock at BEGIN, so two writers queue instead of failing half-way
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
                ),
            },
        }
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "jiuzhu",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 600),
        "CONN_HEALTH_CHECKS": True,
    }


def use_owner_database() -> bool:
    """For migrations: connect as the owner (DATABASE_OWNER_URL) instead of the application's
    role (DATABASE_URL). Call before Django is set up; False when no owner URL is set."""
    owner = os.environ.get("DATABASE_OWNER_URL", "").strip()
    if owner:
        os.environ["DATABASE_URL"] = owner
    return bool(owner)


def secret_key(data: Path) -> str:
    """JIUZHU_SECRET_KEY, else a random key kept in the data directory (development, demo).
    Production settings require the environment variable."""
    value = os.environ.get("JIUZHU_SECRET_KEY")
    if value:
        return value
    path = data / "secret_key"
    if not path.exists():
        import secrets

        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()

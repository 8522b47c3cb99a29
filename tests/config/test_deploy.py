"""Deployment checks: migrations match the models; `check --deploy` passes on production
settings (SECURITY.md 27)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_django(
    args: list[str], settings: str, tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings,
        "JIUZHU_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "django", *args], capture_output=True, text=True, env=environment
    )


def test_the_migrations_match_the_models(tmp_path: Path) -> None:
    proc = run_django(
        ["makemigrations", "--check", "--dry-run"], "jiuzhu.config.settings.test", tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    proc = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        "jiuzhu.config.settings.production",
        tmp_path,
        JIUZHU_SECRET_KEY="p" * 20 + "roduction-secret-key-for-the-deploy-check-0123456789",
        JIUZHU_DATA_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        JIUZHU_HASH_KEY="ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
        JIUZHU_AUDIT_KEY="YXVkaXQtY2hhaW4ta2V5LWZvci10ZXN0cy1vbmx5LTAwMDA=",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_production_refuses_to_start_without_its_keys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    proc = subprocess.run(
        [sys.executable, "-m", "django", "check"],
        capture_output=True,
        text=True,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.production",
            "JIUZHU_DATA_DIR": str(tmp_path),
        },
    )
    assert proc.returncode != 0 and "JIUZHU_SECRET_KEY" in proc.stderr


SECRET = "p" * 20 + "roduction-secret-key-for-the-deploy-check-0123456789"
DATA_KEY = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
HASH_KEY = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="
AUDIT_KEY = "YXVkaXQtY2hhaW4ta2V5LWZvci10ZXN0cy1vbmx5LTAwMDA="


def test_production_refuses_empty_or_malformed_keys_and_never_writes_a_key_file(
    tmp_path: Path,
) -> None:
    """Issue 15 item 5: empty key variables generated a key file beside the data with only
    a warning."""
    for data_key, hash_key, audit_key, said in (
        ("", HASH_KEY, AUDIT_KEY, "JIUZHU_DATA_KEY is required"),
        (DATA_KEY, "", AUDIT_KEY, "JIUZHU_HASH_KEY is required"),
        ("not base64!", HASH_KEY, AUDIT_KEY, "JIUZHU_DATA_KEY is not base64"),
        ("c2hvcnQ=", HASH_KEY, AUDIT_KEY, "JIUZHU_DATA_KEY must decode to 32 bytes"),
        (DATA_KEY, HASH_KEY, "", "JIUZHU_AUDIT_KEY is required"),  # issue 15 item 1
        (DATA_KEY, HASH_KEY, "c2hvcnQ=", "JIUZHU_AUDIT_KEY must decode to at least 32 bytes"),
    ):
        proc = run_django(
            ["check"],
            "jiuzhu.config.settings.production",
            tmp_path,
            JIUZHU_SECRET_KEY=SECRET,
            JIUZHU_DATA_KEY=data_key,
            JIUZHU_HASH_KEY=hash_key,
            JIUZHU_AUDIT_KEY=audit_key,
        )
        assert proc.returncode != 0 and said in proc.stderr, proc.stderr[-500:]
    assert not (tmp_path / "keys.json").exists() and not (tmp_path / "audit.key").exists()


def test_production_refuses_the_demo_switch(tmp_path: Path) -> None:
    proc = run_django(
        ["check"],
        "jiuzhu.config.settings.production",
        tmp_path,
        JIUZHU_SECRET_KEY=SECRET,
        JIUZHU_DATA_KEY=DATA_KEY,
        JIUZHU_HASH_KEY=HASH_KEY,
        JIUZHU_AUDIT_KEY=AUDIT_KEY,
        JIUZHU_DEMO="1",
    )
    assert proc.returncode != 0 and "JIUZHU_DEMO" in proc.stderr


def test_the_deploy_check_reports_a_key_file_fallback(tmp_path: Path) -> None:
    """The demo settings allow the key file: `check --deploy` says so (jiuzhu.E001)."""
    proc = run_django(
        ["check", "--deploy", "--fail-level", "ERROR"], "jiuzhu.config.settings.demo", tmp_path
    )
    assert proc.returncode != 0 and "jiuzhu.E001" in proc.stdout + proc.stderr


def test_the_data_directory_and_the_database_are_the_owners_alone(tmp_path: Path) -> None:
    """Issue 15 item 7: the SQLite database was 0644 and its directory 0755."""
    data = tmp_path / "data"
    proc = run_django(
        ["migrate", "-v", "0"], "jiuzhu.config.settings.demo", data, DATABASE_URL=""
    )  # the embedded SQLite, never the CI's PostgreSQL
    assert proc.returncode == 0, proc.stderr[-500:]
    assert data.stat().st_mode & 0o777 == 0o700
    databases = list(data.glob("*.sqlite3*")) or list(data.glob("*.db*"))
    assert databases
    for path in databases:
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))

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

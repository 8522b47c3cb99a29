"""The embedded default (SQLite) keeps the logs append-only too: SQLite alters a column by
rebuilding the table, which drops its triggers, so a fresh `migrate` must still leave the
append-only trigger of every log and ledger table (SECURITY.md 21). Run in a subprocess on
a new SQLite database whatever database the suite uses."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

APPEND_ONLY = (
    "audit_auditevent",
    "audit_accessevent",
    "benefits_posting",
    "benefits_entitlementchange",
    "benefits_correction",
    "benefits_repayment",
)


def test_a_fresh_sqlite_database_has_every_append_only_trigger(tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.demo",
        "JIUZHU_DATA_DIR": str(tmp_path),
    }
    subprocess.run(
        [sys.executable, "-m", "jiuzhu", "manage", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with sqlite3.connect(tmp_path / "jiuzhu.sqlite3") as db:
        triggers = {
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
    missing = [
        f"{table}_no_{action}"
        for table in APPEND_ONLY
        for action in ("update", "delete")
        if f"{table}_no_{action}" not in triggers
    ]
    assert not missing

"""The committed English catalogue is up to date: makemessages, run on a copy of the package,
finds no message that locale/en/LC_MESSAGES/django.po lacks or leaves untranslated."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import jiuzhu
from tests.web.test_i18n import CATALOGUE, parse_po

PACKAGE = Path(jiuzhu.__file__).parent
UPDATE = (
    "cd src/jiuzhu && DJANGO_SETTINGS_MODULE=jiuzhu.config.settings.test "
    "JIUZHU_DATA_DIR=/tmp/jz-i18n ../../.venv/bin/python -m django makemessages -l en "
    "--no-obsolete; then translate the new entries (remove any fuzzy flag) and compile: "
    "cd locale/en/LC_MESSAGES && msgfmt --check -o django.mo django.po"
)


def test_every_message_in_the_code_has_a_translation_in_the_committed_catalogue(
    tmp_path: Path,
) -> None:
    missing_tools = [t for t in ("xgettext", "msgmerge", "msguniq") if not shutil.which(t)]
    if missing_tools:
        pytest.skip(f"GNU gettext is not installed ({', '.join(missing_tools)} not on PATH)")
    # a copy of the package, imported instead of the installed one, so that LOCALE_PATHS and
    # the locale folder makemessages writes to are the copy's, never the committed files
    copy = tmp_path / "jiuzhu"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jiuzhu.config.settings.test",
        "JIUZHU_DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])),
    }
    command = [sys.executable, "-m", "django", "makemessages", "-l", "en", "--no-obsolete"]
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    fresh_po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert fresh_po.read_text(encoding="utf-8") != "", "makemessages wrote an empty catalogue"

    committed = {e.msgid: e for e in parse_po(CATALOGUE / "django.po") if e.msgid}
    fresh = [e.msgid for e in parse_po(fresh_po) if e.msgid]
    assert len(fresh) > 250  # the scan found the project's messages
    missing = [
        msgid
        for msgid in fresh
        if msgid not in committed
        or "fuzzy" in committed[msgid].flags
        or not all(s.strip() for s in committed[msgid].msgstr.values())
    ]
    assert not missing, (
        f"{len(missing)} message(s) in the code lack an English translation in "
        f"{CATALOGUE / 'django.po'}:\n"
        + "\n".join(f"  {m!r}" for m in missing)
        + f"\nUpdate the catalogue: {UPDATE}"
    )

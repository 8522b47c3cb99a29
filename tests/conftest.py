"""Shared fixtures: sample households and a cached evaluator."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest

from jiuzhu.rules.evaluate import Evaluator

AS_OF = dt.date(2024, 6, 1)

_BASE: dict[str, Any] = {
    "ref": "H-GZ-1",
    "region": "440106",
    "residence": "urban",
    "members": [
        {
            "ref": "m1",
            "birth_date": "1980-05-01",
            "sex": "female",
            "relation": "head",
            "employment": "unemployed",
            "unemployed_since": "2022-01-10",
            "income": {"wages": "0", "transfer": "300.00"},
        },
        {
            "ref": "m2",
            "birth_date": "2012-09-01",
            "sex": "male",
            "relation": "child",
            "schooling": "compulsory",
            "employment": "student",
        },
    ],
    "assets": {"financial": "8000.00", "vehicles": 0, "homes": 1},
    "expenses": {"medical": "100.00"},
}


@pytest.fixture(scope="session")
def evaluator() -> Evaluator:
    return Evaluator()


@pytest.fixture
def household() -> dict[str, Any]:
    """A two-person Guangzhou household: an unemployed mother and a schoolboy."""
    return copy.deepcopy(_BASE)


# -- platform fixtures (Django) ---------------------------------------------------------
@pytest.fixture
def gd_area(db: Any) -> str:
    """A Guangdong township (synthetic) under 越秀区, with villages."""
    from tests.factories import subdivisions

    subdivisions("440104")
    return "440104001"


@pytest.fixture
def im_area(db: Any) -> str:
    """An Inner Mongolia township (synthetic) under 新城区 (Hohhot)."""
    from tests.factories import subdivisions

    subdivisions("150102")
    return "150102001"


@pytest.fixture
def caseworker(gd_area: str) -> Any:
    from tests.factories import make_user

    return make_user("township_caseworker", gd_area, username="gd-caseworker")


@pytest.fixture
def im_caseworker(im_area: str) -> Any:
    from tests.factories import make_user

    return make_user("township_caseworker", im_area, username="im-caseworker")


# -- SECURITY.md 22: the logs of the whole run hold no full ID number, password or token -----
class _LogWatch(logging.Handler):
    """Keeps every log message of the run (below the masking filter: the raw messages)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:
            self.messages.append(str(record.msg))


_WATCH = _LogWatch()
_FULL_ID = re.compile(
    r"(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)"
)


@pytest.fixture(autouse=True)
def _watch_logs() -> Iterator[None]:
    """Attached for every test (Django's logging set-up replaces the root handlers); the
    test fails if a message it logged holds a full ID number or a password. Checked per
    test, not at the end of the session: under pytest-xdist each worker is a session."""
    from tests.factories import PASSWORD

    root = logging.getLogger()
    if _WATCH not in root.handlers:
        root.addHandler(_WATCH)
    _WATCH.messages.clear()
    yield
    leaks = [m for m in _WATCH.messages if _FULL_ID.search(m) or PASSWORD in m]
    _WATCH.messages.clear()
    if leaks:
        pytest.fail(
            f"SECURITY.md 22: {len(leaks)} log messages hold a full ID number or a password, "
            f"e.g. {_FULL_ID.sub('<ID>', leaks[0])[:200]}"
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, django_db_blocker: Any
) -> None:
    """PostgreSQL: the application's role exists before the test database is migrated (the
    post-migrate hook grants it; tests/dbroles.py)."""
    from django.conf import settings

    role = getattr(settings, "JIUZHU_DB_APP_ROLE", "")
    if role and settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        from django.db import connection

        from tests.dbroles import create_role

        with django_db_blocker.unblock():
            create_role(connection, role)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Created and migrated by the owner; the tests then run as the application's role."""
    from django.conf import settings

    from tests import dbroles

    role = getattr(settings, "JIUZHU_DB_APP_ROLE", "")
    if role and settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        dbroles.patch_flush()
        with django_db_blocker.unblock():
            dbroles.activate(role)
    yield
    with django_db_blocker.unblock():
        dbroles.deactivate()


@pytest.fixture(autouse=True)
def _checkpoints_of_this_test(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test keeps the chains' checkpoints in a directory of its own."""
    settings.JIUZHU_CHECKPOINT_DIR = tmp_path_factory.mktemp("checkpoints")


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Server threads (the browser test's live server) may leave a connection to the test
    database; PostgreSQL refuses to drop a database in use, so end them before teardown."""
    yield
    with django_db_blocker.unblock():
        from django.db import connection

        from tests.dbroles import deactivate

        deactivate()  # as the owner: the application's role may not end the owner's sessions

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request in English leaves English active in this thread; the next test starts in
    the default language again."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


# -- browser tests: Debian's Chromium through Playwright (tests/browser.py) -----------------
@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Playwright's sync API runs an event loop in this thread; the ORM calls of the test are
    still plain synchronous calls, so they are allowed for these tests only (the variable
    must not leak into the rest of the run: the deploy check refuses it)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, CHROMIUM

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()

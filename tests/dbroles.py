"""PostgreSQL: the tests run as the application's role (SECURITY.md 5, 21; issue 15 item 1).

DATABASE_URL's user (the owner; in CI the superuser `postgres`) creates and migrates the
test database; the post-migrate hook grants the application's role (JIUZHU_DB_APP_ROLE of
the test settings) INSERT and SELECT only on the append-only tables. Then every connection
runs `SET ROLE <app>`: privileges and the triggers' owner check are those of the
application's role. Only the flush between transactional tests (TRUNCATE of every table) and
the tests that forge rows on purpose (`as_owner`) act as the owner again."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_active = {"role": ""}


def app_role() -> str:
    """The role the tests run as now ("" on SQLite, or before the database is set up)."""
    return _active["role"]


def create_role(connection: Any, role: str) -> None:
    """The application's role, if missing (a LOGIN role: some tests sign in as it)."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            f'DO $$ BEGIN CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
            "NOBYPASSRLS NOINHERIT; EXCEPTION WHEN duplicate_object OR unique_violation THEN "
            "NULL; END $$"
        )


def _set_role(sender: object, connection: Any, **kwargs: object) -> None:
    if _active["role"] and connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{_active["role"]}"')


def activate(role: str) -> None:
    """From now on every connection (open or new, any thread) acts as `role`."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    _active["role"] = role
    connection_created.connect(_set_role, dispatch_uid="tests.dbroles")
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "postgresql" and connection.connection is not None:
            _set_role(None, connection)


def deactivate() -> None:
    from django.db import connections

    role, _active["role"] = _active["role"], ""
    if not role:
        return
    for connection in connections.all(initialized_only=True):
        if connection.vendor == "postgresql" and connection.connection is not None:
            with connection.connection.cursor() as cursor:
                cursor.execute("RESET ROLE")


@contextmanager
def as_owner(using: str = "default") -> Iterator[None]:
    """Within: the connection acts as the owner (who may maintain the logs, on purpose)."""
    from django.db import connections

    connection = connections[using]
    role = _active["role"]
    if not role or connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{role}"')


def patch_flush() -> None:
    """The flush after a transactional test truncates every table: as the owner."""
    from django.test import TransactionTestCase

    original = TransactionTestCase._fixture_teardown
    if getattr(original, "_as_owner", False):
        return

    def teardown(self: Any) -> None:
        role = _active["role"]
        deactivate()
        try:
            original(self)
        finally:
            if role:
                activate(role)

    teardown._as_owner = True  # type: ignore[attr-defined]
    TransactionTestCase._fixture_teardown = teardown  # type: ignore[method-assign]

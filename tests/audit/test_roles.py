"""PostgreSQL: the application's role may only append to the logs and the ledger
(SECURITY.md 5, 21; issue 15 item 1). The suite runs as that role (tests/dbroles.py); here
every way to rewrite an append-only table is tried as it, over the suite's connection and
over a connection of its own, and the maintenance switch is shown to give way only to the
tables' owner, not to a role with ordinary UPDATE and DELETE grants."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from jiuzhu.audit.roles import APPEND_ONLY_TABLES
from tests.audit.test_chain import write
from tests.dbroles import app_role, as_owner

pytestmark = [pytest.mark.django_db]

REWRITES = (
    "UPDATE {t} SET id = id",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
    "DROP TRIGGER {t}_append_only ON {t}",
    "ALTER TABLE {t} DISABLE TRIGGER USER",
    "SET jiuzhu.log_maintenance = on; DELETE FROM {t}",
    "SET jiuzhu.log_maintenance = on; UPDATE {t} SET id = id",
)


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's (SQLite: triggers only)")


def refused(cursor: Any, sql: str) -> str:
    """The error a statement ends with, in a savepoint of its own ("" if it went through)."""
    try:
        with transaction.atomic():
            for statement in sql.split("; "):
                cursor.execute(statement)
    except DatabaseError as exc:
        return str(exc)
    return ""


def test_the_suite_runs_as_the_application_role_which_owns_nothing() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,"
            " (SELECT count(*) FROM pg_class WHERE relowner = r.oid)"
            " FROM pg_roles r WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (settings.JIUZHU_DB_APP_ROLE, False, False, False, False, 0)
    assert app_role() == settings.JIUZHU_DB_APP_ROLE


def test_the_application_role_may_append_and_read_but_not_rewrite() -> None:
    write(3)  # INSERT and SELECT: what the platform does
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            for sql in REWRITES:
                error = refused(cursor, sql.format(t=table))
                assert error, f"{sql.format(t=table)} went through as the application's role"
                assert "permission denied" in error or "must be owner" in error, error


@pytest.fixture
def own_login() -> Iterator[Any]:
    """A connection of the application's role's own (LOGIN; trust auth in CI)."""
    import psycopg

    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in ("host", "port", "dbname")}
    with psycopg.connect(**params, user=settings.JIUZHU_DB_APP_ROLE, autocommit=True) as conn:
        yield conn


def test_a_session_of_the_application_role_cannot_rewrite_either(own_login: Any) -> None:
    with own_login.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        assert cursor.fetchone() == (settings.JIUZHU_DB_APP_ROLE,) * 2
        for table in APPEND_ONLY_TABLES:
            for sql in REWRITES:
                with pytest.raises(Exception, match=r"permission denied|must be owner"):
                    for statement in sql.format(t=table).split("; "):
                        cursor.execute(statement)
        with pytest.raises(Exception, match="permission denied"):
            cursor.execute(f'SET ROLE "{connection.settings_dict["USER"] or "postgres"}"')


def test_the_maintenance_switch_gives_way_to_the_owner_only() -> None:
    """The issue's attack: a role with ordinary UPDATE and DELETE grants says it is doing
    maintenance. The trigger asks `current_user`, not the session: refused. The owner, on
    purpose, may (in a savepoint rolled back here)."""
    rows = write(3)
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("CREATE ROLE jiuzhu_test_granted NOLOGIN")  # rolled back with the test
        cursor.execute("GRANT SELECT, UPDATE, DELETE ON audit_auditevent TO jiuzhu_test_granted")
        cursor.execute("SET LOCAL ROLE jiuzhu_test_granted")
        for sql in (
            "SET LOCAL jiuzhu.log_maintenance = on; DELETE FROM audit_auditevent",
            "SET LOCAL jiuzhu.log_maintenance = on; UPDATE audit_auditevent SET action = 'x'",
        ):
            assert "append-only" in refused(cursor, sql)
        cursor.execute("RESET ROLE")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("SET LOCAL jiuzhu.log_maintenance = off")
            cursor.execute("DELETE FROM audit_auditevent")
        with transaction.atomic():
            cursor.execute("SET LOCAL jiuzhu.log_maintenance = on")
            cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [rows[2].id])
            assert cursor.rowcount == 1


def test_on_the_append_only_tables_the_application_role_has_insert_and_select_only() -> None:
    privileges = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    role = settings.JIUZHU_DB_APP_ROLE
    with connection.cursor() as cursor:
        for table in APPEND_ONLY_TABLES:
            held = set()
            for privilege in privileges:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
                if cursor.fetchone()[0]:
                    held.add(privilege)
            assert held == {"SELECT", "INSERT"}, table
        cursor.execute("SELECT has_table_privilege(%s, 'cases_case', 'UPDATE')", [role])
        assert cursor.fetchone()[0]  # the other tables: ordinary rights

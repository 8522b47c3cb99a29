"""`jiuzhu db roles` prints the SQL a superuser runs once (docs/operations.md)."""

from __future__ import annotations

from typer.testing import CliRunner

from jiuzhu.audit.roles import APPEND_ONLY_TABLES, grant_sql


def test_the_roles_command_prints_the_owner_and_the_application_role() -> None:
    from jiuzhu.cli.main import app

    result = CliRunner().invoke(
        app, ["db", "roles", "--owner", "o_role", "--app", "a_role", "--database", "d"]
    )
    assert result.exit_code == 0, result.output
    sql = result.stdout
    assert 'CREATE ROLE "o_role" LOGIN' in sql and 'CREATE ROLE "a_role" LOGIN' in sql
    assert 'ALTER DATABASE "d" OWNER TO "o_role"' in sql
    assert 'ALTER DEFAULT PRIVILEGES FOR ROLE "o_role"' in sql
    assert "SUPERUSER" in sql and "NOBYPASSRLS" in sql
    revoke = grant_sql("a_role")[-1]
    assert revoke.startswith("REVOKE UPDATE, DELETE, TRUNCATE")
    assert all(table in revoke for table in APPEND_ONLY_TABLES)


def test_a_role_name_that_is_not_plain_is_refused() -> None:
    from jiuzhu.cli.main import app

    result = CliRunner().invoke(app, ["db", "roles", "--app", 'x"; DROP TABLE y; --'])
    assert result.exit_code != 0

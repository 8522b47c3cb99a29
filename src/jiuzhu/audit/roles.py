"""Database roles on PostgreSQL (SECURITY.md 5, 21; issue 15 item 1): an owner that
migrates and owns every table, and the application's role that reads and writes but, on the
append-only tables, may only INSERT and SELECT. It owns nothing, so it can neither drop a
trigger nor pass the triggers' maintenance check (migration 0004: only the tables' owner).

`setup_sql` is run once by a superuser (`jiuzhu db roles … --apply`, or printed for a DBA);
`grant_sql` after every migration (the post-migrate hook does it when JIUZHU_DB_APP_ROLE is
set). Default privileges give a table made by a later migration the ordinary grants at
once; the hook then takes UPDATE, DELETE and TRUNCATE back from the append-only ones."""

from __future__ import annotations

import re
from typing import Any

APPEND_ONLY_TABLES = (
    "audit_auditevent",
    "audit_accessevent",
    "benefits_posting",
    "benefits_entitlementchange",
    "benefits_correction",
    "benefits_repayment",
)
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain role or database name: {name!r}")
    return f'"{name}"'


def setup_sql(owner: str, app: str, database: str) -> list[str]:
    """The roles, the database's and schema's owner, default privileges (as a superuser)."""
    o, a, d = _ident(owner), _ident(app), _ident(database)
    create = (
        "DO $$ BEGIN CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
        "NOBYPASSRLS; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )
    return [
        create.format(role=o),
        create.format(role=a),
        f"ALTER ROLE {a} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT",
        f"ALTER DATABASE {d} OWNER TO {o}",
        f"ALTER SCHEMA public OWNER TO {o}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {a}",
    ]


def grant_sql(app: str) -> list[str]:
    """The application's grants on the tables there are now (as the owner, after migrate)."""
    a = _ident(app)
    logs = ", ".join(APPEND_ONLY_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA public TO {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {logs} FROM {a}",
    ]


def apply(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def grant_after_migrate(sender: object, using: str = "default", **kwargs: object) -> None:
    """post_migrate: the application's grants, when a role is named (PostgreSQL only)."""
    from django.conf import settings
    from django.db import connections

    app = getattr(settings, "JIUZHU_DB_APP_ROLE", "")
    connection = connections[using]
    if not app or connection.vendor != "postgresql":
        return
    existing = {t for t in APPEND_ONLY_TABLES if t in connection.introspection.table_names()}
    if len(existing) == len(APPEND_ONLY_TABLES):
        apply(connection, grant_sql(app))

"""Database triggers that refuse UPDATE and DELETE on the log tables (append-only even for
someone with SQL access to the application's connection)."""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_accessevent")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION jiuzhu_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'jiuzhu: % is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for table in TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION jiuzhu_append_only()"
                )
        elif vendor == "sqlite":
            for table in TABLES:
                for action in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                        f"BEGIN SELECT RAISE(ABORT, 'jiuzhu: {table} is append-only'); END"
                    )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            elif vendor == "sqlite":
                for action in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

"""Database triggers that refuse UPDATE, DELETE and TRUNCATE on the log tables (append-only
even for someone with SQL access to the application's connection).

A connection may maintain the logs (the retention job, test teardown) only when it says so
explicitly: on PostgreSQL the setting `jiuzhu.log_maintenance = on`, on SQLite the SQL
function `jiuzhu_log_maintenance()` returning 1 (audit/apps.py registers it per connection,
returning 1 only where the settings allow maintenance)."""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_accessevent")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION jiuzhu_append_only() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('jiuzhu.log_maintenance', true), '') = 'on' THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
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
                cursor.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION jiuzhu_append_only()"
                )
        elif vendor == "sqlite":
            for table in TABLES:
                for action in ("UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                        "WHEN jiuzhu_log_maintenance() IS NOT 1 "
                        f"BEGIN SELECT RAISE(ABORT, 'jiuzhu: {table} is append-only'); END"
                    )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            elif vendor == "sqlite":
                for action in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]

"""The ledger and the entitlement history are append-only in the database, as the audit log
is (audit/migrations/0002): triggers refuse UPDATE, DELETE and TRUNCATE unless the
connection says it is doing maintenance (the same switch and function as the audit log)."""

from django.db import migrations

TABLES = ("benefits_posting", "benefits_entitlementchange")


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        for table in TABLES:
            if vendor == "postgresql":  # jiuzhu_append_only() is audit's migration 0002
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION jiuzhu_append_only()"
                )
                cursor.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION jiuzhu_append_only()"
                )
            elif vendor == "sqlite":
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
    dependencies = [("benefits", "0001_initial"), ("audit", "0002_append_only_triggers")]
    operations = [migrations.RunPython(create, drop)]

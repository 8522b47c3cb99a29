"""The append-only triggers give way only to the tables' owner (issue 15, item 1).

Before, any connection could `SET jiuzhu.log_maintenance = on` and then change or delete log
and ledger rows. Now the trigger function also asks who is acting: `current_user` must be
the owner of the table (the role that migrates, never the application's role; see
`jiuzhu db roles` and docs/operations.md), and say so with the setting. The function is not
SECURITY DEFINER, so `current_user` is the caller. The application's role has no UPDATE,
DELETE or TRUNCATE grant on these tables either: the trigger is the second wall.

SQLite has no roles: its triggers keep asking the per-connection function (audit/apps.py)."""

from django.db import migrations

OWNER_ONLY = """
CREATE OR REPLACE FUNCTION jiuzhu_append_only() RETURNS trigger AS $$
BEGIN
  IF coalesce(current_setting('jiuzhu.log_maintenance', true), '') = 'on'
     AND (SELECT relowner FROM pg_class WHERE oid = TG_RELID)
         = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  THEN
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'jiuzhu: % is append-only', TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""

ANY_SESSION = """
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


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(OWNER_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(ANY_SESSION)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_leaner_indexes")]
    operations = [migrations.RunPython(forwards, backwards)]

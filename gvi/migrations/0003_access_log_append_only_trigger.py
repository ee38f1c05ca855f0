"""On PostgreSQL, the database itself refuses UPDATE and DELETE on the access log.

The app already refuses (AccessLog.save/delete, its queryset, the admin, the policy); the
trigger also stops a bug or a hand-written SQL statement. Other databases (SQLite in
development) rely on the app alone.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION gvi_refuse_access_log_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'gvi_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS gvi_accesslog_append_only ON gvi_accesslog;
CREATE TRIGGER gvi_accesslog_append_only
    BEFORE UPDATE OR DELETE ON gvi_accesslog
    FOR EACH ROW EXECUTE FUNCTION gvi_refuse_access_log_change();
"""

DROP = """
DROP TRIGGER IF EXISTS gvi_accesslog_append_only ON gvi_accesslog;
DROP FUNCTION IF EXISTS gvi_refuse_access_log_change();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("gvi", "0002_wording")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

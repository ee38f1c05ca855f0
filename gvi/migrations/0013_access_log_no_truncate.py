"""On PostgreSQL, the database also refuses TRUNCATE of the access log (0003 refuses UPDATE and
DELETE row by row; TRUNCATE fires no row trigger, so it needs a statement trigger of its own).

It fires too when the log would be emptied by a TRUNCATE ... CASCADE of a table it refers to
(users, organisations), and for `manage.py flush`. Like 0003 it stops a bug or a hand-written
statement, not the table's owner, who can drop a trigger. The test suite empties its database
between transactional tests with TRUNCATE: it sets `gvi.allow_access_log_truncate` for that
transaction (tests/conftest.py); nothing in the app sets it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION gvi_refuse_access_log_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('gvi.allow_access_log_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'gvi_accesslog is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS gvi_accesslog_no_truncate ON gvi_accesslog;
CREATE TRIGGER gvi_accesslog_no_truncate
    BEFORE TRUNCATE ON gvi_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION gvi_refuse_access_log_truncate();
"""

DROP = """
DROP TRIGGER IF EXISTS gvi_accesslog_no_truncate ON gvi_accesslog;
DROP FUNCTION IF EXISTS gvi_refuse_access_log_truncate();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("gvi", "0012_date_bounds")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

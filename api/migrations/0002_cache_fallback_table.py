"""The table of the cache the API falls back on while Redis is down (settings.CACHES["fallback"])."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_table(apps, schema_editor):
    # Django's own command makes the table as DatabaseCache expects it (and skips one that exists).
    call_command("createcachetable", settings.CACHE_FALLBACK_TABLE, database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.CACHE_FALLBACK_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("api", "0001_api_keys_and_idempotency")]

    operations = [migrations.RunPython(create_table, drop_table)]

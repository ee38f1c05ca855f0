"""Idempotency records keep the response's bytes, so a replay is byte-identical to the first.

Records stored before keep their response: their JSON is rendered to bytes as the API renders it
(compact, UTF-8), in the key order the database gives back (the only order it still knows).
"""

from django.db import migrations, models
from rest_framework.renderers import JSONRenderer


def bodies_to_bytes(apps, schema_editor):
    IdempotencyRecord = apps.get_model("api", "IdempotencyRecord")
    renderer = JSONRenderer()
    for record in IdempotencyRecord.objects.exclude(response_body=None).iterator():
        record.response_content = renderer.render(record.response_body)
        record.response_content_type = "application/json"
        record.save(update_fields=["response_content", "response_content_type"])


def bytes_to_bodies(apps, schema_editor):
    import json

    IdempotencyRecord = apps.get_model("api", "IdempotencyRecord")
    for record in IdempotencyRecord.objects.exclude(response_content=None).iterator():
        record.response_body = json.loads(bytes(record.response_content))
        record.save(update_fields=["response_body"])


class Migration(migrations.Migration):
    dependencies = [("api", "0002_cache_fallback_table")]

    operations = [
        migrations.AddField(
            model_name="idempotencyrecord",
            name="response_content",
            field=models.BinaryField(blank=True, null=True, verbose_name="response body"),
        ),
        migrations.AddField(
            model_name="idempotencyrecord",
            name="response_content_type",
            field=models.CharField(blank=True, max_length=100, verbose_name="response content type"),
        ),
        migrations.RunPython(bodies_to_bytes, bytes_to_bodies, elidable=False),
        migrations.RemoveField(model_name="idempotencyrecord", name="response_body"),
    ]

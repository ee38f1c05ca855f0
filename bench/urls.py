"""The project's URLs plus the two ingest floors (bench settings only, never in production URLs).

- The floor: a bare Django JSON view, what any JSON POST costs in Django.
- The write floor: the same view, which also writes the rows one custom notification makes
  (the notification, its delivering organisation, one service referral, the two history rows and
  the idempotency record) with plain INSERTs in one committed transaction: what the database
  work of the POST costs at the least, without authentication, validation or the access policy.
"""

import json
import uuid

from django.db import connection, transaction
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns

WRITE_FLOOR_SOURCE = "BENCH write floor"


@csrf_exempt
@require_POST
def bare_json(request):
    """Parse the JSON body and answer it back with 201: what any JSON POST costs in Django."""
    try:
        data = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    return JsonResponse({"id": 0, **data}, status=201)


class _Insert:
    """An INSERT for `model` whose values are copied from its newest stored row (made once)."""

    def __init__(self, model):
        self.fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.db_returning)]
        self.by_attname = {f.attname: f for f in self.fields}
        row = model._default_manager.order_by("-pk").values_list(*(f.attname for f in self.fields)).first()
        if row is None:
            raise RuntimeError(f"The write floor copies a stored {model.__name__} row; there is none.")
        stored = zip(self.fields, row, strict=True)
        self.template = {f.attname: f.get_db_prep_save(value, connection) for f, value in stored}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        pk = quote(model._meta.pk.column)
        self.sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks}) RETURNING {pk}"

    def __call__(self, cursor, **values):
        prepared = {name: self.by_attname[name].get_db_prep_save(value, connection) for name, value in values.items()}
        cursor.execute(self.sql, list({**self.template, **prepared}.values()))
        return cursor.fetchone()[0]


_inserts = {}


def _insert(name):
    if not _inserts:
        from api.models import IdempotencyRecord
        from gvi.models import CustomNotification, ServiceReferral

        through = CustomNotification.delivering_organisations.through
        for model in (CustomNotification, ServiceReferral, through, IdempotencyRecord):
            _inserts[model.__name__] = _Insert(model)
        _inserts["history:CustomNotification"] = _Insert(CustomNotification.history.model)
        _inserts["history:ServiceReferral"] = _Insert(ServiceReferral.history.model)
    return _inserts[name]


@csrf_exempt
@require_POST
def bare_write(request):
    """Parse the JSON body, insert the rows one custom notification makes, commit, answer 201."""
    try:
        data = json.loads(request.body)
        person_id, delivered_on = int(data["person"]), data["delivered_on"]
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest()
    now = timezone.now()
    stamps = {"created_at": now, "updated_at": now, "source": WRITE_FLOOR_SOURCE}
    with transaction.atomic(), connection.cursor() as cursor:
        notification = {**stamps, "person_id": person_id, "delivered_on": delivered_on}
        notification_id = _insert("CustomNotification")(cursor, **notification)
        _insert("history:CustomNotification")(cursor, id=notification_id, history_date=now, **notification)
        _insert("CustomNotification_delivering_organisations")(cursor, customnotification_id=notification_id)
        referral = {**stamps, "person_id": person_id, "offered_on": delivered_on, "notification_id": notification_id}
        referral_id = _insert("ServiceReferral")(cursor, **referral)
        _insert("history:ServiceReferral")(cursor, id=referral_id, history_date=now, **referral)
        body = {"id": notification_id, **data}
        content = JsonResponse(body, status=201)
        _insert("IdempotencyRecord")(cursor, key=uuid.uuid4().hex, created_at=now, response_content=content.content)
    return content


FLOOR_PATH = "bench/floor/"
WRITE_FLOOR_PATH = "bench/floor-write/"
urlpatterns = [
    path(FLOOR_PATH, bare_json, name="bench_floor"),
    path(WRITE_FLOOR_PATH, bare_write, name="bench_write_floor"),
    *project_urlpatterns,
]

"""The project's URLs plus the ingest floor: a bare Django JSON view (bench settings only)."""

import json

from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from config.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def bare_json(request):
    """Parse the JSON body and answer it back with 201: what any JSON POST costs in Django."""
    try:
        data = json.loads(request.body)
    except ValueError:
        return HttpResponseBadRequest()
    return JsonResponse({"id": 0, **data}, status=201)


FLOOR_PATH = "bench/floor/"
urlpatterns = [path(FLOOR_PATH, bare_json, name="bench_floor"), *project_urlpatterns]

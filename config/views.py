from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gvi.health import health


@never_cache
@require_GET
def healthz(request):
    """Liveness and readiness: 200 when the database and the broker answer, else 503."""
    result = health()
    return JsonResponse(result, status=200 if result["ok"] else 503)

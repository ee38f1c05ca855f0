from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from gvi.health import health

HEALTHZ_PATH = "/healthz"


@never_cache
@require_safe
def healthz(request):
    """Liveness and readiness: 200 when the database and the broker answer, else 503."""
    result = health()
    return JsonResponse(result, status=200 if result["ok"] else 503)


class HealthzMiddleware:
    """Answers /healthz before any other middleware: before the Host header is checked against
    ALLOWED_HOSTS and before the redirect to https. The container health check asks over plain
    HTTP at the container's own address, which a production site does not list as a host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTHZ_PATH:
            return healthz(request)
        return self.get_response(request)

"""Security headers Django does not set itself."""

from django.conf import settings


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; pages of signed-in users are never cached, since
    they show personal data (a shared agency computer must not keep them in its browser cache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.GVI_PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
        return response

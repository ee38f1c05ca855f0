"""The schema and Swagger UI, served from this origin (no CDN: works offline, fits the CSP)."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class SchemaView(SpectacularAPIView):
    # The schema holds no data: partners integrate from it before they hold a key.
    permission_classes = [AllowAny]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files; the init script is a separate
    request, since the CSP allows no inline script or style."""

    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"


class NotFoundView(APIView):
    """Every other path under /api/: a 404 in the API's error shape, not an HTML page."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound()

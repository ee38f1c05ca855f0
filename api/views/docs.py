"""The schema and Swagger UI, served from this origin (no CDN: works offline, fits the CSP)."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


class SchemaView(SpectacularAPIView):
    # The schema holds no data: partners integrate from it before they hold a key.
    permission_classes = [AllowAny]


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI from drf-spectacular-sidecar's static files; the init script is a separate
    request, since the CSP allows no inline script or style."""

    permission_classes = [AllowAny]
    template_name = "api/swagger_ui.html"

"""The schema and Swagger UI, served from this origin (no CDN: works offline, fits the CSP)."""

from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

SCHEMA_LANGUAGE = "en"


class SchemaView(SpectacularAPIView):
    """The schema, always in English whatever Accept-Language (or ?lang=) says.

    It is a contract: client generators derive type, module and enum names from its titles and
    descriptions, so one client must fit every caller. Error messages still follow the caller's
    language.
    """

    # The schema holds no data: partners integrate from it before they hold a key.
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        with translation.override(SCHEMA_LANGUAGE):
            return self._get_schema_response(request)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Rendered here, still in English: lazy translations in the schema are evaluated now.
        with translation.override(SCHEMA_LANGUAGE):
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
        response["Content-Language"] = SCHEMA_LANGUAGE
        return response


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

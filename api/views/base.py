"""The thin view base: reads through a selector (logged), writes through a service (idempotent)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from api.authentication import api_key_prefix
from api.history import api_write
from api.idempotency import idempotent
from api.serializers.common import service_kwargs
from gvi.audit import Purpose, log_access
from gvi.models import AccessAction


def api_purpose(request) -> Purpose | None:
    """The purpose a request carries in X-Purpose-Kind and X-Purpose (optional; checked if given)."""
    kind = request.META.get("HTTP_X_PURPOSE_KIND", "")
    text = request.META.get("HTTP_X_PURPOSE", "")
    if not kind and not text:
        return None
    try:
        return Purpose.parse(kind, text)
    except ValidationError as error:
        raise APIValidationError(error.message_dict) from error


class WriteViewSet(viewsets.GenericViewSet):
    """Writes through the gvi services: idempotent POSTs, status PATCHes on visible records."""

    # Ids are whole numbers; any other path gets the JSON 404 of api.views.docs.NotFoundView.
    lookup_value_regex = r"[0-9]+"

    def run_service(self, service, **kwargs):
        """Call a write service as the request's user, with the history naming the API key."""
        with api_write(self.request):
            return service(user=self.request.user, **kwargs)

    def create_with(self, request, input_serializer_class, service, output=None, many=False):
        """Validate the input, call the service once per Idempotency-Key, answer 201 with the output."""

        def handler():
            serializer = input_serializer_class(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            result = self.run_service(service, **service_kwargs(serializer.validated_data))
            output_class = output or self.get_serializer_class()
            data = output_class(result, many=many, context=self.get_serializer_context()).data
            return Response(data, status=status.HTTP_201_CREATED)

        return idempotent(request, handler)

    def update_status_with(self, request, input_serializer_class, service, record_arg: str):
        """PATCH {status}: the record must be visible (else 404); the service checks the right to change it."""
        obj = self.get_object()
        serializer = input_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        obj = self.run_service(service, **{record_arg: obj}, status=serializer.validated_data["status"])
        return Response(self.get_serializer(obj).data)

    def update_with(self, request, input_serializer_class, service, record_arg: str):
        """PATCH with the fields to change: the record must be visible (else 404); the service
        checks the right to change it (else 403) and validates the record as it will be (else 400)."""
        obj = self.get_object()
        if not int(request.META.get("CONTENT_LENGTH") or 0):
            # No body at all is not a JSON object (`{}` is: it changes nothing).
            raise ParseError(_("Send a JSON object with the fields to change."))
        serializer = input_serializer_class(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data:  # an empty body changes nothing (and writes no history)
            obj = self.run_service(service, **{record_arg: obj}, **serializer.validated_data)
        return Response(self.get_serializer(obj).data)


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WriteViewSet):
    """List and retrieve records of `record_kind` that `selector(user)` returns.

    Reads of personal data are logged in the access log (`logs_reads`).
    """

    record_kind: str = ""
    selector = None  # staticmethod(user) -> QuerySet, built by gvi.policy
    logs_reads = True
    ordering = ("-id",)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return self.get_serializer_class().Meta.model.objects.none()
        return self.selector(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        self.log_read(AccessAction.LIST, page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        self.log_read(AccessAction.READ, [obj])
        return Response(self.get_serializer(obj).data)

    def person_ids_read(self, objects):
        """Persons concerned by `objects` beyond their own person_id and `also_read`."""
        return []

    def also_read(self, objects) -> dict:
        """Records of other kinds returned inside `objects` (an incident's involvements): each is
        logged under its own kind, as a disclosure when another organisation owns it."""
        return {}

    def log_read(self, action, objects):
        if not self.logs_reads:
            return
        request = self.request
        log_access(
            user=request.user,
            action=action,
            record_kind=self.record_kind,
            objects=objects,
            person_ids=self.person_ids_read(objects),
            also=self.also_read(objects),
            channel="api",
            path=request.get_full_path(),
            api_key_prefix=api_key_prefix(request),
            acting_user=getattr(request._request, "acting_user", None),
            purpose=api_purpose(request),
        )

"""One error shape for every API error: {status, code, detail, errors}.

`errors` holds field-level messages (400) in the caller's language; it is empty otherwise.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used with a different request.")
    default_code = "idempotency_key_reused"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large: send at most %(size)d kB.")
    default_code = "request_too_large"

    def __init__(self):
        super().__init__(self.default_detail % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 1024})


def _django_validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


def exception_handler(exc, context):
    """DRF's handler, with Django's ValidationError (raised by services) as a 400 and a body over
    DATA_UPLOAD_MAX_MEMORY_SIZE (raised by Django as the body is read) as a 413, in one shape."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        body = {"status": response.status_code, "code": "invalid", "detail": str(_("Invalid input.")), "errors": errors}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data.get("detail", "")
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"status": response.status_code, "code": code, "detail": str(detail), "errors": {}}
    response.data = body
    return response


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documents the shape in the schema)."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.CharField(
        help_text="A stable machine-readable code: invalid, not_authenticated, authentication_failed, "
        "permission_denied, not_found, method_not_allowed, unsupported_media_type, throttled, "
        "idempotency_key_reused, parse_error, request_too_large."
    )
    detail = serializers.CharField(help_text="A human-readable message in the caller's language (Accept-Language).")
    errors = serializers.DictField(
        help_text="Field-level messages for 400 responses: field name → list of messages "
        "(for a list of nested objects: the item's index → its field messages; non_field_errors for the whole "
        "request). Empty otherwise."
    )

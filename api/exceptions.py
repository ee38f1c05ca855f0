"""One error shape for every API error: {status, code, detail, errors}.

`errors` holds field-level messages (400) in the caller's language; it is empty otherwise.
"""

import logging

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, serializers, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from config.cache import UNREACHABLE

logger = logging.getLogger("gvi.api")


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


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The service is briefly unavailable. Try again in a moment.")
    default_code = "service_unavailable"


def exception_handler(exc, context):
    """DRF's handler, in one shape: Django's ValidationError (raised by services) as a 400, a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE (raised by Django as the body is read) as a 413, and a cache
    that cannot be reached even through its fallback as a 503."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=_django_validation_detail(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, UNREACHABLE):
        logger.error("The API could not reach its cache: %s", exc)
        exc = ServiceUnavailable()
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


class ErrorCode(models.TextChoices):
    """Every `code` the API answers with; the label describes it in the schema (English only)."""

    INVALID = "invalid", "400: the input is invalid; `errors` says which field and why."
    PARSE_ERROR = "parse_error", "400: the body is not valid JSON."
    NOT_AUTHENTICATED = "not_authenticated", "401: no credentials were sent."
    AUTHENTICATION_FAILED = "authentication_failed", "401: the API key is unknown, revoked or expired."
    PERMISSION_DENIED = "permission_denied", "403: the caller's role or organisation may not do this."
    NOT_FOUND = "not_found", "404: no such record (or one the caller may not see), path or cursor."
    METHOD_NOT_ALLOWED = "method_not_allowed", "405: the path does not take this HTTP method."
    NOT_ACCEPTABLE = "not_acceptable", "406: the Accept header asks for a format other than JSON."
    REQUEST_TOO_LARGE = "request_too_large", "413: the body is larger than the API accepts."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "415: the body is not sent as application/json."
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", "422: the Idempotency-Key was used with another request."
    THROTTLED = "throttled", "429: too many requests; retry after the Retry-After header's seconds."
    SERVICE_UNAVAILABLE = "service_unavailable", "503: the API's cache is unreachable (Redis and its fallback)."


class ErrorSerializer(serializers.Serializer):
    """The body of every error response (documents the shape in the schema)."""

    status = serializers.IntegerField(help_text="The HTTP status code, repeated.")
    code = serializers.ChoiceField(
        choices=ErrorCode.choices,
        help_text="A stable machine-readable code: branch on it rather than on `detail`.",
    )
    detail = serializers.CharField(help_text="A human-readable message in the caller's language (Accept-Language).")
    errors = serializers.DictField(
        help_text="Field-level messages for 400 responses: field name → list of messages "
        "(for a list of nested objects: the item's index → its field messages; non_field_errors for the whole "
        "request). Empty otherwise."
    )

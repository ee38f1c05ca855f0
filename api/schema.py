"""Schema generation: every operation documents its errors, every POST its Idempotency-Key."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.exceptions import ErrorSerializer
from api.idempotency import HEADER as IDEMPOTENCY_HEADER

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A unique string (up to 255 characters) per intended write, e.g. a UUID. A retry with the "
    "same key and body replays the first response (header Idempotent-Replayed: true) and creates nothing "
    "new; the same key with a different body or path is a 422. Keys are kept per organisation for "
    "API_IDEMPOTENCY_TTL_HOURS (24 by default).",
)

REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    str,
    location=OpenApiParameter.HEADER,
    response=["200", "201"],
    description='"true" when this is the stored first response to an earlier request with the same Idempotency-Key.',
)
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    int,
    location=OpenApiParameter.HEADER,
    response=["429"],
    description="Seconds to wait before the next request with this API key.",
)

ID_PARAMETER = OpenApiParameter(
    "id", int, location=OpenApiParameter.PATH, description="The record's id. A record you may not see is a 404."
)

ERRORS = {
    "400": "Invalid input: field-level messages in `errors`, in the caller's language (Accept-Language: sv, en).",
    "401": "No API key, or a key that is unknown, revoked or expired.",
    "403": "The caller may see the record but its role or organisation may not do this.",
    "404": "No such record, or one the caller may not see (its existence is not revealed); or a bad cursor.",
    "406": "The Accept header asks for a format the API does not serve (it serves JSON).",
    "415": "The body is not JSON.",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Too many requests for this API key; the Retry-After header says when to try again.",
}


class GviAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if "{id}" in self.path:
            parameters = [*parameters, ID_PARAMETER]
        parameters = [*parameters, RETRY_AFTER_HEADER]
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_PARAMETER, REPLAYED_HEADER]
        return parameters

    def _error_codes(self):
        codes = ["400", "401", "403", "404", "406", "429"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("415")
        if self.method == "POST":
            codes.append("422")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERRORS[code]), code, direction=direction
                )
        return responses

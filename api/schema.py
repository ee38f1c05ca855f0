"""Schema generation: the published contract that partners generate their clients from.

Every operation documents its errors (each with an example), every POST its Idempotency-Key,
every list its filters, ordering and page size; only GET list operations are paginated.
The schema is always generated in English (api.views.docs.SchemaView): names a client
generator derives from it never change with the caller's language.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from api import examples
from api.exceptions import ErrorSerializer
from api.filters import MAX_ID
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import MAX_KEY_LENGTH

# What the schema promises for a key: visible ASCII, which every HTTP client can send. The server
# is more lenient (any printable characters, surrounding spaces stripped).
KEY_PATTERN = r"^[!-~]+$"
NO_NUL_PATTERN = r"^[^\u0000]*$"
NOT_BLANK_PATTERN = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
    location=OpenApiParameter.HEADER,
    required=False,
    description=f"Optional, and recommended on every POST: without it a retry after a lost connection may "
    f"store the record twice. A unique key per intended write, 1 to {MAX_KEY_LENGTH} visible ASCII "
    "characters (letters, digits, punctuation; no spaces), e.g. a UUID. A retry with the same key and body "
    "replays the first response (header Idempotent-Replayed: true) and creates nothing new; the same key with "
    "a different body or path is a 422 (code idempotency_key_reused); an empty or too long key is a 400. "
    "Keys are kept per organisation for 24 hours (configurable by the operator). Only successful responses "
    "are kept: a refused request can be corrected and sent again with the same key.",
)

REPLAYED_HEADER = OpenApiParameter(
    "Idempotent-Replayed",
    {"type": "string", "enum": ["true"]},
    location=OpenApiParameter.HEADER,
    response=["201"],
    description='"true" when this is the stored first response to an earlier request with the same Idempotency-Key.',
)
RETRY_AFTER_HEADER = OpenApiParameter(
    "Retry-After",
    int,
    location=OpenApiParameter.HEADER,
    response=["429"],
    description="Seconds to wait before the next request with this API key.",
)
WWW_AUTHENTICATE_HEADER = OpenApiParameter(
    "WWW-Authenticate",
    {"type": "string", "enum": ["Api-Key"]},
    location=OpenApiParameter.HEADER,
    response=["401"],
    description='The scheme to authenticate with: send "Authorization: Api-Key <your key>".',
)

ID_PARAMETER = OpenApiParameter(
    "id",
    {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID},
    location=OpenApiParameter.PATH,
    description="The record's id. A record you may not see is a 404.",
)

ERRORS = {
    "400": "Invalid input: field-level messages in `errors`, in the caller's language (Accept-Language: sv, en). "
    "Also a query parameter out of range (a filter, `ordering`, `page_size`) and a body that is not valid JSON "
    "(code parse_error).",
    "401": "No API key, or a key that is unknown, revoked or expired (header WWW-Authenticate: Api-Key).",
    "403": "The caller may see the record but its role or organisation may not do this.",
    "404": "No such record, or one the caller may not see (its existence is not revealed); or a bad cursor.",
    "406": "The Accept header asks for a format the API does not serve (it serves application/json).",
    "415": "The body is not JSON (send Content-Type: application/json).",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Too many requests for this API key; the Retry-After header says when to try again.",
}

# Resource paths whose operations share one tag: the generated client's module for them.
TAG_OF_PATH = {"membership-proposals": "memberships"}


def _error_example(code: str) -> OpenApiExample:
    value = examples.ERROR_EXAMPLES[code]
    return OpenApiExample(value["code"], value=value, response_only=True, status_codes=[code])


class GviAutoSchema(AutoSchema):
    def _is_list_action(self) -> bool:
        return self.method == "GET" and getattr(self.view, "action", None) == "list"

    def get_filter_backends(self):
        # Filters, ordering and paging belong to the GET list only, not to a POST that returns a list.
        return super().get_filter_backends() if self._is_list_action() else []

    def _get_paginator(self):
        return super()._get_paginator() if self._is_list_action() else None

    def get_tags(self):
        # One tag per resource (the first path segment after /api/v1/): a module per resource in
        # a generated client.
        segment = self.path.removeprefix("/api/v1/").split("/")[0]
        return [TAG_OF_PATH.get(segment, segment)]

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # A list of references that may not be empty (e.g. the persons to invite) says so.
        if isinstance(field, serializers.ManyRelatedField) and not field.allow_empty and schema:
            schema["minItems"] = 1
        # Text input is trimmed and may hold no NUL character: a required text must keep a visible
        # character after trimming. Said in the schema, so that what it calls valid is accepted.
        if direction == "request" and type(field) is serializers.CharField and schema and "pattern" not in schema:
            if field.allow_blank or not field.trim_whitespace:
                schema["pattern"] = NO_NUL_PATTERN
            else:
                schema["pattern"] = NOT_BLANK_PATTERN
        return schema

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if "{id}" in self.path:
            parameters = [*parameters, ID_PARAMETER]
        parameters = [*parameters, RETRY_AFTER_HEADER, WWW_AUTHENTICATE_HEADER]
        if self.method == "POST":
            parameters = [*parameters, IDEMPOTENCY_PARAMETER, REPLAYED_HEADER]
        return parameters

    def get_examples(self):
        # The views' own examples, else the resource's examples from api.examples.
        given = super().get_examples()
        return given or examples.examples_for(self.path, self.method, self._is_list_action())

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
                response = OpenApiResponse(ErrorSerializer, description=ERRORS[code], examples=[_error_example(code)])
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

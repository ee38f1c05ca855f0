"""Cursor pagination with a stable order: every ordering ends with the primary key.

What the schema lists is what the server takes: one `ordering` value among the view's fields,
a `page_size` from 1 to the maximum. Anything else is a 400, not silently ignored.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination


def ordering_values(view) -> list[str]:
    """The `ordering` values a list view takes: each field, ascending and descending."""
    return [value for field in view.ordering_fields for value in (field, f"-{field}")]


class StableOrderingFilter(OrderingFilter):
    """The caller's ordering (?ordering=-delivered_on), with the id appended as a tie-breaker."""

    ordering_description = "Sort by one field; a leading '-' sorts descending. The id breaks ties."

    def get_ordering(self, request, queryset, view):
        ordering = list(self._requested_ordering(request, view) or self.get_default_ordering(view) or [])
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            descending = bool(ordering) and ordering[0].startswith("-")
            ordering.append("-id" if descending else "id")
        return ordering

    def _requested_ordering(self, request, view) -> list[str]:
        if self.ordering_param not in request.query_params:
            return []
        value = request.query_params[self.ordering_param]
        if value not in ordering_values(view):
            raise exceptions.ValidationError(
                {self.ordering_param: [_("Give one of: %(values)s.") % {"values": ", ".join(ordering_values(view))}]}
            )
        return [value]

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": str(self.ordering_description),
                "schema": {
                    "type": "string",
                    "enum": ordering_values(view),
                    # Names for generated clients: ID and ID_DESC rather than VALUE_1 for "-id".
                    "x-enum-varnames": [
                        f"{value.lstrip('-').upper()}_DESC" if value.startswith("-") else value.upper()
                        for value in ordering_values(view)
                    ],
                },
            }
        ]


class StableCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is None:
            return self.page_size
        if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Records per page, from 1 to {self.max_page_size} (default {self.page_size})."
                )
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = "The opaque cursor of the `next` or `previous` link. A bad cursor is a 404."
        return parameters

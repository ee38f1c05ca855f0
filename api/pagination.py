"""Cursor pagination with a stable order: every ordering ends with the primary key."""

from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination


class StableOrderingFilter(OrderingFilter):
    """The caller's ordering (?ordering=-delivered_on), with the id appended as a tie-breaker."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or [])
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            descending = bool(ordering) and ordering[0].startswith("-")
            ordering.append("-id" if descending else "id")
        return ordering


class StableCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

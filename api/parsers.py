"""The API's JSON parser: DRF's, with a limit on nesting.

No request of this API nests more than a few levels (an incident's involvements are the deepest,
at three). A body nested a thousand levels deep would otherwise exhaust Python's recursion limit
in the JSON decoder (a 500), or later in whatever walks the data.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 20  # objects and lists inside one another, the body itself counting as one


def nested_deeper_than(data, limit: int) -> bool:
    """Do lists and objects in `data` nest more than `limit` levels? (Iterative: no recursion.)"""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """JSON bodies nested deeper than MAX_DEPTH are a parse error (400), not a RecursionError."""

    too_deep = _("JSON parse error: the body nests more than %(limit)d levels.")

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(self.too_deep % {"limit": MAX_DEPTH}) from None
        if nested_deeper_than(data, MAX_DEPTH):
            raise ParseError(self.too_deep % {"limit": MAX_DEPTH})
        return data

"""Fields and bases every serializer shares."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gvi import dates
from gvi.models import Confidence


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to a record by id, looked up among the records the caller may see.

    An id that does not exist and an id the caller may not see give the same message,
    so that a record's existence is not revealed.
    """

    default_error_messages = {
        "required": _("This field is required."),
        "does_not_exist": _("No such record."),
        "incorrect_type": _("Give the record's id, a whole number."),
    }

    def __init__(self, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class SourcedInput(serializers.Serializer):
    """What every record about people says: where it came from and how sure it is."""

    source = serializers.CharField(
        max_length=200, help_text="Where the information comes from, e.g. a report or case number."
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        required=False,
        help_text="How far the record can be trusted. Defaults to the service's default for the kind of record.",
    )


SOURCED_OUTPUT_FIELDS = ["source", "confidence", "organisation", "created_at", "updated_at"]


def service_kwargs(validated_data: dict) -> dict:
    """Validated input without the keys the caller left out, so the service's defaults apply."""
    return {key: value for key, value in validated_data.items() if value is not None}


def model_date(model, name: str, **kwargs):
    """A date (or date-time) input bounded as the model's field is (`gvi.dates`), so that a date
    out of bounds is refused on its own field, before the service sees it."""
    is_datetime = isinstance(model._meta.get_field(name), models.DateTimeField)
    field_class = serializers.DateTimeField if is_datetime else serializers.DateField
    return field_class(validators=dates.bounds_of(model, name), **kwargs)

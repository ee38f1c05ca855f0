"""Filters for the list endpoints.

References to other records filter by plain id (NumberFilter), never by a choice among all
records: a choice field would answer "not a valid choice" for a record the caller may not see
and so reveal that it exists.
"""

from datetime import UTC

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from gvi import models as m

MAX_ID = 2**63 - 1  # the largest primary key a database holds: a bigger number is bad input, not a crash


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class UTCDateTimeField(forms.DateTimeField):
    """A date-time given in UTC to the database.

    Python accepts offsets up to ±23:59, PostgreSQL only up to ±15:59: a time passed on with its
    offset (e.g. +16:00) would fail in the database. In UTC every offset the parser accepts is fine;
    a time that leaves the years 1 to 9999 on the way is bad input.
    """

    default_error_messages = {"out_of_range": _("Give a time between the years 1 and 9999.")}

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range") from None


class UTCDateTimeFilter(filters.DateTimeFilter):
    field_class = UTCDateTimeField


class FilterSet(filters.FilterSet):
    """Date-time filters compare in UTC (see UTCDateTimeField)."""

    FILTER_DEFAULTS = {**filters.FilterSet.FILTER_DEFAULTS, models.DateTimeField: {"filter_class": UTCDateTimeFilter}}


def _id(field: str, help_text: str = ""):
    return IdFilter(
        field_name=f"{field}_id",
        min_value=1,
        max_value=MAX_ID,
        help_text=help_text or f"Only records of this {field} id.",
    )


class PersonFilter(FilterSet):
    home_area = _id("home_area")
    organisation = _id("organisation")
    last_name = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = m.Person
        fields = {"sex": ["exact"], "confidence": ["exact"], "date_of_birth": ["gte", "lte"]}


class GroupFilter(FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = m.Group
        fields = {"status": ["exact"]}


class CallInFilter(FilterSet):
    class Meta:
        model = m.CallIn
        fields = {"status": ["exact"], "scheduled_at": ["gte", "lte"]}


class InvitationFilter(FilterSet):
    call_in = _id("call_in")
    person = _id("person")

    class Meta:
        model = m.Invitation
        fields = {"status": ["exact"]}


class CustomNotificationFilter(FilterSet):
    person = _id("person")
    group = _id("group")
    organisation = _id("organisation")

    class Meta:
        model = m.CustomNotification
        fields = {"response": ["exact"], "delivered_on": ["gte", "lte"], "message_delivered": ["exact"]}


class EnforcementActionFilter(FilterSet):
    group = _id("group")
    person = _id("person")
    organisation = _id("organisation")

    class Meta:
        model = m.EnforcementAction
        fields = {"kind": ["exact"], "performed_on": ["gte", "lte"]}


class ServiceReferralFilter(FilterSet):
    person = _id("person")
    notification = _id("notification")

    class Meta:
        model = m.ServiceReferral
        fields = {"kind": ["exact"], "status": ["exact"], "offered_on": ["gte", "lte"]}


class RiskAssessmentFilter(FilterSet):
    person = _id("person")

    class Meta:
        model = m.RiskAssessment
        fields = {"kind": ["exact"], "level": ["exact"], "next_review_on": ["gte", "lte"]}


class IncidentFilter(FilterSet):
    area = _id("area")

    class Meta:
        model = m.Incident
        fields = {"incident_type": ["exact"], "verification_status": ["exact"], "occurred_at": ["gte", "lte"]}


class GroupAttributionFilter(FilterSet):
    incident = _id("incident")
    group = _id("group")

    class Meta:
        model = m.GroupAttribution
        fields = {"status": ["exact"]}


class FollowUpFilter(FilterSet):
    person = _id("person")
    group = _id("group")
    mine = filters.BooleanFilter(method="filter_mine", help_text="true: only follow-ups owned by the caller.")

    class Meta:
        model = m.FollowUp
        fields = {"status": ["exact"], "due_date": ["gte", "lte"]}

    def filter_mine(self, queryset, name, value):
        if value is None:
            return queryset
        mine = {"owner_user_id": self.request.user.pk}
        return queryset.filter(**mine) if value else queryset.exclude(**mine)


class SupervisionFilter(FilterSet):
    person = _id("person")

    class Meta:
        model = m.Supervision
        fields = {"kind": ["exact"], "start_date": ["gte", "lte"], "end_date": ["gte", "lte"]}


class ExitCaseFilter(FilterSet):
    person = _id("person")

    class Meta:
        model = m.ExitCase
        fields = {"status": ["exact"], "opened_on": ["gte", "lte"]}


class ConcernReportFilter(FilterSet):
    person = _id("person")

    class Meta:
        model = m.ConcernReport
        fields = {"reported_on": ["gte", "lte"]}


class GroupRelationFilter(FilterSet):
    group = IdFilter(
        method="filter_group", min_value=1, max_value=MAX_ID, help_text="Relations in which this group is either side."
    )

    class Meta:
        model = m.GroupRelation
        fields = {"kind": ["exact"], "start_date": ["gte", "lte"]}

    def filter_group(self, queryset, name, value):
        return queryset.filter(models.Q(group_a_id=value) | models.Q(group_b_id=value))

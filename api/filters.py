"""Filters for the list endpoints.

References to other records filter by plain id (NumberFilter), never by a choice among all
records: a choice field would answer "not a valid choice" for a record the caller may not see
and so reveal that it exists.
"""

from django import forms
from django_filters import rest_framework as filters

from gvi import models as m

MAX_ID = 2**63 - 1  # the largest primary key a database holds: a bigger number is bad input, not a crash


class IdFilter(filters.NumberFilter):
    field_class = forms.IntegerField


def _id(field: str, help_text: str = ""):
    return IdFilter(
        field_name=f"{field}_id",
        min_value=1,
        max_value=MAX_ID,
        help_text=help_text or f"Only records of this {field} id.",
    )


class PersonFilter(filters.FilterSet):
    home_area = _id("home_area")
    organisation = _id("organisation")
    last_name = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = m.Person
        fields = {"sex": ["exact"], "confidence": ["exact"], "date_of_birth": ["gte", "lte"]}


class GroupFilter(filters.FilterSet):
    name = filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = m.Group
        fields = {"status": ["exact"]}


class CallInFilter(filters.FilterSet):
    class Meta:
        model = m.CallIn
        fields = {"status": ["exact"], "scheduled_at": ["gte", "lte"]}


class InvitationFilter(filters.FilterSet):
    call_in = _id("call_in")
    person = _id("person")

    class Meta:
        model = m.Invitation
        fields = {"status": ["exact"]}


class CustomNotificationFilter(filters.FilterSet):
    person = _id("person")
    group = _id("group")
    organisation = _id("organisation")

    class Meta:
        model = m.CustomNotification
        fields = {"response": ["exact"], "delivered_on": ["gte", "lte"], "message_delivered": ["exact"]}


class EnforcementActionFilter(filters.FilterSet):
    group = _id("group")
    person = _id("person")
    organisation = _id("organisation")

    class Meta:
        model = m.EnforcementAction
        fields = {"kind": ["exact"], "performed_on": ["gte", "lte"]}


class ServiceReferralFilter(filters.FilterSet):
    person = _id("person")
    notification = _id("notification")

    class Meta:
        model = m.ServiceReferral
        fields = {"kind": ["exact"], "status": ["exact"], "offered_on": ["gte", "lte"]}


class RiskAssessmentFilter(filters.FilterSet):
    person = _id("person")

    class Meta:
        model = m.RiskAssessment
        fields = {"kind": ["exact"], "level": ["exact"], "next_review_on": ["gte", "lte"]}


class IncidentFilter(filters.FilterSet):
    area = _id("area")

    class Meta:
        model = m.Incident
        fields = {"incident_type": ["exact"], "verification_status": ["exact"], "occurred_at": ["gte", "lte"]}


class FollowUpFilter(filters.FilterSet):
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

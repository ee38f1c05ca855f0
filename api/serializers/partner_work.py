"""Supervisions, exit cases, concern reports and group relations: each partner's own work."""

from rest_framework import serializers

from api.serializers.common import SOURCED_OUTPUT_FIELDS, ScopedPrimaryKeyRelatedField, SourcedInput, model_date
from gvi import models as m
from gvi.selectors import api as selectors


class ChangeInput(serializers.Serializer):
    """A PATCH body: only the fields given change (an empty body changes nothing)."""


class SupervisionInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons, help_text="The person under supervision.")
    kind = serializers.ChoiceField(choices=m.SupervisionKind.choices)
    start_date = model_date(m.Supervision, "start_date")
    end_date = model_date(
        m.Supervision, "end_date", required=False, allow_null=True, help_text="When the supervision ends, if decided."
    )


class SupervisionChangeInput(ChangeInput):
    kind = serializers.ChoiceField(choices=m.SupervisionKind.choices, required=False)
    start_date = model_date(m.Supervision, "start_date", required=False)
    end_date = model_date(
        m.Supervision, "end_date", required=False, allow_null=True, help_text="null: no end date decided."
    )
    source = serializers.CharField(max_length=200, required=False)
    confidence = serializers.ChoiceField(choices=m.Confidence.choices, required=False)


class SupervisionOutput(serializers.ModelSerializer):
    class Meta:
        model = m.Supervision
        fields = ["id", "person", "kind", "start_date", "end_date", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields


class ExitCaseInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons)
    opened_on = model_date(m.ExitCase, "opened_on")
    status = serializers.ChoiceField(choices=m.ExitCaseStatus.choices, required=False)
    plan = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    contacts = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    risk_assessment = ScopedPrimaryKeyRelatedField(
        selectors.risk_assessments,
        required=False,
        allow_null=True,
        help_text="The assessment of the threat to the person, where one exists (same person).",
    )


class ExitCaseChangeInput(ChangeInput):
    status = serializers.ChoiceField(
        choices=m.ExitCaseStatus.choices,
        required=False,
        help_text="completed or dropped closes the case (today unless closed_on is given).",
    )
    closed_on = model_date(m.ExitCase, "closed_on", required=False, allow_null=True)
    plan = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    contacts = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    risk_assessment = ScopedPrimaryKeyRelatedField(selectors.risk_assessments, required=False, allow_null=True)
    source = serializers.CharField(max_length=200, required=False)
    confidence = serializers.ChoiceField(choices=m.Confidence.choices, required=False)


class ExitCaseOutput(serializers.ModelSerializer):
    class Meta:
        model = m.ExitCase
        fields = [
            "id",
            "person",
            "opened_on",
            "closed_on",
            "status",
            "plan",
            "contacts",
            "risk_assessment",
            *SOURCED_OUTPUT_FIELDS,
        ]
        read_only_fields = fields


class ConcernReportInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons, help_text="A minor on the day of the report.")
    reported_on = model_date(m.ConcernReport, "reported_on")
    reason = serializers.CharField(max_length=10000)
    social_services_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ConcernReportOutput(serializers.ModelSerializer):
    class Meta:
        model = m.ConcernReport
        fields = ["id", "person", "reported_on", "reason", "social_services_reference", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields


class GroupRelationInput(SourcedInput):
    group_a = ScopedPrimaryKeyRelatedField(selectors.groups, help_text="One group.")
    group_b = ScopedPrimaryKeyRelatedField(selectors.groups, help_text="The other group.")
    kind = serializers.ChoiceField(choices=m.RelationKind.choices)
    start_date = model_date(m.GroupRelation, "start_date")
    end_date = model_date(m.GroupRelation, "end_date", required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class GroupRelationChangeInput(ChangeInput):
    kind = serializers.ChoiceField(choices=m.RelationKind.choices, required=False)
    end_date = model_date(m.GroupRelation, "end_date", required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    source = serializers.CharField(max_length=200, required=False)
    confidence = serializers.ChoiceField(choices=m.Confidence.choices, required=False)


class GroupRelationOutput(serializers.ModelSerializer):
    class Meta:
        model = m.GroupRelation
        fields = ["id", "group_a", "group_b", "kind", "start_date", "end_date", "description", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields


class RiskAssessmentChangeInput(ChangeInput):
    level = serializers.ChoiceField(choices=m.RiskLevel.choices, required=False)
    next_review_on = model_date(m.RiskAssessment, "next_review_on", required=False)
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    protection = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    support = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    actor_measures = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    contact_ban = serializers.BooleanField(required=False)
    source = serializers.CharField(max_length=200, required=False)
    confidence = serializers.ChoiceField(choices=m.Confidence.choices, required=False)

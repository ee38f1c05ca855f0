"""Incidents with their involvements and group attributions, written in one go."""

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.common import SOURCED_OUTPUT_FIELDS, ScopedPrimaryKeyRelatedField, SourcedInput, model_date
from gvi import models as m
from gvi.selectors import api as selectors


class InvolvementInput(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(selectors.persons)
    role = serializers.ChoiceField(choices=m.InvolvementRole.choices)
    source = serializers.CharField(max_length=200, required=False, help_text="Defaults to the incident's source.")
    confidence = serializers.ChoiceField(
        choices=m.Confidence.choices, required=False, help_text="Defaults to the incident's confidence."
    )


# A share from 0 to 1 with up to three decimals, as the schema states it (a generated client sends
# a string; a number is accepted too).
@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": r"^(0?\.[0-9]{1,3}|0(\.[0-9]{0,3})?|1(\.0{0,3})?)$"}
)
class ShareField(serializers.DecimalField):
    pass


class AttributionInput(serializers.Serializer):
    group = ScopedPrimaryKeyRelatedField(selectors.groups)
    share = ShareField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal(0),
        max_value=Decimal(1),
        required=False,
        help_text="How much of the incident is attributed to the group, from 0 to 1 (default 1).",
    )


class IncidentInput(SourcedInput):
    incident_type = serializers.ChoiceField(choices=m.IncidentType.choices)
    occurred_at = model_date(m.Incident, "occurred_at")
    verification_status = serializers.ChoiceField(choices=m.VerificationStatus.choices, required=False)
    area = ScopedPrimaryKeyRelatedField(selectors.areas, required=False, allow_null=True)
    place = serializers.CharField(required=False, allow_blank=True, max_length=200)
    killed = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    injured = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    involvements = InvolvementInput(
        many=True, required=False, help_text="Persons involved: suspects, victims, witnesses."
    )
    attributions = AttributionInput(
        many=True, required=False, help_text="Groups the incident is attributed to (analysts and coordinators)."
    )


class InvolvementOutput(serializers.ModelSerializer):
    class Meta:
        model = m.Involvement
        fields = ["id", "person", "role", "source", "confidence", "organisation"]
        read_only_fields = fields


class AttributionOutput(serializers.ModelSerializer):
    class Meta:
        model = m.GroupAttribution
        # Four eyes: an attribution counts in scoring only once `status` is confirmed by a second
        # person (`created_by` attributed, `confirmed_by` confirmed).
        fields = [
            "id",
            "group",
            "share",
            "source",
            "confidence",
            "organisation",
            "status",
            "created_by",
            "confirmed_by",
            "confirmed_at",
        ]
        read_only_fields = fields


class IncidentOutput(serializers.ModelSerializer):
    involvements = InvolvementOutput(many=True, read_only=True)
    attributions = AttributionOutput(many=True, read_only=True)

    class Meta:
        model = m.Incident
        fields = [
            "id",
            "incident_type",
            "occurred_at",
            "area",
            "place",
            "killed",
            "injured",
            "verification_status",
            "description",
            "involvements",
            "attributions",
            *SOURCED_OUTPUT_FIELDS,
        ]
        read_only_fields = fields


class AttributionDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("confirm", "confirm"), ("reject", "reject")],
        help_text="confirm: from now on the attribution counts in the violence score; reject: it never counts.",
    )
    reason = serializers.CharField(max_length=2000, help_text="Why, kept with the decision and shown on the flag page.")


class AttributionDetailOutput(AttributionOutput):
    class Meta(AttributionOutput.Meta):
        fields = [*AttributionOutput.Meta.fields, "incident", "decision_reason"]
        read_only_fields = fields

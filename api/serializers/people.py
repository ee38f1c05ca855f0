"""Persons, groups, membership proposals, risk assessments and service referrals."""

from django.utils import timezone
from rest_framework import serializers

from api.serializers.common import SOURCED_OUTPUT_FIELDS, ScopedPrimaryKeyRelatedField, SourcedInput, model_date
from gvi import models as m
from gvi.selectors import api as selectors


class PersonOutput(serializers.ModelSerializer):
    is_minor = serializers.SerializerMethodField(help_text="Under 18 today. Minors' records are seen by fewer roles.")

    class Meta:
        model = m.Person
        fields = [
            "id",
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "is_minor",
            "home_area",
            *SOURCED_OUTPUT_FIELDS,
        ]
        read_only_fields = fields

    def get_is_minor(self, person) -> bool:
        return person.is_minor(timezone.localdate())


class GroupOutput(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(slug_field="alias", many=True, read_only=True)

    class Meta:
        model = m.Group
        fields = ["id", "name", "status", "description", "areas", "aliases", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields


class EvidenceInput(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1, help_text="The id of one of the programme's inclusion criteria.")
    source_reference = serializers.CharField(max_length=200, help_text="Where the evidence for the criterion is.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class MembershipProposalInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons)
    group = ScopedPrimaryKeyRelatedField(selectors.groups)
    start_date = model_date(m.Membership, "start_date")
    end_date = model_date(m.Membership, "end_date", required=False, allow_null=True)
    role = serializers.ChoiceField(choices=m.MembershipRole.choices, required=False)
    is_key_individual = serializers.BooleanField(required=False)
    evidence = EvidenceInput(
        many=True,
        help_text="At least the programme's minimum number of distinct inclusion criteria, each with a source.",
    )


class EvidenceOutput(serializers.ModelSerializer):
    class Meta:
        model = m.MembershipEvidence
        fields = ["criterion", "source_reference", "note"]
        read_only_fields = fields


class MembershipOutput(serializers.ModelSerializer):
    evidence = EvidenceOutput(many=True, read_only=True)

    class Meta:
        model = m.Membership
        fields = [
            "id",
            "person",
            "group",
            "start_date",
            "end_date",
            "role",
            "is_key_individual",
            "status",
            "review_due",
            "evidence",
            *SOURCED_OUTPUT_FIELDS,
        ]
        read_only_fields = fields


class RiskAssessmentInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons)
    kind = serializers.ChoiceField(choices=m.RiskKind.choices)
    level = serializers.ChoiceField(choices=m.RiskLevel.choices)
    assessed_on = model_date(m.RiskAssessment, "assessed_on")
    next_review_on = model_date(m.RiskAssessment, "next_review_on")
    summary = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    protection = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, help_text="Protection, e.g. protected address, alarm."
    )
    support = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    actor_measures = serializers.CharField(
        required=False, allow_blank=True, max_length=10000, help_text="Measures against the threat actor."
    )
    contact_ban = serializers.BooleanField(required=False, help_text="A contact ban (kontaktförbud) is in force.")


class RiskAssessmentOutput(serializers.ModelSerializer):
    class Meta:
        model = m.RiskAssessment
        fields = [
            "id",
            "person",
            "kind",
            "level",
            "assessed_on",
            "next_review_on",
            "summary",
            "protection",
            "support",
            "actor_measures",
            "contact_ban",
            *SOURCED_OUTPUT_FIELDS,
        ]
        read_only_fields = fields


class ServiceReferralInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons)
    kind = serializers.ChoiceField(choices=m.ServiceKind.choices)
    offered_on = model_date(m.ServiceReferral, "offered_on")
    status = serializers.ChoiceField(choices=m.ReferralStatus.choices, required=False)


class ServiceReferralStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=m.ReferralStatus.choices)


class ServiceReferralOutput(serializers.ModelSerializer):
    class Meta:
        model = m.ServiceReferral
        fields = ["id", "person", "kind", "status", "offered_on", "notification", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields

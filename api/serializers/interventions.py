"""Custom notifications, call-ins and invitations, enforcement actions and follow-ups."""

from rest_framework import serializers

from api.serializers.common import SOURCED_OUTPUT_FIELDS, ScopedPrimaryKeyRelatedField, SourcedInput, model_date
from gvi import models as m
from gvi.selectors import api as selectors


class CustomNotificationInput(SourcedInput):
    person = ScopedPrimaryKeyRelatedField(selectors.persons, help_text="The person the message was delivered to.")
    group = ScopedPrimaryKeyRelatedField(
        selectors.groups, required=False, allow_null=True, help_text="The group whose message was delivered."
    )
    delivered_on = model_date(m.CustomNotification, "delivered_on")
    response = serializers.ChoiceField(choices=m.NotificationResponse.choices)
    response_note = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    message_delivered = serializers.BooleanField(required=False)
    services_offered = serializers.ListField(
        child=serializers.ChoiceField(choices=m.ServiceKind.choices),
        required=False,
        max_length=len(m.ServiceKind.choices),
        help_text="Each service offered becomes a service referral (status: offered) linked to the notification.",
    )
    delivering_organisations = ScopedPrimaryKeyRelatedField(
        selectors.programme_organisations,
        many=True,
        required=False,
        help_text="Partner organisations that delivered the message; must include the caller's own. "
        "Defaults to the caller's organisation.",
    )


class CustomNotificationOutput(serializers.ModelSerializer):
    # Stored as JSON: typed here so that the schema (and a generated client) knows its items.
    services_offered = serializers.ListField(
        child=serializers.ChoiceField(choices=m.ServiceKind.choices),
        read_only=True,
        help_text="The service kinds offered; each became a service referral linked to the notification.",
    )

    class Meta:
        model = m.CustomNotification
        fields = [
            "id",
            "person",
            "group",
            "delivered_on",
            "message_delivered",
            "services_offered",
            "response",
            "response_note",
            "delivering_organisations",
            *SOURCED_OUTPUT_FIELDS,
        ]
        read_only_fields = fields


class CallInSpeakerOutput(serializers.ModelSerializer):
    class Meta:
        model = m.CallInSpeaker
        fields = ["position", "kind", "name", "organisation", "message_kind", "message"]
        read_only_fields = fields


class CallInOutput(serializers.ModelSerializer):
    speakers = CallInSpeakerOutput(many=True, read_only=True)

    class Meta:
        model = m.CallIn
        fields = [
            "id",
            "scheduled_at",
            "venue",
            "status",
            "status_changed_at",
            "status_note",
            "notes",
            "organisation",
            "speakers",
            "created_at",
        ]
        read_only_fields = fields


class InvitationsInput(SourcedInput):
    call_in = ScopedPrimaryKeyRelatedField(selectors.call_ins)
    persons = ScopedPrimaryKeyRelatedField(
        selectors.persons,
        many=True,
        allow_empty=False,
        help_text="Persons to invite; those already invited are skipped.",
    )


class InvitationOutput(serializers.ModelSerializer):
    class Meta:
        model = m.Invitation
        fields = ["id", "call_in", "person", "status", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields


class AttendanceInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=m.InvitationStatus.choices, help_text="attended, no_show or excused.")


class EnforcementActionInput(SourcedInput):
    group = ScopedPrimaryKeyRelatedField(selectors.groups)
    person = ScopedPrimaryKeyRelatedField(selectors.persons, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=m.EnforcementKind.choices)
    performed_on = model_date(m.EnforcementAction, "performed_on")
    outcome = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class EnforcementActionOutput(serializers.ModelSerializer):
    class Meta:
        model = m.EnforcementAction
        fields = ["id", "group", "person", "flag", "kind", "performed_on", "outcome", *SOURCED_OUTPUT_FIELDS]
        read_only_fields = fields


class FollowUpStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=m.FollowUpStatus.choices)


class FollowUpOutput(serializers.ModelSerializer):
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = m.FollowUp
        fields = [
            "id",
            "title",
            "description",
            "due_date",
            "status",
            "is_overdue",
            "origin",
            "rule",
            "owner_organisation",
            "owner_user",
            "person",
            "group",
            "completed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

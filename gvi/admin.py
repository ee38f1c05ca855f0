"""The admin: every model listed and searchable, every queryset built by `gvi.policy`."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from gvi import models as m
from gvi.audit import log_access
from gvi.policy import RECORD_KINDS, Action, allows_state, can, scoped_queryset
from gvi.services import programmes, records
from gvi.services.incidents import confirm_attribution, reject_attribution, reopen_changed_attribution


def policy_checked(form_class, user, kind: str, *, inline: bool = False):
    """`form_class`, refusing to save a record the policy does not let `user` change as it was
    (an inline row of another organisation, say) or save as it now stands (created for another
    organisation or programme, or moved onto a minor). An inline row left as it was is not saved,
    so it is not checked."""

    class PolicyCheckedForm(form_class):
        def _post_clean(self):
            super()._post_clean()  # the instance now holds the submitted values
            if self._errors or (inline and not self.has_changed()):
                return  # the form's own errors come first; an unchanged row is not saved
            existing = not self.instance._state.adding
            action = Action.CHANGE if existing else Action.CREATE
            # can() reads the stored row; allows_state() the submitted one.
            if (existing and not can(user, kind, Action.CHANGE, self.instance)) or not allows_state(
                user, kind, action, self.instance
            ):
                self.add_error(
                    None, _("Your role may not save this record as it stands: check its organisation and programme.")
                )

    return PolicyCheckedForm


class ShownOnly:
    """Shown in the admin, never added or changed there (deleting is the admin's own rule).
    For models and inlines alike: an inline's permission checks also take the parent."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ThroughServices:
    """An admin that saves and deletes through the services (gvi.services.records), never around
    them: the policy's check, the stamps, the history's author, and the after-effects (follow-up
    rules, rescoring) are the services'. `record_kind` None: a setting (behind Django's model
    permissions). The inlines' rows go the same way (`save_formset`)."""

    record_kind: str | None = None

    def save_model(self, request, obj, form, change):
        if self.record_kind:
            records.save_edited(obj, user=request.user, kind=self.record_kind)
        else:
            records.save_setting(obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        # Rows of a ScopedInline carry its kind; a part of the parent (kind None) and a setting's
        # rows are saved with the parent's change, which was checked.
        kind = None if getattr(formset, "part_of_parent", True) else formset.record_kind
        setting = getattr(formset, "record_kind", None) is None
        rows = formset.save(commit=False)
        for obj in formset.deleted_objects:
            if setting:
                records.delete_setting(obj, user=request.user)
            else:
                records.delete_record(obj, user=request.user, kind=kind)
        for obj in rows:
            if setting:
                records.save_setting(obj, user=request.user)
            else:
                records.save_edited(obj, user=request.user, kind=kind)
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the inlines are saved by now
        if self.record_kind:
            records.record_edited(form.instance, kind=self.record_kind)

    def delete_model(self, request, obj):
        if self.record_kind:
            records.delete_record(obj, user=request.user, kind=self.record_kind)
        else:
            records.delete_setting(obj, user=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for obj in queryset:  # one by one: each row's own check and history
            self.delete_model(request, obj)


class ScopedAdmin(ThroughServices, SimpleHistoryAdmin):
    """Admin whose querysets and permissions follow the access policy for `record_kind`."""

    record_kind: str = ""
    readonly_fields = ("created_at", "created_by", "updated_at", "updated_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return policy_checked(form, request.user, self.record_kind)

    def get_changelist_form(self, request, **kwargs):
        # Rows edited in the list (list_editable) are checked like the change form.
        return policy_checked(super().get_changelist_form(request, **kwargs), request.user, self.record_kind)

    def get_queryset(self, request):
        return scoped_queryset(request.user, self.record_kind, Action.READ, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.record_kind, Action.READ, obj)

    def has_add_permission(self, request):
        return can(request.user, self.record_kind, Action.CREATE)

    def has_change_permission(self, request, obj=None):
        return can(request.user, self.record_kind, Action.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return can(request.user, self.record_kind, Action.DELETE, obj)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def _about_persons(self) -> bool:
        return RECORD_KINDS[self.record_kind].person_path is not None

    def get_changelist_instance(self, request):
        # Reads of personal data through the admin are logged like any other (one LIST row per record shown).
        changelist = super().get_changelist_instance(request)
        if self._about_persons():
            log_access(
                user=request.user,
                action=m.AccessAction.LIST,
                record_kind=self.record_kind,
                objects=changelist.result_list,
                channel="admin",
                path=request.path,
            )
        return changelist

    def _require_in_scope(self, request, object_id):
        # A record outside the user's scope is "not found", exactly like one that never existed,
        # so the history pages do not reveal its existence (simple-history would answer 403).
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if self._about_persons():
            log_access(
                user=request.user,
                action=m.AccessAction.READ,
                record_kind=self.record_kind,
                objects=[self.get_queryset(request).get(pk=unquote(object_id))],
                channel="admin",
                path=request.path,
            )
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if request.method == "POST":
            # A revert would save an old version past the services and the change permission
            # (simple-history saves it after a view check); old versions are shown, not restored.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original") if request.method == "GET" else None
        if obj is not None and self._about_persons():
            log_access(
                user=request.user,
                action=m.AccessAction.READ,
                record_kind=self.record_kind,
                objects=[obj],
                channel="admin",
                path=request.path,
            )
        return response


class ScopedInline(admin.TabularInline):
    """An inline whose rows and permissions follow the access policy, not Django's model
    permissions (which no role is given). A part of the parent record (an alias, evidence, a
    speaker) is `record_kind` of the parent and is edited by changing the parent; a record of its
    own (an involvement, an attribution) has its own kind, scope and check."""

    record_kind: str = ""
    part_of_parent = False
    extra = 0

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.part_of_parent:
            return queryset
        return scoped_queryset(request.user, self.record_kind, Action.READ, queryset)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.record_kind, formset.part_of_parent = self.record_kind, self.part_of_parent  # see ThroughServices
        if self.part_of_parent:
            return formset
        user, kind = request.user, self.record_kind

        class PolicyCheckedFormSet(formset):
            form = policy_checked(formset.form, user, kind, inline=True)

            def delete_existing(self, obj, commit=True):
                if not can(user, kind, Action.DELETE, obj):  # the row, not just the kind
                    raise PermissionDenied
                super().delete_existing(obj, commit)

        return PolicyCheckedFormSet

    def _may(self, request, action, obj) -> bool:
        if self.part_of_parent:
            return can(request.user, self.record_kind, Action.CHANGE if obj is not None else Action.CREATE, obj)
        return can(request.user, self.record_kind, action)

    def has_view_permission(self, request, obj=None):
        return can(request.user, self.record_kind, Action.READ)

    def has_add_permission(self, request, obj=None):
        return self._may(request, Action.CREATE, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, Action.CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, Action.DELETE, obj)


@admin.register(m.User)
class UserAdmin(ThroughServices, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "role", "is_active")
    list_filter = ("role", "organisation", "is_active")
    list_select_related = ("organisation",)
    programme_fieldset = (_("Organisation and role"), {"fields": ("organisation", "role")})
    fieldsets = (*DjangoUserAdmin.fieldsets, programme_fieldset)
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, programme_fieldset)


class SharingBasisInline(admin.TabularInline):
    """The legal basis of each sharing rule (gvi.sharing), as the programme's lawyers wrote it."""

    model = m.SharingBasis
    fields = ("rule", "kind", "text")
    extra = 0


class OrganisationKindSettingInline(admin.TabularInline):
    """Which kinds of partner plan focused enforcement when a flag is confirmed (the others offer
    help to the group's members); a kind without a row follows the default."""

    model = m.OrganisationKindSetting
    extra = 0


@admin.register(m.Programme)
class ProgrammeAdmin(ThroughServices, admin.ModelAdmin):
    list_display = ("name", "city", "started_on", "min_inclusion_criteria", "membership_review_days")
    search_fields = ("name", "city")
    inlines = [SharingBasisInline, OrganisationKindSettingInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:  # after the inlines: the bases its lawyers wrote here are kept
            programmes.programme_created(form.instance, user=request.user)


@admin.register(m.PartnerOrganisation)
class PartnerOrganisationAdmin(ThroughServices, admin.ModelAdmin):
    list_display = ("name", "kind", "programme")
    list_filter = ("kind", "programme")
    list_select_related = ("programme",)
    search_fields = ("name",)


@admin.register(m.ClaimMapping)
class ClaimMappingAdmin(ThroughServices, SimpleHistoryAdmin):
    """The single sign-on table (issue 17 item 4): which organisation and role a person gets from
    the identity provider's claims. No row, no account."""

    list_display = ("programme", "claim", "value", "organisation", "role", "is_active")
    list_filter = ("programme", "role", "is_active")
    list_select_related = ("programme", "organisation__programme")
    search_fields = ("claim", "value")


@admin.register(m.SingleSignOnEvent)
class SingleSignOnEventAdmin(ShownOnly, admin.ModelAdmin):
    """Every single sign-on attempt, signed in or refused (append-only)."""

    list_display = ("at", "subject", "outcome", "user", "organisation", "role", "provider_mfa")
    list_filter = ("outcome", "provider_mfa")
    list_select_related = ("user", "organisation")
    search_fields = ("subject",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.InclusionCriterion)
class InclusionCriterionAdmin(ThroughServices, admin.ModelAdmin):
    list_display = ("name", "code", "programme", "is_active")
    list_filter = ("programme", "is_active")
    list_select_related = ("programme",)
    search_fields = ("name", "code")


@admin.register(m.Area)
class AreaAdmin(ScopedAdmin):
    record_kind = "area"
    list_display = ("name", "municipality", "police_classification", "in_focus", "programme")
    list_filter = ("police_classification", "in_focus", "programme")
    list_select_related = ("programme",)
    search_fields = ("name", "municipality")


class GroupAliasInline(ScopedInline):
    model = m.GroupAlias
    record_kind = "group"
    part_of_parent = True


@admin.register(m.Group)
class GroupAdmin(ScopedAdmin):
    record_kind = "group"
    list_display = ("name", "status", "organisation", "confidence", "programme")
    list_filter = ("status", "confidence", "programme")
    list_select_related = ("organisation", "programme")
    search_fields = ("name", "aliases__alias")
    filter_horizontal = ("areas",)
    inlines = [GroupAliasInline]


@admin.register(m.GroupRelation)
class GroupRelationAdmin(ScopedAdmin):
    record_kind = "group_relation"
    list_display = ("group_a", "kind", "group_b", "start_date", "end_date", "confidence")
    list_filter = ("kind", "confidence")
    list_select_related = ("group_a", "group_b")
    search_fields = ("group_a__name", "group_b__name")
    autocomplete_fields = ("group_a", "group_b")


@admin.register(m.Person)
class PersonAdmin(ScopedAdmin):
    record_kind = "person"
    list_display = ("last_name", "first_name", "date_of_birth", "sex", "home_area", "organisation", "confidence")
    list_filter = ("sex", "confidence", "programme")
    list_select_related = ("home_area", "organisation")
    search_fields = ("last_name", "first_name")
    readonly_fields = ScopedAdmin.readonly_fields + ("adult_on",)


class MembershipEvidenceInline(ShownOnly, ScopedInline):
    """Evidence is what a membership was proposed and approved on (gvi.services.memberships):
    shown here, never edited after the decision."""

    model = m.MembershipEvidence
    record_kind = "membership"
    part_of_parent = True
    autocomplete_fields = ("criterion",)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.Membership)
class MembershipAdmin(ScopedAdmin):
    record_kind = "membership"
    list_display = ("person", "group", "status", "role", "is_key_individual", "start_date", "end_date", "review_due")
    list_filter = ("status", "role", "is_key_individual", "confidence")
    list_select_related = ("person", "group")
    search_fields = ("person__last_name", "person__first_name", "group__name")
    autocomplete_fields = ("person", "group")
    inlines = [MembershipEvidenceInline]
    # Decisions go through gvi.services.memberships (four eyes), never through the admin.
    readonly_fields = (
        *ScopedAdmin.readonly_fields,
        "status",
        "review_due",
        "decided_by",
        "decided_at",
        "decision_reason",
        "is_contested",
    )


@admin.register(m.Supervision)
class SupervisionAdmin(ScopedAdmin):
    record_kind = "supervision"
    list_display = ("person", "kind", "start_date", "end_date", "organisation")
    list_filter = ("kind",)
    list_select_related = ("person", "organisation")
    search_fields = ("person__last_name", "person__first_name")
    autocomplete_fields = ("person",)


class InvolvementInline(ScopedInline):
    model = m.Involvement
    record_kind = "involvement"
    autocomplete_fields = ("person",)
    fields = ("person", "role", "source", "confidence", "organisation", "programme")


class GroupAttributionInline(ScopedInline):
    model = m.GroupAttribution
    record_kind = "group_attribution"
    autocomplete_fields = ("group",)
    fields = ("group", "share", "source", "confidence", "organisation", "programme", "status", "confirmed_by")
    # Confirmation goes through gvi.services.incidents (four eyes), never through the admin.
    readonly_fields = ("status", "confirmed_by")


@admin.register(m.Incident)
class IncidentAdmin(ScopedAdmin):
    record_kind = "incident"
    list_display = ("occurred_at", "incident_type", "area", "killed", "injured", "verification_status", "source")
    list_filter = ("incident_type", "verification_status", "confidence")
    list_select_related = ("area",)
    search_fields = ("source", "place", "area__name")
    date_hierarchy = "occurred_at"
    inlines = [InvolvementInline, GroupAttributionInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is m.GroupAttribution:
            for row in formset.forms:
                reopen_changed_attribution(row.instance, row.changed_data)
        super().save_formset(request, form, formset, change)


@admin.register(m.Involvement)
class InvolvementAdmin(ScopedAdmin):
    record_kind = "involvement"
    list_display = ("incident", "person", "role", "confidence")
    list_filter = ("role", "confidence")
    list_select_related = ("incident", "person")
    search_fields = ("person__last_name", "incident__source")
    autocomplete_fields = ("person", "incident")


@admin.register(m.GroupAttribution)
class GroupAttributionAdmin(ScopedAdmin):
    record_kind = "group_attribution"
    list_display = ("incident", "group", "share", "confidence", "status", "created_by", "confirmed_by")
    list_filter = ("status",)
    list_select_related = ("incident", "group", "created_by", "confirmed_by")
    search_fields = ("group__name", "incident__source")
    autocomplete_fields = ("group", "incident")
    # Confirmation goes through gvi.services.incidents (four eyes), never through the admin.
    readonly_fields = (*ScopedAdmin.readonly_fields, "status", "confirmed_by", "confirmed_at", "decision_reason")

    def save_model(self, request, obj, form, change):
        reopen_changed_attribution(obj, form.changed_data if change else ())
        super().save_model(request, obj, form, change)

    actions = ["confirm_selected", "reject_selected"]

    def _decide(self, request, queryset, decide, reason):
        done, refused = 0, []
        for attribution in queryset:
            try:
                decide(user=request.user, attribution=attribution, reason=str(reason))
            except (PermissionDenied, ValidationError) as error:
                refused.append(f"{attribution}: {' '.join(getattr(error, 'messages', [str(error)]))}")
            else:
                done += 1
        if done:
            self.message_user(request, _("%(count)d attributions decided.") % {"count": done})
        for message in refused:
            self.message_user(request, message, level=messages.ERROR)

    @admin.action(description=_("Confirm the selected attributions (four eyes: not your own)"))
    def confirm_selected(self, request, queryset):
        self._decide(request, queryset, confirm_attribution, _("Confirmed in the admin."))

    @admin.action(description=_("Reject the selected attributions (four eyes: not your own)"))
    def reject_selected(self, request, queryset):
        self._decide(request, queryset, reject_attribution, _("Rejected in the admin."))


class SpeakerInline(ScopedInline):
    model = m.CallInSpeaker
    record_kind = "call_in"
    part_of_parent = True


@admin.register(m.CallIn)
class CallInAdmin(ScopedAdmin):
    record_kind = "call_in"
    list_display = ("scheduled_at", "venue", "status", "organisation")
    list_filter = ("status",)
    list_select_related = ("organisation",)
    search_fields = ("venue",)
    inlines = [SpeakerInline]
    # Held and cancelled are marked on the call-in page (gvi.services.callins): the rules for
    # attendance and follow-ups hang on it, so the admin does not change it.
    readonly_fields = (*ScopedAdmin.readonly_fields, "status", "status_changed_at", "status_changed_by", "status_note")


@admin.register(m.Invitation)
class InvitationAdmin(ScopedAdmin):
    record_kind = "invitation"
    list_display = ("call_in", "person", "status")
    list_filter = ("status",)
    list_select_related = ("call_in", "person")
    search_fields = ("person__last_name", "call_in__venue")
    autocomplete_fields = ("person",)
    # Attendance goes through gvi.services.callins.record_attendance (the call-in page), which
    # makes or withdraws the follow-ups that go with it; changed here it would leave them wrong.
    readonly_fields = (*ScopedAdmin.readonly_fields, "status")


@admin.register(m.CustomNotification)
class CustomNotificationAdmin(ShownOnly, ScopedAdmin):
    """Notifications are logged through gvi.services.notifications (the person's page, the API),
    which offers the services as referrals, checks the delivering organisations and runs the
    follow-up rules: a form of the model's fields cannot. The admin only shows them."""

    record_kind = "custom_notification"
    list_display = ("person", "group", "delivered_on", "message_delivered", "response", "organisation")
    list_filter = ("response", "message_delivered")
    list_select_related = ("person", "group", "organisation")
    search_fields = ("person__last_name", "group__name")
    autocomplete_fields = ("person", "group")


@admin.register(m.EnforcementAction)
class EnforcementActionAdmin(ScopedAdmin):
    record_kind = "enforcement_action"
    list_display = ("group", "kind", "performed_on", "organisation", "person")
    list_filter = ("kind",)
    list_select_related = ("group", "organisation", "person")
    search_fields = ("group__name",)
    autocomplete_fields = ("group", "person")


@admin.register(m.ServiceReferral)
class ServiceReferralAdmin(ScopedAdmin):
    record_kind = "service_referral"
    list_display = ("person", "kind", "status", "offered_on", "organisation")
    list_filter = ("kind", "status")
    list_select_related = ("person", "organisation")
    search_fields = ("person__last_name",)
    autocomplete_fields = ("person",)


@admin.register(m.ExitCase)
class ExitCaseAdmin(ScopedAdmin):
    record_kind = "exit_case"
    list_display = ("person", "status", "opened_on", "closed_on", "organisation")
    list_filter = ("status",)
    list_select_related = ("person", "organisation")
    search_fields = ("person__last_name",)
    autocomplete_fields = ("person",)


@admin.register(m.ConcernReport)
class ConcernReportAdmin(ScopedAdmin):
    record_kind = "concern_report"
    list_display = ("person", "reported_on", "social_services_reference", "organisation")
    list_select_related = ("person", "organisation")
    search_fields = ("person__last_name", "social_services_reference")
    autocomplete_fields = ("person",)


@admin.register(m.RiskAssessment)
class RiskAssessmentAdmin(ScopedAdmin):
    record_kind = "risk_assessment"
    list_display = ("person", "kind", "level", "assessed_on", "next_review_on", "organisation")
    list_filter = ("kind", "level")
    list_select_related = ("person", "organisation")
    search_fields = ("person__last_name",)
    autocomplete_fields = ("person",)


@admin.register(m.FollowUp)
class FollowUpAdmin(ScopedAdmin):
    record_kind = "follow_up"
    list_display = ("title", "owner_organisation", "owner_user", "due_date", "status", "origin", "rule")
    list_filter = ("status", "origin", "rule")
    list_select_related = ("owner_organisation", "owner_user")
    search_fields = ("title",)
    autocomplete_fields = ("person", "group")
    # Status goes through gvi.services.followups (the follow-up board), which stamps completion;
    # what a rule made is the rule's.
    readonly_fields = (
        *ScopedAdmin.readonly_fields,
        "status",
        "completed_at",
        "escalated_at",
        "origin",
        "rule",
        "cause_type",
        "cause_id",
    )


@admin.register(m.GroupFlag)
class GroupFlagAdmin(ShownOnly, ScopedAdmin):
    """Flags are suggested by the scoring job and decided, with a reason, on the flag page
    (gvi.services.flags): the admin only shows them."""

    record_kind = "flag"
    list_display = ("group", "status", "score", "suggested_at", "decided_by", "decided_at", "end_reason")
    list_filter = ("status", "end_reason")
    list_select_related = ("group", "decided_by")
    search_fields = ("group__name",)
    readonly_fields = ("suggested_at",)  # a flag has none of ScopedAdmin's stamps


@admin.register(m.Notice)
class NoticeAdmin(ScopedAdmin):
    record_kind = "notice"
    list_display = ("person", "method", "given_on", "withheld_until")
    list_filter = ("method",)
    list_select_related = ("person",)
    search_fields = ("person__last_name",)
    autocomplete_fields = ("person",)


@admin.register(m.DataSubjectRequest)
class DataSubjectRequestAdmin(ShownOnly, ScopedAdmin):
    """Requests are logged and decided through gvi.services.rights (the person's rights page):
    a contest marks the membership contested, and upheld rejects it. The admin only shows them."""

    record_kind = "data_subject_request"
    list_display = ("person", "kind", "status", "received_on", "decided_on")
    list_filter = ("kind", "status")
    list_select_related = ("person",)
    search_fields = ("person__last_name",)
    autocomplete_fields = ("person",)
    readonly_fields = ("created_at", "created_by")  # it has no updated_* stamps


@admin.register(m.Consent)
class ConsentAdmin(ShownOnly, ScopedAdmin):
    """Consents are recorded and withdrawn through gvi.services.sharing; the admin only shows them."""

    record_kind = "consent"
    list_display = ("person", "organisation", "scope", "given_on", "withdrawn_at")
    list_filter = ("scope",)
    list_select_related = ("person", "organisation")
    search_fields = ("person__last_name",)


class ReadOnlyAdmin(ShownOnly, admin.ModelAdmin):
    """Append-only records: nobody adds, changes or deletes them through the app."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(m.AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "organisation", "action", "record_kind", "object_id", "channel")
    list_filter = ("action", "record_kind", "channel")
    list_select_related = ("user", "organisation")
    search_fields = ("user__username", "record_kind", "object_id")

    def get_queryset(self, request):
        return scoped_queryset(request.user, "access_log", Action.READ, super().get_queryset(request))

    def has_view_permission(self, request, obj=None):
        return can(request.user, "access_log", Action.READ, obj)


@admin.register(m.RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "finished_at", "dry_run", "performed_by")
    list_select_related = ("performed_by",)
    search_fields = ("performed_by__username",)


@admin.register(m.DigestDelivery)
class DigestDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("day", "recipient", "sent_at")
    list_filter = ("day",)
    search_fields = ("recipient",)
    date_hierarchy = "day"


class WeightInline(admin.TabularInline):
    model = m.IncidentTypeWeight
    extra = 0


@admin.register(m.ScoringConfig)
class ScoringConfigAdmin(ThroughServices, admin.ModelAdmin):
    list_display = ("programme", "half_life_days", "window_days", "flag_margin", "flag_persistence_days")
    list_select_related = ("programme",)
    search_fields = ("programme__name",)
    inlines = [WeightInline]


@admin.register(m.ScoringRun)
class ScoringRunAdmin(ReadOnlyAdmin):
    list_display = ("programme", "as_of", "started_at", "finished_at", "trigger")
    list_select_related = ("programme",)
    search_fields = ("programme__name",)


@admin.register(m.GroupScore)
class GroupScoreAdmin(ReadOnlyAdmin):
    list_display = ("group", "run", "score", "rank", "incident_count")
    list_select_related = ("group", "run", "run__programme")
    search_fields = ("group__name",)

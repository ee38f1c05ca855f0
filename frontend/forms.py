"""Forms of the coordinators' UI. They parse and label input; the services validate and write."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gvi import dates
from gvi.models import (
    CallIn,
    Confidence,
    FollowUpStatus,
    GroupStatus,
    InvitationStatus,
    ResearchExport,
    TimeGranularity,
)
from gvi.services.callins import check_scheduled_at


class CallInForm(forms.Form):
    # Bounded as the call-in's scheduled_at is (gvi.dates), so the error shows on this field.
    date = forms.DateField(
        label=_("Date"),
        validators=dates.bounds_of(CallIn, "scheduled_at"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": _("Give the date of the call-in: a venue alone is not enough.")},
        help_text=_("At most a year back, for a call-in that has taken place."),
    )
    time = forms.TimeField(label=_("Time"), initial=dt.time(18, 0), widget=forms.TimeInput(attrs={"type": "time"}))
    venue = forms.CharField(label=_("Venue"), max_length=200)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            data["scheduled_at"] = timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))
            # The call-in's own date rule (gvi.services.callins), shown on the date field.
            try:
                check_scheduled_at(data["scheduled_at"])
            except forms.ValidationError as error:
                self.add_error("date", error.message_dict["scheduled_at"])
        return data


class InviteForm(forms.Form):
    persons = forms.TypedMultipleChoiceField(label=_("Invitees"), coerce=int, widget=forms.CheckboxSelectMultiple)
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("Why they are invited, e.g. a probation decision or case number."),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["persons"].choices = choices


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(label=_("Attendance"), choices=InvitationStatus.choices)


class DecisionForm(forms.Form):
    CONFIRM, REJECT, END = "confirm", "reject", "end"
    reason = forms.CharField(
        label=_("Reason for the decision"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept with the decision. Required for confirming, rejecting and ending a flag."),
    )
    # Given by the button pressed: two submit buttons named "decision".
    decision = forms.ChoiceField(choices=[(CONFIRM, _("Confirm")), (REJECT, _("Reject")), (END, _("End"))])


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpStatus.choices)


class GroupFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or alias"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + GroupStatus.choices)
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name, A–Ö")),
            ("-name", _("Name, Ö–A")),
            ("status", _("Status")),
            ("-members", _("Most active members")),
        ],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All"))] + [(area.pk, area.name) for area in areas]


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or identity number"),
        required=False,
        max_length=100,
        help_text=_("An identity number is searched only through its keyed hash, never in plain text."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "aria-describedby": "id_q_helptext"}),
    )
    area = forms.TypedChoiceField(label=_("Home area"), required=False, coerce=int, empty_value=None)
    minors = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[("", _("All")), ("only", _("Minors only")), ("none", _("Adults only"))],
    )
    confidence = forms.ChoiceField(label=_("Confidence"), required=False, choices=[("", _("All"))] + Confidence.choices)
    order = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name, A–Ö")),
            ("-name", _("Name, Ö–A")),
            ("born", _("Oldest first")),
            ("-born", _("Youngest first")),
            ("-created", _("Most recently registered")),
        ],
    )

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("All"))] + [(area.pk, area.name) for area in areas]


class FollowUpFilterForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Open and in progress"))] + FollowUpStatus.choices
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)
    q = forms.CharField(label=pgettext_lazy("search field label", "Search"), required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("All organisations"))] + [
            (org.pk, org.name) for org in organisations
        ]


class PeriodForm(forms.Form):
    """A chosen period of whole days (both included), for the evaluation pages."""

    MAX_DAYS = 366 * 10

    since = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until:
            if since > until:
                raise forms.ValidationError(_("The period must start before it ends."))
            if (until - since).days > self.MAX_DAYS:
                raise forms.ValidationError(_("Choose a period of at most ten years."))
            if until > timezone.localdate():
                self.add_error("until", _("The period cannot end in the future."))
        return cleaned


class ResearchExportRequestForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=20,
        help_text=_("Who will use the data, for which study, under which ethics approval."),
    )
    granularity = forms.ChoiceField(label=_("Dates coarsened to"), choices=TimeGranularity.choices)


class ResearchExportDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    linked_to = forms.ModelChoiceField(
        label=_("Ids linkable to"),
        queryset=None,
        required=False,
        empty_label=_("No other export (the default)"),
        help_text=_("Only if the evaluators must join this export with an earlier one."),
    )

    def __init__(self, *args, linkable=(), **kwargs):
        super().__init__(*args, **kwargs)
        ids = [export.pk for export in linkable]
        self.fields["linked_to"].queryset = ResearchExport.objects.filter(pk__in=ids)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("The first row holds the column headers, in Swedish or English, as in the templates."),
    )
    kind = forms.ChoiceField(
        label=_("What the file contains"),
        required=False,
        help_text=_("Left empty, it is recognised from the columns."),
    )

    def __init__(self, *args, **kwargs):
        from gvi.models import ImportKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Recognise from the columns")), *ImportKind.choices]

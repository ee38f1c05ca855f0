"""Forms for each partner's own work: supervisions, concern reports, exit cases, risk assessments
and manual follow-ups. They parse and label input; the services (gvi/services) check and write.

Every field's errors are tied to it for screen readers: the error text has an id that the input
names in aria-describedby (with its help text), and the input is marked aria-invalid.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.record_forms import AccessibleForm
from gvi import dates
from gvi.models import (
    ConcernReport,
    Confidence,
    ExitCase,
    ExitCaseStatus,
    FollowUp,
    RiskAssessment,
    RiskKind,
    RiskLevel,
    Supervision,
    SupervisionKind,
)


def _date(model, name, label, **kwargs):
    """A date field bounded as the model's (gvi.dates), so an odd date is an error on this field."""
    return forms.DateField(
        label=label,
        validators=dates.bounds_of(model, name),
        widget=forms.DateInput(attrs={"type": "date"}),
        **kwargs,
    )


def _text(label, rows=3, **kwargs):
    return forms.CharField(
        label=label, required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


class SourcedForm(AccessibleForm):
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("Where the information comes from, e.g. a report or case number."),
    )
    confidence = forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices, initial=Confidence.CONFIRMED)


class SupervisionForm(SourcedForm):
    kind = forms.ChoiceField(label=_("Kind of supervision"), choices=SupervisionKind.choices)
    start_date = _date(Supervision, "start_date", _("Start date"))
    end_date = _date(
        Supervision, "end_date", _("End date"), required=False, help_text=_("Leave empty until it is decided.")
    )
    field_order = ["kind", "start_date", "end_date", "source", "confidence"]


class ConcernReportForm(SourcedForm):
    reported_on = _date(ConcernReport, "reported_on", _("Reported on"))
    reason = forms.CharField(label=_("Reason for concern"), max_length=10000, widget=forms.Textarea(attrs={"rows": 4}))
    social_services_reference = forms.CharField(
        label=_("Social services reference"),
        max_length=100,
        required=False,
        help_text=_("Social services' own case number, once they have one."),
    )
    field_order = ["reported_on", "reason", "social_services_reference", "source", "confidence"]


class ExitCaseForm(SourcedForm):
    opened_on = _date(ExitCase, "opened_on", _("Opened on"))
    status = forms.ChoiceField(label=_("Status"), choices=ExitCaseStatus.choices, initial=ExitCaseStatus.OPEN)
    closed_on = _date(
        ExitCase,
        "closed_on",
        _("Closed on"),
        required=False,
        help_text=_("For a completed or dropped case; today when left empty."),
    )
    plan = _text(_("Plan"), rows=4, help_text=ExitCase._meta.get_field("plan").help_text)
    contacts = _text(_("Contacts"), help_text=ExitCase._meta.get_field("contacts").help_text)
    risk_assessment = forms.ModelChoiceField(
        label=_("Threat assessment"),
        queryset=RiskAssessment.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("The assessment of the threat to the person, where one exists."),
    )
    field_order = ["opened_on", "status", "closed_on", "plan", "contacts", "risk_assessment", "source", "confidence"]

    def __init__(self, *args, assessments=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["risk_assessment"]
        field.queryset = assessments if assessments is not None else RiskAssessment.objects.none()
        field.label_from_instance = lambda a: (
            f"{a.assessed_on:%Y-%m-%d}: {a.get_kind_display()}, {a.get_level_display()} ({a.organisation.name})"
        )
        if editing:
            del self.fields["opened_on"]  # when it opened is not changed afterwards
        else:
            del self.fields["closed_on"]


class RiskAssessmentForm(SourcedForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=RiskKind.choices)
    level = forms.ChoiceField(label=_("Level"), choices=RiskLevel.choices)
    assessed_on = _date(RiskAssessment, "assessed_on", _("Assessed on"))
    next_review_on = _date(RiskAssessment, "next_review_on", _("Next review"))
    summary = _text(_("Summary"))
    protection = _text(_("Protection"), help_text=RiskAssessment._meta.get_field("protection").help_text)
    support = _text(_("Support"), help_text=RiskAssessment._meta.get_field("support").help_text)
    actor_measures = _text(
        _("Measures against the threat actor"), help_text=RiskAssessment._meta.get_field("actor_measures").help_text
    )
    contact_ban = forms.BooleanField(label=_("Contact ban in force"), required=False)
    field_order = [
        "kind",
        "level",
        "assessed_on",
        "next_review_on",
        "summary",
        "protection",
        "support",
        "actor_measures",
        "contact_ban",
        "source",
        "confidence",
    ]

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:  # who assessed what, and when, stays; a new assessment is a new record
            del self.fields["kind"]
            del self.fields["assessed_on"]


class FollowUpForm(AccessibleForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = _text(_("Description"))
    due_date = _date(FollowUp, "due_date", _("Due date"))
    owner_organisation = forms.ModelChoiceField(
        label=_("Owner organisation"),
        queryset=None,
        empty_label=None,
        help_text=_("The organisation that does it and answers for it."),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_organisation"].queryset = organisations

"""Forms for entering the programme's records: persons, groups, group relations, membership
proposals, incidents with their involvements, casualties and attributions.

They parse and label input; the services (gvi/services) validate and write. Every choice of a
related record is a queryset built by the access policy, so a record the user may not see can
never be chosen. Errors are tied to their field (aria-describedby, aria-invalid).
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gvi import dates
from gvi.models import (
    Confidence,
    GroupRelation,
    GroupStatus,
    Incident,
    IncidentType,
    InvolvementRole,
    MembershipRole,
    Person,
    RelationKind,
    Sex,
    VerificationStatus,
)
from gvi.services.common import CHANGE_REASON_LENGTH

DATE = {"type": "date"}


class AccessibleForm(forms.Form):
    """Ties each field's errors and help text to its control (aria-describedby, aria-invalid),
    also for the errors a service adds after the form's own validation. The base of every form
    that enters or changes a record."""

    required_css_class = "required"

    def full_clean(self):
        super().full_clean()
        self._describe_errors()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._describe_errors()

    def _describe_errors(self):
        for name, field in self.fields.items():
            bound = self[name]
            described = []
            if field.help_text:
                described.append(f"{bound.auto_id}_helptext")
            if name in (self._errors or {}):
                described.insert(0, f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if described:
                field.widget.attrs["aria-describedby"] = " ".join(described)


def source_field():
    return forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("Where the information comes from, e.g. a report or case number."),
    )


def confidence_field(initial=Confidence.UNVERIFIED):
    return forms.ChoiceField(label=_("Confidence"), choices=Confidence.choices, initial=initial)


def reason_field(help_text=None):
    return forms.CharField(
        label=_("Reason for the change"),
        max_length=CHANGE_REASON_LENGTH,
        help_text=help_text or _("Kept in the change history."),
    )


# --- Persons ----------------------------------------------------------------------------------


class PersonForm(AccessibleForm):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    personnummer = forms.CharField(
        label=_("Identity number"),
        required=False,
        max_length=20,
        help_text=_("Personnummer or samordningsnummer, ÅÅÅÅMMDD-NNNN. Stored encrypted; optional."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        validators=[dates.birth],
        help_text=_("Needed when no identity number is given; taken from the number otherwise."),
        widget=forms.DateInput(attrs=DATE),
    )
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    home_area = forms.ModelChoiceField(label=_("Home area"), queryset=None, required=False, empty_label="–")
    source = source_field()
    confidence = confidence_field()

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_area"].queryset = areas

    def clean(self):
        data = super().clean()
        if not data.get("personnummer") and not data.get("date_of_birth") and "date_of_birth" not in self.errors:
            self.add_error("date_of_birth", _("Enter a date of birth or an identity number."))
        return data


class PersonEditForm(PersonForm):
    remove_personnummer = forms.BooleanField(label=_("Remove the stored identity number"), required=False)
    reason = reason_field()

    def __init__(self, *args, has_personnummer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personnummer"].help_text = (
            _("An identity number is stored. Leave empty to keep it; enter a number to replace it.")
            if has_personnummer
            else self.fields["personnummer"].help_text
        )
        if not has_personnummer:
            del self.fields["remove_personnummer"]

    def clean(self):
        data = forms.Form.clean(self)
        if not data.get("date_of_birth") and not data.get("personnummer") and "date_of_birth" not in self.errors:
            self.add_error("date_of_birth", _("Enter a date of birth or an identity number."))
        return data


# --- Groups and relations ---------------------------------------------------------------------


class GroupForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=GroupStatus.choices, initial=GroupStatus.ACTIVE)
    aliases = forms.CharField(
        label=_("Aliases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Other names the group goes by, one per line."),
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("Areas"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    source = source_field()
    confidence = confidence_field()

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["areas"].queryset = areas

    def clean_aliases(self):
        return [line.strip() for line in self.cleaned_data["aliases"].splitlines() if line.strip()]


class GroupEditForm(GroupForm):
    reason = reason_field()


class GroupRelationForm(AccessibleForm):
    other_group = forms.ModelChoiceField(label=_("Other group"), queryset=None)
    kind = forms.ChoiceField(label=_("Kind of relation"), choices=RelationKind.choices, widget=forms.RadioSelect)
    start_date = forms.DateField(
        label=_("Start date"),
        validators=dates.bounds_of(GroupRelation, "start_date"),
        widget=forms.DateInput(attrs=DATE),
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        validators=dates.bounds_of(GroupRelation, "end_date"),
        help_text=_("Leave empty while the relation lasts."),
        widget=forms.DateInput(attrs=DATE),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = source_field()
    confidence = confidence_field()

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other_group"].queryset = groups

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return data


# --- Membership proposals ---------------------------------------------------------------------


class MembershipProposalForm(AccessibleForm):
    """A proposal with its evidence: for each of the programme's criteria, whether it is cited and
    its source reference. Approval happens in the four-eyes queue."""

    group = forms.ModelChoiceField(label=_("Group"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.MEMBER)
    is_key_individual = forms.BooleanField(label=_("Key individual"), required=False)
    start_date = forms.DateField(
        label=_("Member since"), validators=[dates.happened], widget=forms.DateInput(attrs=DATE)
    )
    end_date = forms.DateField(
        label=_("Member until"), required=False, validators=[dates.planned], widget=forms.DateInput(attrs=DATE)
    )
    source = source_field()
    confidence = confidence_field()

    def __init__(self, *args, groups, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"criterion_{criterion.pk}"] = forms.BooleanField(
                label=_("Cite this criterion"), required=False
            )
            self.fields[f"criterion_{criterion.pk}_reference"] = forms.CharField(
                label=_("Source reference"), required=False, max_length=200
            )
            self.fields[f"criterion_{criterion.pk}_note"] = forms.CharField(
                label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def criterion_rows(self):
        return [
            {
                "criterion": criterion,
                "cited": self[f"criterion_{criterion.pk}"],
                "reference": self[f"criterion_{criterion.pk}_reference"],
                "note": self[f"criterion_{criterion.pk}_note"],
            }
            for criterion in self.criteria
        ]

    def main_fields(self):
        return [
            self[name]
            for name in ("group", "role", "is_key_individual", "start_date", "end_date", "source", "confidence")
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        evidence = []
        for criterion in self.criteria:
            reference = (data.get(f"criterion_{criterion.pk}_reference") or "").strip()
            if data.get(f"criterion_{criterion.pk}"):
                if not reference:
                    self.add_error(
                        f"criterion_{criterion.pk}_reference", _("Give the source reference for this criterion.")
                    )
                evidence.append(
                    {
                        "criterion": criterion,
                        "source_reference": reference,
                        "note": data.get(f"criterion_{criterion.pk}_note", ""),
                    }
                )
        data["evidence"] = evidence
        return data


# --- Incidents --------------------------------------------------------------------------------


class IncidentFieldsForm(AccessibleForm):
    incident_type = forms.ChoiceField(label=_("Type"), choices=IncidentType.choices)
    date = forms.DateField(label=_("Date"), validators=[dates.happened], widget=forms.DateInput(attrs=DATE))
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    area = forms.ModelChoiceField(label=_("Area"), queryset=None, required=False, empty_label="–")
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    killed = forms.IntegerField(label=_("Killed"), min_value=0, max_value=999, initial=0)
    injured = forms.IntegerField(label=_("Injured"), min_value=0, max_value=999, initial=0)
    verification_status = forms.ChoiceField(
        label=_("Verification status"), choices=VerificationStatus.choices, initial=VerificationStatus.REPORTED
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    confidence = confidence_field()

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("time"):
            occurred_at = timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))
            if occurred_at > timezone.now() + dt.timedelta(minutes=5):
                self.add_error("date", _("An incident cannot be in the future."))
            else:
                data["occurred_at"] = occurred_at
        return data

    def incident_values(self) -> dict:
        data = self.cleaned_data
        names = (
            "incident_type",
            "area",
            "place",
            "killed",
            "injured",
            "verification_status",
            "description",
            "confidence",
        )
        return {"occurred_at": data["occurred_at"], **{name: data[name] for name in names}}


class IncidentForm(IncidentFieldsForm):
    source = forms.CharField(
        label=_("Source"),
        max_length=200,
        help_text=_("The police report number (diarienummer) or another reference."),
    )
    field_order = ["incident_type", "date", "time", "area", "place", "killed", "injured", "source"]


class IncidentCorrectionForm(IncidentFieldsForm):
    reason = reason_field()

    @staticmethod
    def initial_for(incident: Incident) -> dict:
        local = timezone.localtime(incident.occurred_at)
        return {
            "incident_type": incident.incident_type,
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "area": incident.area_id,
            "place": incident.place,
            "killed": incident.killed,
            "injured": incident.injured,
            "verification_status": incident.verification_status,
            "description": incident.description,
            "confidence": incident.confidence,
        }


class RetractForm(AccessibleForm):
    reason = reason_field(help_text=_("Why the incident is found unfounded. Kept in the change history."))


class InvolvementForm(AccessibleForm):
    """A person found by a search (name or identity number), their role, source and confidence."""

    person = forms.ModelChoiceField(label=_("Person"), queryset=Person.objects.none(), widget=forms.RadioSelect)
    role = forms.ChoiceField(label=_("Role in the incident"), choices=InvolvementRole.choices)
    source = source_field()
    confidence = confidence_field()

    def __init__(self, *args, persons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = persons
        self.fields["person"].label_from_instance = lambda p: f"{p.last_name}, {p.first_name} ({p.date_of_birth:%Y})"


class AttributionForm(AccessibleForm):
    group = forms.ModelChoiceField(label=_("Group"), queryset=None)
    share = forms.DecimalField(
        label=_("Share"),
        min_value=0,
        max_value=1,
        max_digits=4,
        decimal_places=3,
        initial=1,
        help_text=_("How much of the incident is attributed to the group, from 0 to 1."),
    )
    source = source_field()
    confidence = confidence_field()

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups

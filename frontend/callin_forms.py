"""Forms of the call-in pages beyond planning: the speakers and their message, the lifecycle,
and planning a notification for a missing group."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gvi.models import MessageKind, SpeakerKind


class SpeakerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Speaker"), choices=SpeakerKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None, help_text=_("If they speak for one.")
    )
    message_kind = forms.ChoiceField(
        label=_("Part of the message"),
        required=False,
        choices=[("", _("As the kind of speaker says"))] + MessageKind.choices,
    )
    message = forms.CharField(
        label=_("What they will say"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The text, or an outline of the points they will make."),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {organisation.pk: organisation for organisation in organisations}
        self.fields["organisation"].choices = [("", _("None"))] + [
            (organisation.pk, organisation.name) for organisation in organisations
        ]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "message": data["message"],
            "message_kind": data["message_kind"],
            "organisation": self.organisations.get(data["organisation"]),
        }


class CallInStatusForm(forms.Form):
    HELD, CANCELLED = "held", "cancelled"
    # Given by the button pressed.
    change = forms.ChoiceField(choices=[(HELD, _("Mark held")), (CANCELLED, _("Cancel the call-in"))])
    note = forms.CharField(
        label=_("Note (required to cancel: why)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanNotificationForm(forms.Form):
    group = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    person = forms.TypedChoiceField(label=_("Named member"), coerce=int)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [(person.pk, f"{person.last_name}, {person.first_name}") for person in members]

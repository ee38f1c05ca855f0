"""Controllers and processings (issue 17 item 5), and the register extract's review step (item 8).

Thin views: reads through `gvi.selectors.controllers`, writes through `gvi.services.controllers`
and `gvi.services.rights`.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from frontend.pages.common import or_404
from gvi.models import JointControllerArrangement, PartnerOrganisation, RecordController, Regime
from gvi.policy import RECORD_KINDS
from gvi.selectors import membership_review as rights_selectors
from gvi.selectors.controllers import programme_controllers
from gvi.services import controllers as services
from gvi.services import rights as rights_services

KIND_CHOICES = [(kind, kind) for kind in RECORD_KINDS]


class ControllerForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None)
    controller = forms.CharField(label=_("Controller"), max_length=200)
    contact = forms.CharField(label=_("Data protection contact"), max_length=200)
    joint_arrangement = forms.ModelChoiceField(label=_("Joint-controller arrangement"), queryset=None, required=False)

    def __init__(self, *args, programme_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = PartnerOrganisation.objects.filter(programme_id=programme_id)
        self.fields["joint_arrangement"].queryset = JointControllerArrangement.objects.filter(programme_id=programme_id)


class ArrangementForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    summary = forms.CharField(label=_("Essence of the arrangement"), widget=forms.Textarea)
    contact_point = forms.CharField(label=_("Contact point for persons"), max_length=200)
    agreement_reference = forms.CharField(label=_("Agreement reference"), max_length=200, required=False)


class ProcessingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea)
    legal_basis = forms.CharField(label=_("Legal basis"), widget=forms.Textarea)
    regime = forms.ChoiceField(label=_("Regime"), choices=Regime.choices)
    controller = forms.ModelChoiceField(label=_("Controller"), queryset=None, required=False)
    joint_arrangement = forms.ModelChoiceField(label=_("Joint-controller arrangement"), queryset=None, required=False)
    record_kinds = forms.MultipleChoiceField(
        label=_("Record kinds"), choices=KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, programme_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controller"].queryset = RecordController.objects.filter(programme_id=programme_id)
        self.fields["joint_arrangement"].queryset = JointControllerArrangement.objects.filter(programme_id=programme_id)

    def clean(self):
        data = super().clean()
        if bool(data.get("controller")) == bool(data.get("joint_arrangement")):
            raise ValidationError(_("Name either a controller or a joint-controller arrangement."))
        return data


FORMS = {"controller": ControllerForm, "arrangement": ArrangementForm, "processing": ProcessingForm}
SAVE = {
    "controller": services.save_record_controller,
    "arrangement": services.save_joint_arrangement,
    "processing": services.save_processing,
}


def _page(request, *, bound=None, which=None, errors=None, status=200):
    user = request.user
    if not getattr(user, "programme_id", None):
        raise PermissionDenied(_("Your account does not belong to a programme."))
    programme_id = user.programme_id
    forms_ = {}
    for name, form_class in FORMS.items():
        kwargs = {} if form_class is ArrangementForm else {"programme_id": programme_id}
        forms_[name] = bound if name == which else form_class(**kwargs)
    context = {
        "controllers": programme_controllers(programme_id),
        "may_manage": services.may_manage_controllers(user),
        "forms": forms_,
        "errors": errors or [],
    }
    return render(request, "frontend/privacy/controllers.html", context, status=status)


@login_required
@require_GET
def controllers_page(request):
    """Who controls which organisation's records, joint arrangements, each processing's purpose and basis."""
    return _page(request)


@login_required
@require_POST
def save(request, which: str):
    if which not in FORMS:
        raise PermissionDenied
    if not services.may_manage_controllers(request.user):
        raise PermissionDenied(_("Only the DPO (an auditor) or a coordinator may record controllers."))
    form_class = FORMS[which]
    kwargs = {} if form_class is ArrangementForm else {"programme_id": request.user.programme_id}
    form = form_class(request.POST, **kwargs)
    if not form.is_valid():
        return _page(request, bound=form, which=which, status=400)
    try:
        SAVE[which](user=request.user, **form.cleaned_data)
    except ValidationError as error:
        return _page(request, bound=form, which=which, errors=error.messages, status=400)
    return redirect("frontend:controllers")


# --- The register extract's review step -------------------------------------------------------


class WithholdForm(forms.Form):
    record_kind = forms.ChoiceField(label=_("Record kind"), choices=KIND_CHOICES)
    record_id = forms.IntegerField(label=_("Record"), min_value=1)
    provision = forms.CharField(label=_("Secrecy provision"), max_length=200)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _subject_request(user, pk):
    return or_404(rights_selectors.subject_request_for(user, pk))


def _extract_page(request, subject_request, *, errors=None, status=200):
    try:
        draft = rights_services.draft_access_extract(user=request.user, request=subject_request)
    except (ValidationError, PermissionDenied) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        return render(
            request,
            "frontend/privacy/extract_review.html",
            {"subject_request": subject_request, "errors": messages, "draft": None},
            status=400 if isinstance(error, ValidationError) else 403,
        )
    context = {
        "subject_request": subject_request,
        "draft": draft,
        "withholdings": list(
            subject_request.withholdings.select_related("marked_by").order_by("record_kind", "record_id")
        ),
        "errors": errors or [],
    }
    return render(request, "frontend/privacy/extract_review.html", context, status=status)


@login_required
@require_GET
def extract_review(request, pk: int):
    """The draft extract, split by controller, where the reviewer marks what secrecy withholds."""
    return _extract_page(request, _subject_request(request.user, pk))


@login_required
@require_POST
def extract_withhold(request, pk: int):
    subject_request = _subject_request(request.user, pk)
    form = WithholdForm(request.POST)
    if not form.is_valid():
        return _extract_page(
            request, subject_request, errors=[m for ms in form.errors.values() for m in ms], status=400
        )
    try:
        rights_services.withhold_from_extract(user=request.user, request=subject_request, **form.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        return _extract_page(request, subject_request, errors=messages, status=400)
    return redirect("frontend:extract_review", pk=pk)


@login_required
@require_POST
def extract_release(request, pk: int):
    subject_request = _subject_request(request.user, pk)
    try:
        rights_services.release_withholding(
            user=request.user,
            request=subject_request,
            record_kind=request.POST.get("record_kind", ""),
            record_id=int(request.POST.get("record_id") or 0),
        )
    except (ValueError, ValidationError) as error:
        messages = error.messages if isinstance(error, ValidationError) else [str(_("Give the record."))]
        return _extract_page(request, subject_request, errors=messages, status=400)
    return redirect("frontend:extract_review", pk=pk)


@login_required
@require_POST
def extract_reviewed(request, pk: int):
    subject_request = _subject_request(request.user, pk)
    try:
        rights_services.mark_extract_reviewed(user=request.user, request=subject_request)
    except ValidationError as error:
        return _extract_page(request, subject_request, errors=error.messages, status=400)
    return redirect("frontend:person_rights", pk=subject_request.person_id)

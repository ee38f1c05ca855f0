"""Flag confirmation: the suggestion, its explanation, and a coordinator's decision with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend.forms import DecisionForm
from frontend.pages.common import add_service_errors, or_404
from gvi.exports import report_csv_response, require_report_export
from gvi.models import Confidence, FlagStatus, IncidentType, InvolvementRole, Measure, OrganisationKind
from gvi.policy import Action, can
from gvi.scoring import labelled_factors
from gvi.selectors import scores
from gvi.services import flags as services


@login_required
@require_http_methods(["GET", "POST"])
def flag_detail(request, pk: int):
    flag = or_404(scores.flag_for(request.user, pk))
    may_change = can(request.user, "flag", Action.CHANGE, flag)
    may_decide = flag.status == FlagStatus.SUGGESTED and may_change
    may_end = flag.status == FlagStatus.CONFIRMED and may_change
    # Coordinators (who decide) and auditors (who check) see how the score is computed.
    may_see_settings = can(request.user, "flag", Action.CHANGE) or can(request.user, "flag", Action.EXPORT)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = {
            DecisionForm.CONFIRM: services.confirm_flag,
            DecisionForm.REJECT: services.reject_flag,
            DecisionForm.END: services.end_flag,
        }[form.cleaned_data["decision"]]
        try:
            flag = decide(user=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if flag.status == FlagStatus.CONFIRMED:
                messages.success(request, _("The flag on %(group)s is confirmed.") % {"group": flag.group})
            elif flag.status == FlagStatus.ENDED:
                messages.success(request, _("The flag on %(group)s has ended.") % {"group": flag.group})
            else:
                messages.success(request, _("The suggestion to flag %(group)s is rejected.") % {"group": flag.group})
            return redirect("frontend:flag_detail", pk=flag.pk)
    return render(
        request,
        "frontend/flags/detail.html",
        {
            "flag": flag,
            "explanation": scores.flag_explanation(request.user, flag=flag),
            "settings": _labelled_settings(scores.scoring_settings(request.user)) if may_see_settings else None,
            "changes": scores.flag_changes(request.user, flag=flag),
            "form": form,
            "may_decide": may_decide,
            "may_end": may_end,
        },
    )


@login_required
@require_GET
def flag_explanation_csv(request, pk: int):
    """Every contribution to the flagged group's score and exposure in the flag's run, with the
    factors of each; the rows the user may not read are one line "the rest", so the file adds up."""
    require_report_export(request.user, "flag_explanation")
    flag = or_404(scores.flag_for(request.user, pk))
    explanation = scores.flag_explanation(request.user, flag=flag, limit=0)
    group_score = explanation.group_score
    rows = [[_("Measure"), _("Incident"), _("Type"), _("Date"), _("Contribution"), _("Factors")]]
    if group_score is not None:
        for measure, total in ((Measure.VIOLENCE, group_score.score), (Measure.EXPOSURE, group_score.exposure)):
            listed = 0.0
            for c in scores.score_explanation(request.user, group_score=group_score, measure=measure).iterator():
                listed += c.contribution
                rows.append(
                    [
                        measure.label,
                        c.incident_id or "",
                        c.get_incident_type_display(),
                        f"{c.occurred_at:%Y-%m-%d}" if c.occurred_at else "",
                        repr(c.contribution),
                        *(
                            cell
                            for factor in labelled_factors(c.factor_values)
                            for cell in (str(factor.label), factor.value)
                        ),
                    ]
                )
            if abs(total - listed) > 1e-9 * max(abs(total), 1.0):
                rows.append([measure.label, "", _("The rest"), "", repr(total - listed)])
            rows.append([measure.label, "", _("Total"), "", repr(total)])
    return report_csv_response(
        user=request.user,
        report="flag_explanation",
        rows=rows,
        filename=f"flagga-{flag.pk}-forklaring.csv",
        path=request.get_full_path(),
    )


def _labelled_settings(settings: dict | None) -> dict | None:
    """The scoring settings with the display names of incident types, roles and confidence levels."""
    if settings is None:
        return None

    def labelled(values: dict, choices) -> list[tuple[str, float]]:
        labels = dict(choices)
        return [(str(labels.get(key, key)), value) for key, value in values.items()]

    return {
        **settings,
        "flag_margin_percent": round(100 * settings["flag_margin"], 1),
        "severity": sorted(labelled(settings["severity_weights"], IncidentType.choices), key=lambda row: -row[1]),
        "roles": labelled(settings["role_weights"], InvolvementRole.choices),
        "confidence": labelled(settings["confidence_multipliers"], Confidence.choices),
        "enforcement_kinds": [
            label for kind, label in OrganisationKind.choices if settings["enforcement_mandates"].get(kind)
        ],
        "help_kinds": [
            label for kind, label in OrganisationKind.choices if not settings["enforcement_mandates"].get(kind)
        ],
    }

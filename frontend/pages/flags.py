"""Flag confirmation: the suggestion, its explanation, and a coordinator's decision with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from frontend.forms import DecisionForm
from frontend.pages.common import add_service_errors, or_404
from gvi.models import FlagStatus
from gvi.policy import Action, can
from gvi.selectors.weekly_review import explain_flag, flag_for_decision
from gvi.services import flags as services


@login_required
@require_http_methods(["GET", "POST"])
def flag_detail(request, pk: int):
    flag = or_404(flag_for_decision(request.user, pk))
    may_decide = flag.status == FlagStatus.SUGGESTED and can(request.user, "flag", Action.CHANGE, flag)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = (
            services.confirm_flag if form.cleaned_data["decision"] == DecisionForm.CONFIRM else services.reject_flag
        )
        try:
            flag = decide(user=request.user, flag=flag, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if flag.status == FlagStatus.CONFIRMED:
                messages.success(request, _("The flag on %(group)s is confirmed.") % {"group": flag.group})
            else:
                messages.success(request, _("The suggestion to flag %(group)s is rejected.") % {"group": flag.group})
            return redirect("frontend:flag_detail", pk=flag.pk)
    return render(
        request,
        "frontend/flags/detail.html",
        {"flag": flag, "explanation": explain_flag(request.user, flag), "form": form, "may_decide": may_decide},
    )

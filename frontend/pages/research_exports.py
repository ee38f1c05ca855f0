"""Research exports (forskningsuttag): request with a purpose, another coordinator decides,
the approved package is downloaded (docs/evaluation.md)."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from frontend.forms import ResearchExportDecisionForm, ResearchExportRequestForm
from frontend.pages.common import add_service_errors, or_404
from gvi.audit import log_access
from gvi.models import AccessAction, ResearchExportStatus
from gvi.research_export import write_package
from gvi.selectors.research_exports import may_see_research_exports, visible_research_exports
from gvi.services import research_exports as service


def _page(request, *, request_form=None, decision_forms=None):
    if not may_see_research_exports(request.user):
        raise PermissionDenied
    exports = list(visible_research_exports(request.user))
    approved = [export for export in exports if export.status == ResearchExportStatus.APPROVED]
    decision_forms = decision_forms or {}
    rows = [
        {
            "export": export,
            "decision_form": decision_forms.get(export.pk) or ResearchExportDecisionForm(linkable=approved),
            "may_decide": service.may_handle_research_exports(request.user)
            and export.status == ResearchExportStatus.REQUESTED
            and export.requested_by_id != request.user.pk,
        }
        for export in exports
    ]
    return render(
        request,
        "frontend/evaluation/research_exports.html",
        {
            "rows": rows,
            "may_request": service.may_handle_research_exports(request.user),
            "request_form": request_form or ResearchExportRequestForm(),
        },
    )


@login_required
@require_GET
def research_exports(request):
    return _page(request)


@login_required
@require_POST
def request_export(request):
    form = ResearchExportRequestForm(request.POST)
    if form.is_valid():
        try:
            service.request_research_export(user=request.user, **form.cleaned_data)
            return redirect("frontend:research_exports")
        except ValidationError as error:
            add_service_errors(form, error)
    return _page(request, request_form=form)


@login_required
@require_POST
def decide_export(request, pk):
    export = or_404(visible_research_exports(request.user).filter(pk=pk).first())
    approved = visible_research_exports(request.user).filter(status=ResearchExportStatus.APPROVED)
    form = ResearchExportDecisionForm(request.POST, linkable=approved)
    if form.is_valid():
        try:
            service.decide_research_export(
                user=request.user,
                export=export,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                linked_to=form.cleaned_data["linked_to"],
            )
            return redirect("frontend:research_exports")
        except ValidationError as error:
            add_service_errors(form, error)
    return _page(request, decision_forms={export.pk: form})


@login_required
@require_GET
def download_export(request, pk):
    """The approved package, built now from the records as they are; logged as an export."""
    if not service.may_handle_research_exports(request.user):
        raise PermissionDenied
    export = or_404(visible_research_exports(request.user).filter(pk=pk).first())
    package = tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024)  # noqa: SIM115 (FileResponse closes it)
    write_package(request.user, export, package)
    log_access(
        user=request.user,
        action=AccessAction.EXPORT,
        record_kind="research_export",
        objects=[export],
        channel="ui",
        path=request.get_full_path(),
        reason=f"research export {export.pk}",
    )
    package.seek(0)
    response = FileResponse(package, as_attachment=True, filename=f"forskningsuttag-{export.pk}.zip")
    response["Cache-Control"] = "no-store"
    return response

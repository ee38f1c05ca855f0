"""Imports from spreadsheets: upload, the mapping and the preview, confirmation, progress.

Thin: `gvi.services.imports` does the work; a file of more than GVI_IMPORT_INLINE_ROWS rows is
checked and imported by a background job, whose progress the page polls (htmx, every second).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from frontend.forms import ImportUploadForm
from frontend.pages.common import add_service_errors, or_404
from gvi.imports import columns, files
from gvi.imports.templates import template_csv, template_xlsx
from gvi.models import ImportKind, ImportStatus
from gvi.selectors.imports import visible_imports
from gvi.services import imports as service

WORKING = (ImportStatus.PREVIEWING, ImportStatus.QUEUED, ImportStatus.RUNNING)


def _may_see(user) -> bool:
    return service.may_import(user) or getattr(user, "role", None) == "auditor"


def _list(request, form=None, status=200):
    if not _may_see(request.user):
        raise PermissionDenied
    return render(
        request,
        "frontend/imports/list.html",
        {
            "form": form or ImportUploadForm(),
            "may_import": service.may_import(request.user),
            "runs": visible_imports(request.user)[:50],
            "kinds": ImportKind.choices,
            "max_mb": settings.GVI_IMPORT_MAX_BYTES // 1_000_000,
        },
        status=status,
    )


@login_required
@require_GET
def import_list(request):
    return _list(request)


def _inline(run) -> bool:
    try:
        return service.count_rows(run.stored_path, files.sniff(run.stored_path, run.file_name)) <= (
            settings.GVI_IMPORT_INLINE_ROWS
        )
    except (files.FileRefused, OSError):
        return True


@login_required
@require_POST
def import_upload(request):
    if not service.may_import(request.user):
        raise PermissionDenied
    form = ImportUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = service.upload(
                user=request.user,
                name=upload.name,
                chunks=upload.chunks(),
                size=upload.size,
                kind=form.cleaned_data["kind"] or None,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return _list(request, form, status=400)
        if _inline(run):
            service.check(user=request.user, run=run)
        else:
            service.dispatch(run, service.CHECK)
        return redirect("frontend:import_detail", pk=run.pk)
    return _list(request, form, status=400)


def _run(request, pk):
    return or_404(visible_imports(request.user).filter(pk=pk).first())


def _context(request, run):
    errors_by_row = {}
    for error in run.errors:
        errors_by_row.setdefault(error["row"], []).append(error)
    return {
        "run": run,
        "mapping": service.mapping_rows(run),
        "done": service.live_rows_done(run),
        "working": run.status in WORKING,
        "may_confirm": run.status == ImportStatus.PREVIEWED
        and not run.rows_failed
        and run.created_by_id == request.user.pk,
        "may_cancel": run.status in (ImportStatus.UPLOADED, ImportStatus.PREVIEWED, ImportStatus.QUEUED, *WORKING)
        and not run.cancel_requested,
        "outcomes": [{**outcome, "errors": errors_by_row.get(outcome["row"], [])} for outcome in run.outcomes],
        "unknown_headers": columns.match_headers(run.kind, list(run.mapping.values())).unknown,
    }


@login_required
@require_GET
def import_detail(request, pk):
    run = _run(request, pk)
    return render(request, "frontend/imports/detail.html", _context(request, run))


@login_required
@require_GET
def import_progress(request, pk):
    """The progress fragment the page polls; once the run is finished it asks for a reload."""
    run = _run(request, pk)
    response = render(request, "frontend/imports/_progress.html", _context(request, run))
    if run.status not in WORKING and request.GET.get("polling"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_confirm(request, pk):
    run = _run(request, pk)
    try:
        run = service.confirm(user=request.user, run=run)
    except (ValidationError, PermissionDenied) as error:
        context = _context(request, run)
        context["action_error"] = " ".join(getattr(error, "messages", [str(error)]))
        return render(request, "frontend/imports/detail.html", context, status=400)
    if run.rows_total <= settings.GVI_IMPORT_INLINE_ROWS:
        service.execute(user=request.user, run=run)
    else:
        service.dispatch(run, service.EXECUTE)
    return redirect("frontend:import_detail", pk=run.pk)


@login_required
@require_POST
def import_cancel(request, pk):
    run = _run(request, pk)
    try:
        service.request_cancel(user=request.user, run=run)
    except (ValidationError, PermissionDenied) as error:
        context = _context(request, run)
        context["action_error"] = " ".join(getattr(error, "messages", [str(error)]))
        return render(request, "frontend/imports/detail.html", context, status=400)
    return redirect("frontend:import_detail", pk=run.pk)


@login_required
@require_GET
def import_template(request, kind, language, extension):
    if kind not in ImportKind.values or language not in ("sv", "en") or extension not in ("csv", "xlsx"):
        raise Http404
    if extension == "csv":
        body, content_type = template_csv(kind, language), "text/csv; charset=utf-8"
    else:
        body = template_xlsx(kind, language)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="gvi-{kind}-{language}.{extension}"'
    return response

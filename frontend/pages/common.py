"""What the page views share: 404 for what a user may not see, access logging, form errors."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from gvi.audit import log_access


def or_404(obj):
    """A record the user may not see is reported as not found, never as forbidden."""
    if obj is None:
        raise Http404
    return obj


def log_read(request, *, record_kind: str, objects=(), person_ids=(), action: str = "read", also=None) -> None:
    """Record that the user looked at personal data through the UI, with the session's purpose
    (`also`: records of other kinds shown on the same page, see gvi.audit.log_access)."""
    from frontend.pages.purpose import session_purpose  # the purpose page imports this module

    log_access(
        purpose=session_purpose(request),
        user=request.user,
        action=action,
        record_kind=record_kind,
        objects=objects,
        person_ids=person_ids,
        channel="ui",
        path=request.get_full_path(),
        also=also,
    )


def save_or_show_errors(form, write):
    """Run a service's write (a callable returning the record) in its own transaction.

    Returns the record; when the service refuses (invalid, or not the user's to do) nothing is
    stored, its reasons go on the form and None is returned, so the page shows the form again
    with the user's input.
    """
    try:
        with transaction.atomic():
            return write()
    except ValidationError as error:
        add_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error) or _("You may not do this."))
    return None


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's validation error on the form: on its field when the form has one."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def quick_change(obj, change) -> str | None:
    """Run a quick status change (htmx); return the error to show, or None.

    A refused change (invalid, or not the user's to make) leaves `obj` as stored, so the row
    shown afterwards never displays a value that was not saved.
    """
    try:
        change()
    except (ValidationError, PermissionDenied) as exc:
        obj.refresh_from_db()
        messages = getattr(exc, "messages", None) or [str(exc) or _("You may not do this.")]
        return " ".join(messages)
    return None


def next_url(request, default: str) -> str:
    """The `next` parameter when it points back to this site (and keeps https), else `default`
    (a URL name): never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)

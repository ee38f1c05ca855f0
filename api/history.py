"""Every API write records who, which organisation, when and through which key.

Who and when: simple-history's history user (DRF sets the Django request's user, which
simple-history's middleware reads) and `created_by`/`updated_by` stamped by the services.
Which key: the history change reason, set (or, after a service's own reason, added) here for
every historical record written while an API write runs.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from simple_history.signals import pre_create_historical_record

from api.authentication import api_key_prefix
from gvi.services.common import CHANGE_REASON_LENGTH

_change_reason: ContextVar[str | None] = ContextVar("api_change_reason", default=None)


def change_reason_for(request) -> str:
    prefix = api_key_prefix(request)
    organisation = getattr(request.user, "organisation_id", None)
    via = f"API key {prefix}" if prefix else "API session"
    return f"{via} (organisation {organisation})"


@contextmanager
def api_write(request):
    """Run a service call so that the history it writes names the API key."""
    token = _change_reason.set(change_reason_for(request))
    try:
        yield
    finally:
        _change_reason.reset(token)


def stamp_change_reason(sender, history_instance, **kwargs):
    via = _change_reason.get()
    if not via:
        return
    # A service's own reason (e.g. "withdrawn: attendance corrected") comes first, since code
    # reads it by its start; the key follows, whole. The column holds 100 characters.
    own = history_instance.history_change_reason
    if own:
        own = own[: max(CHANGE_REASON_LENGTH - len(via) - 2, 0)]
        history_instance.history_change_reason = f"{own}; {via}"
    else:
        history_instance.history_change_reason = via


def connect():
    pre_create_historical_record.connect(stamp_change_reason, dispatch_uid="api.history.stamp_change_reason")

"""Idempotency-Key on POST: a retry replays the first response and creates nothing new.

The record is inserted *before* the write, in the same transaction. A concurrent duplicate's
insert then waits on the unique constraint until the first transaction ends, and replays
its committed response (or, if the first failed and rolled back, goes ahead itself).
Only successful (2xx) responses are kept: a failed request can be retried with the same key.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response

from api.authentication import api_key_prefix
from api.exceptions import IdempotencyKeyReused
from api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255


def fingerprint(request) -> str:
    """The caller, the call and its body: a replay goes only to the caller who made the first
    request (another user of the organisation reusing the key gets a 422, not their response)."""
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.user.pk} {request.method} {request.path}\n{body}".encode()).hexdigest()


def _key_from(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise exceptions.ValidationError(
            {HEADER: [_("Give a key of 1 to %(max)d printable characters.") % {"max": MAX_KEY_LENGTH}]}
        )
    return key


def _claim(request, key: str, print_: str):
    """Insert the record for `key`, or return the one that exists (None when we inserted ours)."""
    fields = {
        "organisation_id": request.user.organisation_id,
        "key": key,
        "fingerprint": print_,
        "method": request.method,
        "path": request.path[:300],
        "response_status": 0,
        "api_key_prefix": api_key_prefix(request),
        "user": request.user,
    }
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(**fields), None
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(organisation_id=fields["organisation_id"], key=key).first()
            if existing is None:
                continue  # it was removed meanwhile: try again
            if not existing.has_expired:
                return None, existing
            existing.delete()
    # Only when the same key keeps appearing and vanishing under us: ask the caller to retry.
    raise exceptions.Throttled(wait=1)


def _rendered(request, response: Response) -> tuple[bytes, str]:
    """The bytes DRF will send for `response`, rendered now with the renderer it negotiated
    for the request (the same renderer, media type and data give the same bytes)."""
    renderer, media_type = request.accepted_renderer, request.accepted_media_type
    content = renderer.render(response.data, media_type, {"request": request, "response": response})
    content_type = media_type if renderer.charset is None else f"{media_type}; charset={renderer.charset}"
    return content, content_type


def _replay(record) -> HttpResponse:
    """The first response again, byte for byte, marked as a replay."""
    response = HttpResponse(
        bytes(record.response_content or b""),
        status=record.response_status,
        content_type=record.response_content_type or "application/json",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(request, handler) -> Response | HttpResponse:
    """Run `handler()` (which writes and returns a Response) at most once per Idempotency-Key."""
    key = _key_from(request)
    if key is None:
        return handler()
    if not getattr(request.user, "organisation_id", None):
        raise exceptions.PermissionDenied(_("Your account does not belong to a partner organisation."))
    print_ = fingerprint(request)
    with transaction.atomic():
        record, existing = _claim(request, key, print_)
        if existing is not None:
            if existing.fingerprint != print_:
                raise IdempotencyKeyReused()
            return _replay(existing)
        response = handler()
        if 200 <= response.status_code < 300:
            record.response_status = response.status_code
            record.response_content, record.response_content_type = _rendered(request, response)
            record.save(update_fields=["response_status", "response_content", "response_content_type"])
        else:
            transaction.set_rollback(True)
        return response


def purge_expired_records() -> int:
    """Delete idempotency records whose expiry has passed; returns how many. Safe at any time."""
    deleted, _by_model = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted

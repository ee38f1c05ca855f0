"""Idempotency-Key on POST: a retry replays the first response and creates nothing new.

A request first looks for the key's record; a retry finds it and replays, without running again.
Otherwise the write runs and the record (with its response) is inserted in the same transaction,
after the write: two statements per POST. A concurrent duplicate that got past the look-up
waits on the unique constraint at its insert until the first transaction ends: if the first
committed, the duplicate's write is rolled back and it replays the first response; if the first
rolled back, the duplicate's insert goes through and its own write stands.
Only successful (2xx) responses are kept: a failed request can be retried with the same key.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
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


class _KeyTaken(Exception):
    """A concurrent request with the same key committed its record first."""


def _record_for(request, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(organisation_id=request.user.organisation_id, key=key).first()


def _run_once(request, key: str, print_: str, handler) -> Response:
    with transaction.atomic():
        existing = _record_for(request, key)
        if existing is not None:
            if not existing.has_expired:
                if existing.fingerprint != print_:
                    raise IdempotencyKeyReused()
                return Response(
                    existing.response_body, status=existing.response_status, headers={REPLAYED_HEADER: "true"}
                )
            existing.delete()
        response = handler()
        if not 200 <= response.status_code < 300:
            transaction.set_rollback(True)
            return response
        try:
            IdempotencyRecord.objects.create(
                organisation_id=request.user.organisation_id,
                key=key,
                fingerprint=print_,
                method=request.method,
                path=request.path[:300],
                response_status=response.status_code,
                response_body=response.data,
                api_key_prefix=api_key_prefix(request),
                user=request.user,
            )
        except IntegrityError as error:
            # Leaving the block rolls back this request's write along with the failed insert.
            raise _KeyTaken from error
        return response


def idempotent(request, handler) -> Response:
    """Run `handler()` (which writes and returns a Response) at most once per Idempotency-Key."""
    key = _key_from(request)
    if key is None:
        return handler()
    if not getattr(request.user, "organisation_id", None):
        raise exceptions.PermissionDenied(_("Your account does not belong to a partner organisation."))
    print_ = fingerprint(request)
    for _attempt in range(2):
        try:
            return _run_once(request, key, print_, handler)
        except _KeyTaken:
            continue  # the next round finds the winner's record and replays it
    # Only when the key's record keeps appearing and vanishing under us: ask the caller to retry.
    raise exceptions.Throttled(wait=1)


def purge_expired_records() -> int:
    """Delete idempotency records whose expiry has passed; returns how many. Safe at any time."""
    deleted, _by_model = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted

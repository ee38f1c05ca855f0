"""Recording reads and exports of personal data in the access log.

Changes are recorded by django-simple-history; this module records who *looked*, and why.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import access_chain
from gvi.models import AccessAction, AccessLog, PurposeKind

# How long a purpose's text may be: a reference or a short reason, not a note.
PURPOSE_MAX_LENGTH = 200


@dataclass(frozen=True)
class Purpose:
    """Why personal data is opened, searched or exported: a case or call-in reference, a
    follow-up, a request from the person, or a short reason."""

    kind: str
    text: str

    @classmethod
    def parse(cls, kind: str, text: str) -> "Purpose":
        """A purpose from user input; ValidationError (translated) when it is missing or bad."""
        kind = (kind or "").strip()
        text = " ".join((text or "").split())
        if kind not in PurposeKind.values or kind == PurposeKind.SYSTEM:
            raise ValidationError({"purpose_kind": _("Say why you need the data: choose a purpose.")})
        if not text:
            raise ValidationError({"purpose": _("Give the reference or a short reason.")})
        if len(text) > PURPOSE_MAX_LENGTH:
            raise ValidationError(
                {"purpose": _("Keep the purpose within %(limit)d characters.") % {"limit": PURPOSE_MAX_LENGTH}}
            )
        return cls(kind=kind, text=text)


def path_only(path: str) -> str:
    """The path of a URL without its query string: a search's words (a name, say) stay out."""
    return urlsplit(path or "").path[:300]


def log_access(
    *,
    user,
    action: str,
    record_kind: str,
    objects: Iterable = (),
    person_ids: Iterable[int] = (),
    channel: str = "ui",
    reason: str = "",
    path: str = "",
    api_key_prefix: str = "",
    purpose: Purpose | None = None,
    acting_user=None,
) -> list[AccessLog]:
    """Append one access log row per object read (or one row for a read of nothing in particular,
    such as a search with no hits), chained onto the log's hash chain.

    `objects` are model instances; `person_ids` name the persons concerned when the objects
    are not persons themselves (e.g. a person's risk assessments). `purpose` is why the user
    reads (a plain `reason` is kept as a short-reason purpose). Only the URL's path is kept,
    never its query string.
    """
    organisation_id = getattr(user, "organisation_id", None)
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    objects = list(objects)
    person_ids = list(person_ids)
    if purpose is None and reason:
        purpose = Purpose(kind=PurposeKind.REASON, text=reason)
    common = {
        "user_id": user_id,
        "organisation_id": organisation_id,
        "acting_user_id": getattr(acting_user, "pk", None),
        "action": AccessAction(action),
        "record_kind": record_kind,
        "channel": channel,
        "purpose_kind": purpose.kind if purpose else "",
        "reason": purpose.text if purpose else "",
        "path": path_only(path),
        "api_key_prefix": api_key_prefix,
        "at": timezone.now(),
    }
    rows = []
    for obj in objects:
        person_id = obj.pk if record_kind == "person" else getattr(obj, "person_id", None)
        rows.append(AccessLog(object_id=str(obj.pk), person_id=person_id, **common))
    for person_id in person_ids:
        rows.append(AccessLog(person_id=person_id, **common))
    if not rows:
        rows.append(AccessLog(**common))
    # No savepoint inside a caller's transaction: the rows go with it, or not at all.
    with transaction.atomic(savepoint=False):
        access_chain.seal(rows)
        return AccessLog.objects.bulk_create(rows)

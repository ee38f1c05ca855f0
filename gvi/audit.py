"""Recording reads and exports of personal data in the access log.

Changes are recorded by django-simple-history; this module records who *looked*, and why.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gvi import access_chain
from gvi.models import AccessAction, AccessLog, PurposeKind
from gvi.services.bulk_copy import create_plain

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
    also: dict[str, Iterable] | None = None,
) -> list[dict]:
    """Append one access log row per object read (or one row for a read of nothing in particular,
    such as a search with no hits), chained onto the log's hash chain.

    `objects` are model instances; `person_ids` name the persons concerned when the objects
    are not persons themselves (e.g. a person's risk assessments). `purpose` is why the user
    reads (a plain `reason` is kept as a short-reason purpose). Only the URL's path is kept,
    never its query string. `also` maps other record kinds to records of theirs read at the same
    time (a person's page shows their supervisions...): one row each, under their own kind, in the
    same insert. A record another organisation owns is logged as a disclosure (`disclosures_read`).
    Returns the rows written, as {attname: value} without their ids.
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
        "object_id": "",
        "person_id": None,
        "channel": channel,
        "purpose_kind": purpose.kind if purpose else "",
        "reason": purpose.text if purpose else "",
        "path": path_only(path),
        "api_key_prefix": api_key_prefix,
        "owner_organisation_id": None,
        "sharing_rule": "",
        "legal_basis": "",
        "at": timezone.now(),
    }
    # Plain values, not AccessLog instances: a group's page logs hundreds of rows, and building
    # a model instance for each cost more than hashing and copying them.
    rows = []
    for kind, read in [(record_kind, objects), *(also or {}).items()]:
        read = list(read)
        disclosures = disclosures_read(user, kind, read)
        for index, obj in enumerate(read):
            person_id = obj.pk if kind == "person" else getattr(obj, "person_id", None)
            rows.append(
                {**common, "record_kind": kind, "object_id": str(obj.pk), "person_id": person_id}
                | disclosures.get(index, {})
            )
    rows += [{**common, "person_id": person_id} for person_id in person_ids]
    if not rows:
        rows.append(dict(common))
    # No savepoint inside a caller's transaction: the rows go with it, or not at all.
    with transaction.atomic(savepoint=False):
        access_chain.seal(rows)
        # COPY on PostgreSQL: a group's page logs hundreds of rows, which an INSERT spent longer
        # preparing than the page spent on its own queries. The database gives the ids in the
        # rows' order (the chain's); the rows returned are not given theirs (nothing needs them).
        create_plain(AccessLog, rows)
        return rows


def disclosures_read(user, record_kind: str, objects) -> dict[int, dict]:
    """The disclosure fields of each object (by position) that another organisation owns: the
    owner, and the sharing rule and legal basis relied on (empty when none applies, e.g. for a
    superuser: the log still names the owner). A few queries per call, never one per object."""
    from gvi.policy import RECORD_KINDS
    from gvi.sharing import disclosures_for, owner_id

    spec = RECORD_KINDS.get(record_kind)
    if spec is None or spec.organisation_path is None or not objects:
        return {}
    found = disclosures_for(user, record_kind, objects)
    fields = {}
    for index, obj in enumerate(objects):
        owner = owner_id(spec, obj)
        if owner is None or owner == getattr(user, "organisation_id", None):
            continue
        disclosure = found.get(index)
        fields[index] = {
            "owner_organisation_id": owner,
            "sharing_rule": disclosure.rule if disclosure else "",
            "legal_basis": disclosure.basis if disclosure else "",
        }
    return fields


@contextmanager
def flush_may_empty_the_access_log(using: str = DEFAULT_DB_ALIAS):
    """Let `manage.py flush` inside this block empty the access log too.

    On PostgreSQL the database refuses TRUNCATE of the access log (migration 0013) unless the
    transaction sets `gvi.allow_access_log_truncate`; flush empties every table with TRUNCATE.
    Only for databases that are thrown away: the test suite's and the benchmark's reseed.
    """
    # Patched on the backend's class: every connection to the database (one per thread, or per
    # greenlet under the browser tests) flushes the same way while the block lasts.
    operations = type(connections[using].ops)
    original = operations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        if statements and self.connection.vendor == "postgresql":
            # flush runs its statements in one transaction: SET LOCAL lasts until it ends.
            return ["SET LOCAL gvi.allow_access_log_truncate = 'on'", *statements]
        return statements

    operations.sql_flush = sql_flush
    try:
        yield
    finally:
        operations.sql_flush = original

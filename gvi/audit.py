"""Recording reads and exports of personal data in the access log.

Changes are recorded by django-simple-history; this module records who *looked*.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from gvi.models import AccessAction, AccessLog


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
    also: dict[str, Iterable] | None = None,
) -> list[AccessLog]:
    """Append one access log row per object read (or one row for a read of nothing in particular).

    `objects` are model instances; `person_ids` name the persons concerned when the objects
    are not persons themselves (e.g. a person's risk assessments). `also` maps other record kinds
    to records of theirs read at the same time (a person's page shows their supervisions...): one
    row each, under their own kind, in the same insert. A record another organisation owns is
    logged as a disclosure (`disclosures_read`).
    """
    organisation_id = getattr(user, "organisation_id", None)
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    objects = list(objects)
    person_ids = list(person_ids)
    common = {
        "user_id": user_id,
        "organisation_id": organisation_id,
        "action": AccessAction(action),
        "record_kind": record_kind,
        "channel": channel,
        "reason": reason,
        "path": path[:300],
        "api_key_prefix": api_key_prefix,
    }
    rows = []
    for kind, read in [(record_kind, objects), *(also or {}).items()]:
        read = list(read)
        disclosures = disclosures_read(user, kind, read)
        for index, obj in enumerate(read):
            person_id = obj.pk if kind == "person" else getattr(obj, "person_id", None)
            fields = {**common, "record_kind": kind, **disclosures.get(index, {})}
            rows.append(AccessLog(object_id=str(obj.pk), person_id=person_id, **fields))
    for person_id in person_ids:
        rows.append(AccessLog(person_id=person_id, **common))
    if not rows:
        rows.append(AccessLog(**common))
    return AccessLog.objects.bulk_create(rows)


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

"""Tamper evidence for the access log: a hash chain over its entries.

Each entry's `entry_hash` is SHA-256 over the previous entry's hash and the entry's own fields,
so changing, removing or inserting a row anywhere breaks the chain from that row on. The chain is
extended inside log_access, under a lock that serialises writers (a PostgreSQL advisory lock held
to the end of the transaction; SQLite serialises writers itself), so ids and chain order agree.

The access log is pruned only by its own job (`prune`), which records the hash of the last entry
it removed in an AccessLogPrune row: the check starts from there. `check()` walks the log in id
order and reports every break; `manage.py check_access_log` runs it.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from gvi.models import AccessLog, AccessLogPrune

# The fields a hash covers, in this order. Adding one changes every later hash: add at the end,
# and only with a migration that re-seals nothing (old rows are checked with the old list).
HASHED_FIELDS = (
    "at",
    "user_id",
    "organisation_id",
    "acting_user_id",
    "action",
    "record_kind",
    "object_id",
    "person_id",
    "purpose_kind",
    "reason",
    "channel",
    "api_key_prefix",
    "path",
    # A disclosure's owner, rule and legal basis (main's sharing rules) are facts of the read too.
    "owner_organisation_id",
    "sharing_rule",
    "legal_basis",
)
_LOCK_KEY = 4_711_017  # an arbitrary constant naming the chain's advisory lock


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return str(value)


def entry_hash(previous_hash: str, values: dict) -> str:
    """The hash of an entry with `values` (attname → value) following `previous_hash`."""
    digest = hashlib.sha256(previous_hash.encode())
    for name in HASHED_FIELDS:
        digest.update(b"\x1f" + name.encode() + b"=" + _text(values.get(name)).encode())
    return digest.hexdigest()


def lock_chain() -> None:
    """Serialise chain writers until the end of the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def last_hash() -> str:
    """The hash a new entry follows: the newest entry's, else the last pruning's anchor, else "".
    Takes the chain's lock first, all in one query (every read of personal data pays it). Call
    inside a transaction."""
    log = connection.ops.quote_name(AccessLog._meta.db_table)
    prunes = connection.ops.quote_name(AccessLogPrune._meta.db_table)
    latest = (
        f"COALESCE((SELECT entry_hash FROM {log} ORDER BY id DESC LIMIT 1), "
        f"(SELECT last_hash FROM {prunes} ORDER BY id DESC LIMIT 1), '')"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT pg_advisory_xact_lock(%s), {latest}", [_LOCK_KEY])
            return cursor.fetchone()[1]
        cursor.execute(f"SELECT {latest}")
        return cursor.fetchone()[0]


def seal(entries: list[dict]) -> None:
    """Chain `entries` ({attname: value} of rows not yet saved, in the order they will be
    inserted) onto the log, under the chain's lock. Call inside a transaction."""
    previous = last_hash()
    for entry in entries:
        entry["previous_hash"] = previous
        entry["entry_hash"] = previous = entry_hash(previous, entry)


@dataclass
class ChainReport:
    checked: int = 0
    unsealed: int = 0
    breaks: list[dict] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.breaks


def check(batch_size: int = 5_000) -> ChainReport:
    """Walk the access log in id order and report every entry whose link or hash is wrong."""
    report = ChainReport()
    expected_previous = AccessLogPrune.objects.order_by("-id").values_list("last_hash", flat=True).first()
    fields = ("id", "previous_hash", "entry_hash", *HASHED_FIELDS)
    after = 0
    first = True
    while True:
        rows = list(AccessLog.objects.filter(id__gt=after).order_by("id").values(*fields)[:batch_size])
        if not rows:
            break
        for row in rows:
            if not row["entry_hash"] and first:
                report.unsealed += 1  # logged before the chain existed (migration 0006)
                continue
            report.checked += 1
            if first and expected_previous is None:
                expected_previous = row["previous_hash"]  # nothing pruned: the first entry starts the chain
                if expected_previous:
                    report.breaks.append({"id": row["id"], "problem": "the first entry follows a missing one"})
            first = False
            if row["previous_hash"] != expected_previous:
                report.breaks.append({"id": row["id"], "problem": "does not follow the entry before it"})
            if row["entry_hash"] != entry_hash(row["previous_hash"], row):
                report.breaks.append({"id": row["id"], "problem": "its content does not match its hash"})
            expected_previous = row["entry_hash"]
        after = rows[-1]["id"]
    return report


def prune(*, now: dt.datetime | None = None) -> AccessLogPrune | None:
    """Delete access log entries older than GVI_ACCESS_LOG_KEEP_DAYS: the access log's own
    retention job, the only way its rows leave. The newest removed entry's hash is kept as the
    anchor the check starts from. On PostgreSQL the append-only trigger lets DELETE through only
    for this job (a transaction-local setting), and only for rows older than the period."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.GVI_ACCESS_LOG_KEEP_DAYS)
    with transaction.atomic():
        lock_chain()
        old = AccessLog.objects.filter(at__lt=cutoff)
        newest = old.order_by("-id").values("id", "entry_hash").first()
        if newest is None:
            return None
        # Only an unbroken prefix of the chain goes: entries are pruned in id order.
        doomed = AccessLog.objects.filter(id__lte=newest["id"])
        count = doomed.count()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL gvi.access_log_prune = 'on'")
        doomed._raw_delete(doomed.db)  # the queryset's delete() refuses, as it must for everyone else
        return AccessLogPrune.objects.create(
            cutoff=cutoff, entries_deleted=count, last_id=newest["id"], last_hash=newest["entry_hash"]
        )

"""The audit trail as the auditor's pages and exports read it: the access log and the change
history of a record kind, filtered, through the access policy."""

from gvi.policy import RECORD_KINDS, Action, scoped_queryset

HISTORY_KINDS = [kind for kind, spec in RECORD_KINDS.items() if hasattr(spec.model_class, "history")]
HIDDEN_FIELDS = frozenset({"personnummer_encrypted", "personnummer_hash"})


def _period(qs, field: str, date_from=None, date_to=None):
    if date_from:
        qs = qs.filter(**{f"{field}__date__gte": date_from})
    if date_to:
        qs = qs.filter(**{f"{field}__date__lte": date_to})
    return qs


def access_log(
    user,
    *,
    date_from=None,
    date_to=None,
    username: str = "",
    organisation=None,
    action: str = "",
    record_kind: str = "",
    person_id: int | None = None,
):
    """Access log entries the user may read, newest first as the model orders them."""
    qs = scoped_queryset(user, "access_log", Action.READ).select_related("user", "organisation")
    qs = _period(qs, "at", date_from, date_to)
    if username:
        qs = qs.filter(user__username__icontains=username)
    for field, value in (
        ("organisation", organisation),
        ("action", action),
        ("record_kind", record_kind),
        ("person_id", person_id),
    ):
        if value not in (None, ""):
            qs = qs.filter(**{field: value})
    return qs


def change_history(user, kind: str, *, date_from=None, date_to=None, username: str = "", record_id: int | None = None):
    """Versions of records of `kind` the user may read, newest first."""
    model = RECORD_KINDS[kind].model_class
    qs = scoped_queryset(user, kind, Action.READ, model.history.select_related("history_user"))
    qs = _period(qs, "history_date", date_from, date_to)
    if username:
        qs = qs.filter(history_user__username__icontains=username)
    if record_id:
        qs = qs.filter(id=record_id)
    return qs.order_by("-history_date", "-history_id")


def with_changes(kind: str, rows: list) -> list:
    """Attach to each version the fields changed since the one before (one query for the page);
    identity numbers are shown as changed, never their values."""
    if not rows:
        return rows
    model = RECORD_KINDS[kind].model_class.history.model
    versions = {}
    for version in model.objects.filter(id__in={row.id for row in rows}).order_by("id", "history_date", "history_id"):
        versions.setdefault(version.id, []).append(version)
    for row in rows:
        earlier = [
            v for v in versions.get(row.id, []) if (v.history_date, v.history_id) < (row.history_date, row.history_id)
        ]
        row.changes = []
        if earlier:
            delta = row.diff_against(earlier[-1])
            for change in delta.changes:
                hidden = change.field in HIDDEN_FIELDS
                row.changes.append(
                    {
                        "field": change.field,
                        "before": "…" if hidden else change.old,
                        "after": "…" if hidden else change.new,
                    }
                )
    return rows

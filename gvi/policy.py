"""The one access policy: role × record kind × action → which records.

Every queryset of personal data used by the API, the UI, the admin and exports is built by
`scoped_queryset`; every single-object decision goes through `can`. Nothing reaches a
person's record around it.

The table says, for a role, a record kind and an action, the organisation rule:
- SHARED: every record of the user's programme,
- OWN: only records owned by the user's own organisation,
- NONE: nothing.
On top of it, the minors rule says which records about minors a role sees: all of them, only its
own organisation's, or none. A record is a minor's when the person is under 18 today, or was under
18 when the record was made or at the event it records (`minor_at_record_q`): what was recorded
about a child stays protected after the 18th birthday, until the record's own retention ends.
For a record that another organisation owns, SHARED is only a ceiling: `gvi.sharing` adds the
organisation-kind dimension (a sharing rule by the kinds of the reader's and the owner's
organisation, with a legal basis the programme has set, or the person's consent).

Listings (memberships) have two states of their own (`listing_state_q`): while a contest is pending
the listing is *restricted* (only the roles that handle the contest see it; everyone else sees only
that it exists, `restricted_listing_counts`), and after an upheld contest it is *removed* (nobody
sees it; its history is kept for the audit).

Two rules hold for every role, superusers included:
- append-only kinds (the access log) are never created, changed or deleted through the app;
- nothing is deleted by hand except what the table names: personal data leaves through the
  retention job (`gvi.retention`), which runs as the system, not as a user.

`docs/policy.md` is generated from this module by `manage.py policy_table`; a test keeps it current.
"""

import datetime as dt
import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from enum import StrEnum

from django.apps import apps
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from gvi import sharing
from gvi.models import Membership, Role, SharingBasis
from gvi.models.people import birthday, years_before


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"
    EXPORT = "export"


class Scope(StrEnum):
    SHARED = "shared"
    OWN = "own"
    NONE = "none"


@dataclass(frozen=True)
class RecordKind:
    """How to find a kind's programme, owning organisation and person."""

    model: str  # "app_label.ModelName"
    programme_path: str | None = "programme"
    organisation_path: str | None = "organisation"
    person_path: str | None = None  # "" for Person itself, None when not about one person

    @property
    def model_class(self):
        return apps.get_model(self.model)


RECORD_KINDS: dict[str, RecordKind] = {
    "area": RecordKind("gvi.Area", organisation_path=None),
    "group": RecordKind("gvi.Group"),
    "group_relation": RecordKind("gvi.GroupRelation"),
    "person": RecordKind("gvi.Person", person_path=""),
    "membership": RecordKind("gvi.Membership", person_path="person"),
    "supervision": RecordKind("gvi.Supervision", person_path="person"),
    "incident": RecordKind("gvi.Incident"),
    "involvement": RecordKind("gvi.Involvement", person_path="person"),
    "group_attribution": RecordKind("gvi.GroupAttribution"),
    "call_in": RecordKind("gvi.CallIn"),
    "invitation": RecordKind("gvi.Invitation", person_path="person"),
    "custom_notification": RecordKind("gvi.CustomNotification", person_path="person"),
    "enforcement_action": RecordKind("gvi.EnforcementAction", person_path="person"),
    "service_referral": RecordKind("gvi.ServiceReferral", person_path="person"),
    "exit_case": RecordKind("gvi.ExitCase", person_path="person"),
    "concern_report": RecordKind("gvi.ConcernReport", person_path="person"),
    "risk_assessment": RecordKind("gvi.RiskAssessment", person_path="person"),
    "follow_up": RecordKind("gvi.FollowUp", organisation_path="owner_organisation", person_path="person"),
    "flag": RecordKind("gvi.GroupFlag", organisation_path=None),
    "notice": RecordKind("gvi.Notice", person_path="person"),
    "data_subject_request": RecordKind("gvi.DataSubjectRequest", organisation_path=None, person_path="person"),
    "consent": RecordKind("gvi.Consent", person_path="person"),
    "access_log": RecordKind(
        "gvi.AccessLog", programme_path="organisation__programme", organisation_path="organisation"
    ),
}

# Short names keep the table below readable.
S, OW, N = Scope.SHARED, Scope.OWN, Scope.NONE
R, C, U, D, E = Action.READ, Action.CREATE, Action.CHANGE, Action.DELETE, Action.EXPORT


def _row(read, create=N, change=N, delete=N, export=N):
    return {R: read, C: create, U: change, D: delete, E: export}


# Kinds a role does not name here get NONE for every action.
POLICY: dict[str, dict[str, dict[Action, Scope]]] = {
    Role.COORDINATOR: {
        "area": _row(S, S, S),
        "group": _row(S, S, S, N, S),
        "group_relation": _row(S, S, S, N, S),
        "person": _row(S, S, S, N, S),
        "membership": _row(S, S, S, N, S),
        "supervision": _row(S, OW, OW, N, S),
        "incident": _row(S, S, S, N, S),
        "involvement": _row(S, S, S, N, S),
        "group_attribution": _row(S, S, S, N, S),
        "call_in": _row(S, S, S, OW, S),
        "invitation": _row(S, S, S, N, S),
        "custom_notification": _row(S, OW, OW, N, S),
        "enforcement_action": _row(S, OW, OW, N, S),
        "service_referral": _row(S, OW, OW, N, S),
        "exit_case": _row(S, OW, OW, N, S),
        "concern_report": _row(S, OW, OW, N, S),
        "risk_assessment": _row(S, OW, OW, N, S),
        "follow_up": _row(S, S, S, N, S),
        "flag": _row(S, N, S, N, S),
        "notice": _row(S, S, S, N, S),
        "data_subject_request": _row(S, S, S, N, S),
        "consent": _row(S, S, S, N, S),
    },
    Role.PARTNER_OFFICER: {
        "area": _row(S),
        "group": _row(S),
        "group_relation": _row(S),
        "person": _row(S, OW, OW),
        "membership": _row(S, OW),
        "supervision": _row(S, OW, OW),
        "incident": _row(S, OW, OW),
        "involvement": _row(S, OW, OW),
        "group_attribution": _row(S),
        "call_in": _row(S),
        "invitation": _row(S, N, OW),
        "custom_notification": _row(S, OW, OW),
        "enforcement_action": _row(S, OW, OW),
        "service_referral": _row(S, OW, OW),
        # Another organisation's exit cases and concern reports only through a sharing rule.
        "exit_case": _row(S, OW, OW),
        "concern_report": _row(S, OW, OW),
        "risk_assessment": _row(OW, OW, OW),
        "follow_up": _row(OW, OW, OW),
        "flag": _row(S),
        "notice": _row(S, OW),
        "consent": _row(OW, OW, OW),
    },
    Role.ANALYST: {
        "area": _row(S, S, S),
        "group": _row(S, S, S, N, S),
        "group_relation": _row(S, S, S, N, S),
        "person": _row(S),
        "membership": _row(S, S),
        "incident": _row(S, S, S, N, S),
        "involvement": _row(S, S, S),
        "group_attribution": _row(S, S, S),
        "call_in": _row(S),
        "custom_notification": _row(S),
        "enforcement_action": _row(S),
        "follow_up": _row(OW, OW, OW),
        "flag": _row(S),
    },
    Role.AUDITOR: {kind: _row(S, export=S) for kind in RECORD_KINDS},
    Role.ADMINISTRATOR: {
        "area": _row(S, S, S, S),
        "call_in": _row(S),
        "flag": _row(S),
    },
}

# Tables derived from records about persons, kept by the write path, that nobody reads row by
# row: only counts over a whole programme leave them, and only for readers of every record they are
# counted from (reads_every_record). Each row goes with its person (deleted on cascade); a subject
# access export shows the records they are derived from.
DERIVED_PERSON_TABLES: dict[str, str] = {
    "gvi.PersonReach": "the reach of the message per person (gvi.reach): a key individual, reached",
}

# Never written through the app, whoever asks (a database trigger backs this on PostgreSQL).
APPEND_ONLY_KINDS = frozenset({"access_log"})

# The minors rule: which records about persons under 18 a role may see.
MINORS_ALL, MINORS_OWN, MINORS_NONE = "all", "own", "none"
MINORS_RULE: dict[str, str] = {
    Role.COORDINATOR: MINORS_ALL,
    Role.AUDITOR: MINORS_ALL,
    Role.PARTNER_OFFICER: MINORS_OWN,
    Role.ANALYST: MINORS_NONE,
    Role.ADMINISTRATOR: MINORS_NONE,
}


def scope_for(user, kind: str, action: Action) -> Scope:
    """The organisation rule that applies to `user` for `action` on records of `kind`."""
    if kind not in RECORD_KINDS:
        raise KeyError(f"Unknown record kind {kind!r}")
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope.NONE
    if kind in APPEND_ONLY_KINDS and Action(action) not in (Action.READ, Action.EXPORT):
        return Scope.NONE
    if user.is_superuser:
        if Action(action) == Action.DELETE and not _deletable_by_some_role(kind):
            return Scope.NONE  # nothing is deleted by hand except what the table names
        return Scope.SHARED
    if user.organisation_id is None:
        return Scope.NONE
    if Action(action) in (Action.CREATE, Action.CHANGE) and not sharing.records(user.organisation.kind, kind):
        return Scope.NONE  # another kind of partner's work (e.g. supervision is probation's)
    return POLICY.get(user.role, {}).get(kind, {}).get(Action(action), Scope.NONE)


def _deletable_by_some_role(kind: str) -> bool:
    return any(rules.get(kind, {}).get(Action.DELETE, Scope.NONE) != Scope.NONE for rules in POLICY.values())


def minors_rule_for(user) -> str:
    if user.is_superuser:
        return MINORS_ALL
    return MINORS_RULE.get(user.role, MINORS_NONE)


def _minor_q(person_path: str, kind: str | None = None) -> Q:
    prefix = f"{person_path}__" if person_path else ""
    cutoff = years_before(timezone.localdate(), settings.GVI_MINOR_AGE)
    minor_today = Q(**{f"{prefix}date_of_birth__gt": cutoff})
    return minor_today if kind is None else minor_today | minor_at_record_q(kind)


# --- Minors: age at the time of the record ------------------------------------------------------

# The date of the event a record records, where it has one: a record about something that happened
# in childhood is a minor's record even if it was written later. Every kind also counts the day the
# record was made (`created_at`). A kind not named here has only that.
RECORD_EVENT_DATES: dict[str, str] = {
    "membership": "start_date",
    "supervision": "start_date",
    "involvement": "incident__occurred_at",
    "invitation": "call_in__scheduled_at",
    "custom_notification": "delivered_on",
    "enforcement_action": "performed_on",
    "service_referral": "offered_on",
    "exit_case": "opened_on",
    "concern_report": "reported_on",
    "risk_assessment": "assessed_on",
    "notice": "given_on",
    "data_subject_request": "received_on",
}


@functools.cache
def record_dates(kind: str) -> tuple[str, ...]:
    """The lookups (from the record) of the dates that decide whether it is a minor's record."""
    model = RECORD_KINDS[kind].model_class
    paths = [RECORD_EVENT_DATES[kind]] if kind in RECORD_EVENT_DATES else []
    if any(field.name == "created_at" for field in model._meta.fields):
        paths.append("created_at")
    return tuple(paths)


def minor_at_record_q(kind: str) -> Q:
    """Records of `kind` made, or about an event, before the person's 18th birthday.

    `Person.adult_on` holds the 18th birthday, so the comparison is one column against another on
    any database. A date-time is compared by its local date.
    """
    spec = RECORD_KINDS[kind]
    prefix = f"{spec.person_path}__" if spec.person_path else ""
    condition = Q()
    for path in record_dates(kind):
        condition |= Q(**{f"{prefix}adult_on__gt": _as_date(kind, path)})
    return condition


def _as_date(kind: str, path: str):
    field = _field_at(RECORD_KINDS[kind].model_class, path)
    return TruncDate(path) if field.get_internal_type() == "DateTimeField" else F(path)


def _field_at(model, path: str):
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model
    return model._meta.get_field(last)


def was_minor_at_record(kind: str, obj) -> bool:
    """The same rule as `minor_at_record_q`, on a record in memory (saved or not)."""
    spec = RECORD_KINDS[kind]
    person = obj if spec.person_path == "" else getattr(obj, spec.person_path, None)
    return _was_minor_on(person, {path: _value_at(obj, path) for path in record_dates(kind)})


def _was_minor_on(person, dates: dict) -> bool:
    """Was `person` a minor today or on any of a record's `dates` ({lookup: value} of
    `record_dates`)? A `created_at` of None is today (a record not yet made)."""
    if person is None or person.date_of_birth is None:
        return False
    if person.is_minor():
        return True
    adult_on = adult_on_for(person.date_of_birth)
    for path, value in dates.items():
        if value is None and path == "created_at":
            value = timezone.localdate()  # a record not yet made is made today
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        if value < adult_on:
            return True
    return False


def _value_at(obj, path: str):
    for hop in path.split("__"):
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return obj


def adult_on_for(date_of_birth: dt.date) -> dt.date:
    """The day a person born on `date_of_birth` comes of age (`Person.adult_on`)."""
    return birthday(date_of_birth, settings.GVI_MINOR_AGE)


# --- Listings: restricted while contested, removed when a contest is upheld -----------------------

# Kinds whose records are listings a person can contest.
LISTING_KINDS = frozenset({"membership"})
# Roles that see a restricted listing in full: those who handle the contest and those who audit it.
# Everyone else sees only that a restricted listing exists.
RESTRICTED_LISTING_ROLES = frozenset({Role.COORDINATOR, Role.AUDITOR})


def sees_restricted_listings(user) -> bool:
    return bool(user.is_superuser or getattr(user, "role", None) in RESTRICTED_LISTING_ROLES)


def listing_state_q(user, kind: str) -> Q:
    """The listing-state part of the filter: removed listings for nobody, restricted ones only for
    the roles that handle contests."""
    if kind not in LISTING_KINDS:
        return Q()
    condition = Q(removed_at__isnull=True)
    if not sees_restricted_listings(user):
        condition &= Q(is_contested=False)
    return condition


def listing_state_allows(user, kind: str, obj) -> bool:
    """`listing_state_q` on a record in memory."""
    if kind not in LISTING_KINDS:
        return True
    if obj.removed_at is not None:
        return False
    return not obj.is_contested or sees_restricted_listings(user)


def restricted_listing_counts(user, person_ids) -> dict[int, int]:
    """How many restricted listings of each of `person_ids` exist that `user` does not see in
    full, counted under every other rule of the policy (a minor's listing the user may not see
    at all is not counted either). Partners see only this number while a contest is pending."""
    if sees_restricted_listings(user):
        return {}
    condition = _filter(user, "membership", Action.READ, listing_state=False)
    if condition is None:
        return {}
    rows = (
        Membership.objects.filter(condition, person_id__in=list(person_ids), is_contested=True, removed_at__isnull=True)
        .values_list("person_id")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def _filter(user, kind: str, action: Action, *, listing_state: bool = True) -> Q | None:
    """The filter for `user`'s records of `kind`, or None for no records at all.

    Within a request (`remembered`) each filter is built once: a page builds the same ones a
    dozen times."""
    memo = _request_memo.get()
    if memo is None or user.pk is None:
        return _build_filter(user, kind, action, listing_state=listing_state)
    # Everything of the user the filter is built from: two user objects of one request never share one.
    who = (user.pk, user.is_active, user.is_superuser, getattr(user, "role", None), user.organisation_id)
    key = ("filter", who, kind, Action(action), listing_state)
    if key not in memo:
        memo[key] = _build_filter(user, kind, action, listing_state=listing_state)
    return memo[key]


def _build_filter(user, kind: str, action: Action, *, listing_state: bool) -> Q | None:
    spec = RECORD_KINDS[kind]
    scope = scope_for(user, kind, action)
    if scope == Scope.NONE:
        return None
    if user.is_superuser:
        return listing_state_q(user, kind) if listing_state else Q()
    condition = Q()
    if spec.programme_path:
        condition &= Q(**{f"{spec.programme_path}_id": user.organisation.programme_id})
    own = Q(**{f"{spec.organisation_path}_id": user.organisation_id}) if spec.organisation_path else Q()
    if scope == Scope.OWN:
        condition &= own
    elif spec.organisation_path and not _opens_all(user, kind):
        condition &= own | sharing.disclosed_q(user, kind, spec)  # another's: a rule with a basis, or consent
    if spec.person_path is not None:
        rule = minors_rule_for(user)
        minor = _minor_q(spec.person_path, kind)
        if spec.person_path:
            # A record may point at no person (e.g. a follow-up about a group): not a minor's.
            minor &= Q(**{f"{spec.person_path}__isnull": False})
        if rule == MINORS_NONE:
            condition &= ~minor
        elif rule == MINORS_OWN and spec.organisation_path:
            condition &= ~minor | own | sharing.minors_disclosed_q(user, kind, spec)
        # (A kind no organisation owns counts as everyone's own, as in _matches_unsaved; `~minor | Q()`
        # would instead read as ~minor, since Django drops an empty Q from an OR.)
    if listing_state:
        condition &= listing_state_q(user, kind)
    return condition


def scoped_queryset(user, kind: str, action: Action = Action.READ, queryset: QuerySet | None = None) -> QuerySet:
    """Records of `kind` that `user` may `action`, as a queryset to build on."""
    qs = queryset if queryset is not None else RECORD_KINDS[kind].model_class._default_manager.all()
    condition = _filter(user, kind, action)
    if condition is None:
        return qs.none()
    return qs.filter(condition)


def reads_every_record(user, kinds) -> bool:
    """Does `user`'s read filter admit every record of the programme, of each of `kinds`?

    Figures stored for the whole programme (the weekly counts, the reach of the message) stand in
    for a count within the user's view only then: a figure counted over records the user may not
    read would disclose them. True when, for each kind, the role reads it (minors and restricted
    listings too) and another organisation's records come through a rule that opens all of them
    (every owner, every person) whose legal basis the programme has recorded; a consent or a
    "works with" reach opens only some.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if user.organisation_id is None:
        return False
    needed = []  # per kind, the rules any of which opens all of it
    for kind in kinds:
        spec = RECORD_KINDS[kind]
        scope = scope_for(user, kind, Action.READ)
        if scope == Scope.NONE:
            return False
        if spec.person_path is not None and minors_rule_for(user) != MINORS_ALL:
            return False
        if kind in LISTING_KINDS and not sees_restricted_listings(user):
            return False
        if not spec.organisation_path:
            continue  # no owner: the programme's records are everyone's own
        if scope == Scope.OWN:
            return False
        opening = _opening_rules(user, kind)
        if not opening:
            return False
        needed.append(opening)
    recorded = _recorded_rules(user) if needed else frozenset()
    return all(opening & recorded for opening in needed)


def _opening_rules(user, kind: str) -> set[str]:
    """The sharing rules that would open every other organisation's record of `kind` to `user`:
    every owner, every person (not a consent, nor only the persons the reader works with)."""
    return {
        rule.code
        for rule in sharing.rules_for(user.role, user.organisation.kind, kind)
        if rule.reach == sharing.Reach.ALL and rule.owners == sharing.EVERY_KIND
    }


def _recorded_rules(user) -> frozenset[str]:
    """The sharing rules whose legal basis the user's programme has recorded (once a request)."""
    memo = _request_memo.get()
    key = ("recorded_rules", user.organisation.programme_id)
    if memo is not None and key in memo:
        return memo[key]
    bases = SharingBasis.objects.filter(programme_id=user.organisation.programme_id).exclude(text="")
    rules = frozenset(bases.values_list("rule", flat=True))
    if memo is not None:
        memo[key] = rules
    return rules


def _opens_all(user, kind: str) -> bool:
    """Within a request: does a recorded rule open every other organisation's record of `kind`?
    Then the filter needs no rule at all (the same records, in far simpler SQL). Outside a
    request (a job, a test calling a selector) the rules stay in the query, read when it runs."""
    if _request_memo.get() is None:
        return False
    opening = _opening_rules(user, kind)
    return bool(opening and opening & _recorded_rules(user))


# What the policy has worked out within one request (`remembered`), None outside one.
_request_memo: ContextVar[dict | None] = ContextVar("gvi_policy_request_memo", default=None)


@contextmanager
def remembered():
    """Remember, until the block ends, the filters built and the legal bases read: one request's
    worth (gvi.middleware.PolicyMemoMiddleware). Nothing outlives the block, so a change of a
    legal basis counts from the next request."""
    token = _request_memo.set({})
    try:
        yield
    finally:
        _request_memo.reset(token)


def can(user, kind: str, action: Action, obj=None) -> bool:
    """May `user` do `action` on `obj` (or on records of `kind` at all, when obj is None)?"""
    if obj is None:
        return scope_for(user, kind, action) != Scope.NONE
    if obj.pk is None:
        # A new record: check it against the same rules, field by field.
        return _matches_unsaved(user, kind, action, obj)
    return scoped_queryset(user, kind, action).filter(pk=obj.pk).exists()


def allows_state(user, kind: str, action: Action, obj) -> bool:
    """Does the record as it is in memory (saved or not) fall within what `user` may `action`?

    For a change: checked after the new values are set, so a change cannot move a record into
    another programme or organisation, or onto a minor the user may not touch.
    """
    return _matches_unsaved(user, kind, action, obj)


def kind_of_model(model) -> str | None:
    """The record kind whose model is `model`, if any."""
    return next((kind for kind, spec in RECORD_KINDS.items() if spec.model_class is model), None)


def _matches_unsaved(user, kind: str, action: Action, obj) -> bool:
    spec = RECORD_KINDS[kind]
    scope = scope_for(user, kind, action)
    if scope == Scope.NONE:
        return False
    if not listing_state_allows(user, kind, obj):
        return False
    if user.is_superuser:
        return True
    if spec.programme_path and _id_at(obj, spec.programme_path) != user.organisation.programme_id:
        return False
    is_own = spec.organisation_path is None or _id_at(obj, spec.organisation_path) == user.organisation_id
    if scope == Scope.OWN and not is_own:
        return False
    disclosure = None if is_own else sharing.disclosed_state(user, kind, obj)
    if not is_own and disclosure is None:
        return False  # another organisation's record that no sharing rule or consent discloses
    if spec.person_path is not None:
        # None for a record still without its person (a form with that field missing).
        person = obj if spec.person_path == "" else getattr(obj, spec.person_path, None)
        rule = minors_rule_for(user)
        # The rule first: who may see every minor's record needs no age computed (bulk imports).
        if (
            rule != MINORS_ALL
            and person is not None
            and was_minor_at_record(kind, obj)
            and (rule == MINORS_NONE or (rule == MINORS_OWN and not is_own and not disclosure.opens_minors))
        ):
            return False
    return True


def _id_at(obj, path: str):
    """The id at the end of a lookup path on an unsaved object ("organisation__programme")."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None)


# --- Many new records at once (imports): one decision per decision key ----------------------------


def create_decision_key(user, kind: str, *, programme_id, organisation_id, person=None, event=None) -> tuple | None:
    """What `can(user, kind, Action.CREATE, obj)` reads of a new record `obj` whose programme,
    owning organisation, person and event date (its value at `RECORD_EVENT_DATES[kind]`, e.g. the
    incident's `occurred_at` for an involvement) are these: two new records of the same user with
    equal keys get the same answer from `_matches_unsaved`, so a bulk write decides once per key
    (`CreateDecisions`).

    The key holds the programme and the organisation (the organisation rule), whether there is a
    person, and, where the user's minors rule depends on it, whether the person is a minor today
    or was one on the event's date or today (`_was_minor_on`, the rule `was_minor_at_record` applies;
    a new record is made today). None when the answer reads more of the record than that: a listing's
    state, or another organisation's record (the sharing rules read the record itself): ask `can`."""
    if getattr(user, "is_superuser", False):
        return (kind,)  # everything but the user's own scope is allowed: one answer for the kind
    spec = RECORD_KINDS[kind]
    if kind in LISTING_KINDS:
        return None
    if spec.organisation_path is not None and organisation_id != getattr(user, "organisation_id", None):
        return None
    minor = None
    if spec.person_path is not None and person is not None and minors_rule_for(user) != MINORS_ALL:
        dates = {path: (None if path == "created_at" else event) for path in record_dates(kind)}
        minor = _was_minor_on(person, dates)
    return (kind, programme_id, organisation_id, person is None, minor)


class CreateDecisions:
    """`can(user, kind, Action.CREATE, obj)` for many new records of one kind (a bulk import), asked
    once per `create_decision_key` instead of once per record. `allowed(build, **inputs)` takes the
    key's inputs and a function that builds the record as a model instance: it is called only for
    the first record of each key (and for every record that has no key), whose answer `can` gives.
    tests/privacy/test_create_decisions.py checks the answers against `can` on every record."""

    def __init__(self, user, kind: str):
        self.user = user
        self.kind = kind
        self.answers: dict[tuple, bool] = {}

    def allowed(self, build, **inputs) -> bool:
        key = create_decision_key(self.user, self.kind, **inputs)
        if key is None:
            return can(self.user, self.kind, Action.CREATE, build())
        answer = self.answers.get(key)
        if answer is None:
            answer = self.answers[key] = can(self.user, self.kind, Action.CREATE, build())
        return answer

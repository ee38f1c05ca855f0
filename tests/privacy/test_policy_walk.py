"""Walk the WHOLE policy table: every role × organisation kind × record kind × action, against
records owned by the user's own organisation, by an organisation of every kind of the programme
and by another programme, about adults and minors, with and without the reach a sharing rule
asks for (persons the reader works with, persons in a concern report) and with consents given
and withdrawn. `scoped_queryset`, `can` and `allows_state` (the same rules on a loaded
row, without a query) must agree with the table."""

import copy

import pytest
from django.core.management import call_command
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils import timezone

from gvi import models as m
from gvi import policy, sharing
from gvi.management.commands.policy_table import DOC_PATH, render_policy_markdown
from gvi.policy import Action, Scope
from tests import factories as f
from tests.privacy.builders import WAS_MINOR, build

pytestmark = pytest.mark.django_db


def expected(
    role,
    reader_kind,
    kind,
    action,
    *,
    same_programme,
    own,
    minor,
    listing="",
    owner_kind=None,
    works_with=False,
    concern=False,
    consent_kinds=frozenset(),
    bases=None,
) -> bool:
    """What the table, the sharing rules, the minors rule, the listing states and the append-only
    rule say, read literally. `minor` is true for a person under 18 today and for one who was under
    18 when the record was made; `listing` is "", "restricted" (a contest pending) or "removed"."""
    spec = policy.RECORD_KINDS[kind]
    if not same_programme:
        return False
    if listing == "removed":
        return False  # an upheld contest removes the listing from everyone's view
    if listing == "restricted" and role not in policy.RESTRICTED_LISTING_ROLES:
        return False
    if kind in policy.APPEND_ONLY_KINDS and action not in (Action.READ, Action.EXPORT):
        return False
    scope = policy.POLICY.get(role, {}).get(kind, {}).get(action, Scope.NONE)
    if scope == Scope.NONE:
        return False
    if action in (Action.CREATE, Action.CHANGE) and not sharing.records(reader_kind, kind):
        return False  # another kind of partner's work
    owns = own or spec.organisation_path is None
    if scope == Scope.OWN and not owns:
        return False
    opens_minors = False
    if not owns:
        reached = {sharing.Reach.ALL: True, sharing.Reach.WORKS_WITH: works_with, sharing.Reach.CONCERN: concern}
        rules = [
            rule
            for rule in sharing.SHARING_RULES
            if reader_kind in rule.readers
            and kind in rule.kinds
            and (rule.roles is None or role in rule.roles)
            and owner_kind in rule.owners
            and (bases is None or rule.code in bases)
            and (rule.reach == sharing.Reach.ALL or (spec.person_path is not None and reached[rule.reach]))
        ]
        if not rules and kind not in consent_kinds:
            return False
        opens_minors = any(rule.minors for rule in rules)
    if minor and spec.person_path is not None:
        rule = policy.MINORS_RULE[role]
        if rule == policy.MINORS_NONE or (rule == policy.MINORS_OWN and not owns and not opens_minors):
            return False
    return True


def unsaved_copy(obj):
    new = copy.copy(obj)
    new.pk = None
    new.id = None
    new._state = ModelState()
    new._state.fields_cache = dict(obj._state.fields_cache)
    return new


K = m.OrganisationKind


@pytest.fixture
def world(programme):
    """One organisation of every kind (each a reader, with a user of every role), a second police
    organisation, and another programme's; records of every kind owned by each, about adults and
    minors. Civil society works with the persons of police records (a referral), the exit
    organisation with those of probation records (an exit case); persons of the "other" kind's
    records have a concern report; persons of social services' records consented to share with
    civil society (and, withdrawn, with the exit organisation)."""
    readers = {kind: f.OrganisationFactory(programme=programme, name=f"Egen {kind}", kind=kind) for kind in K}
    second_police = f.OrganisationFactory(programme=programme, name="Polisen 2", kind=K.POLICE)
    foreign = f.OrganisationFactory(programme=f.ProgrammeFactory(name="Främmande satsning"), name="Främmande")
    owners = [*readers.values(), second_police, foreign]
    built = {}
    for kind, spec in policy.RECORD_KINDS.items():
        ages = (False, True, WAS_MINOR) if spec.person_path is not None else (False,)
        built[kind] = [(build(kind, org, minor), org, {"minor": bool(minor)}) for org in owners for minor in ages]
    # Listings in their own states: restricted while a contest is pending, removed after an upheld one.
    for org in owners:
        for minor in (False, True):
            for listing in ("restricted", "removed"):
                membership = build("membership", org, minor)
                if listing == "restricted":
                    membership.is_contested = True
                else:
                    membership.removed_at = timezone.now()
                membership.save()
                built["membership"].append((membership, org, {"minor": minor, "listing": listing}))
    today = timezone.localdate()
    for kind, rows in built.items():
        for obj, org, _extra in rows:
            person = obj if kind == "person" else getattr(obj, "person", None)
            if person is None or org == foreign:
                continue
            if org.kind == K.POLICE:
                f.ServiceReferralFactory(organisation=readers[K.POLICE], person=person)  # police's own: no reach
                f.ServiceReferralFactory(organisation=readers[K.CIVIL_SOCIETY], person=person)
            elif org.kind == K.PROBATION:
                m.ExitCase.objects.create(
                    person=person, opened_on=today, organisation=readers[K.EXIT], programme=programme, source="W"
                )
            elif org.kind == K.OTHER:
                f.ConcernReportFactory(organisation=second_police, person=person)
            elif org.kind == K.MUNICIPALITY:
                common = {"person": person, "programme": programme, "given_on": today, "source": "W"}
                m.Consent.objects.create(organisation=readers[K.CIVIL_SOCIETY], scope=m.ConsentScope.CASEWORK, **common)
                m.Consent.objects.create(
                    organisation=readers[K.EXIT],
                    scope=m.ConsentScope.SUPERVISION,
                    withdrawn_at=timezone.now(),
                    **common,
                )
    users = {
        (role, kind): f.UserFactory(organisation=org, role=role) for kind, org in readers.items() for role in m.Role
    }
    return users, built, programme


def reader_facts(org, programme):
    """What a reader's organisation works with, the persons in a concern report and the kinds each
    person consented to share with it: found by plain queries of their own, once per reader."""
    delivered = m.CustomNotification.objects.filter(Q(organisation=org) | Q(delivering_organisations=org))
    works_with = set()
    for source in (m.ServiceReferral, m.ExitCase, m.Invitation):
        works_with |= set(source.objects.filter(organisation=org).values_list("person_id", flat=True))
    works_with |= set(delivered.values_list("person_id", flat=True))
    concern = set(m.ConcernReport.objects.filter(programme=programme).values_list("person_id", flat=True))
    consents = {}
    for consent in m.Consent.objects.filter(organisation=org, withdrawn_at__isnull=True):
        consents[consent.person_id] = (
            consents.get(consent.person_id, frozenset()) | sharing.CONSENT_KINDS[consent.scope]
        )
    return works_with, concern, consents


def facts(user, kind, obj, owner, programme, known):
    spec = policy.RECORD_KINDS[kind]
    person_id = None if spec.person_path is None else (obj.pk if kind == "person" else obj.person_id)
    works_with, concern, consents = known
    return {
        "same_programme": owner.programme_id == programme.pk,
        "own": owner == user.organisation,
        "owner_kind": owner.kind,
        "works_with": person_id in works_with,
        "concern": person_id in concern,
        "consent_kinds": consents.get(person_id, frozenset()),
    }


def test_the_policy_walk(world, monkeypatch):
    """One world (it takes a while to build) for every walk: the table as it is, then any table,
    then a programme missing some legal bases."""
    users, built, programme = world
    # Reads, one record at a time too, for every role and organisation kind.
    mismatches, checked = walk(users, built, programme, single=(Action.READ,))
    assert not mismatches, mismatches[:20]
    # The walk really covered the table: every role and organisation kind, every kind.
    assert checked >= len(m.Role) * len(K) * len(policy.RECORD_KINDS) * 8

    # The organisation kinds whose rules differ most (civil society, social services), again:
    some = {key: user for key, user in users.items() if key[1] in (K.CIVIL_SOCIETY, K.MUNICIPALITY)}
    # changes and creation one record at a time (each costs a few queries: the walk stays short);
    mismatches, _checked = walk(some, built, programme, single=(Action.CHANGE, Action.CREATE))
    assert not mismatches, ("writes", mismatches[:20])
    # every role given OWN, then SHARED, on every cell: combinations today's table does not use
    # (the minors-own rule on a kind no organisation owns, say) must still be read the same way.
    for scope in (Scope.OWN, Scope.SHARED):
        everything = {role: {kind: dict.fromkeys(Action, scope) for kind in policy.RECORD_KINDS} for role in m.Role}
        with monkeypatch.context() as patch:
            patch.setattr(policy, "POLICY", everything)
            mismatches, _checked = walk(some, built, programme, single=(Action.READ,))
        assert not mismatches, (scope, mismatches[:20])

    # A rule without a basis (no row, or an empty text) shares nothing.
    m.SharingBasis.objects.filter(programme=programme, rule__in=["works_with", "call_in"]).delete()
    m.SharingBasis.objects.filter(programme=programme, rule="child_protection").update(text="")
    bases = set(m.SharingBasis.objects.filter(programme=programme).exclude(text="").values_list("rule", flat=True))
    assert "works_with" not in bases and "child_protection" not in bases
    mismatches, _checked = walk(some, built, programme, bases=bases, single=(Action.READ,))
    assert not mismatches, ("bases", mismatches[:20])


def walk(users, records, programme, bases=None, single=(Action.READ,)):
    """Compare scoped_queryset, can and allows_state with `expected` in every cell: the queryset
    for every action; for the `single` actions, one record at a time: `can` for reads,
    `allows_state` for reads and changes, and `can` on an unsaved copy for creation."""
    mismatches = []
    checked = 0
    for (role, reader_kind), user in users.items():
        about = reader_facts(user.organisation, programme)
        known = {
            kind: [(obj, {**facts(user, kind, obj, owner, programme, about), **extra}) for obj, owner, extra in rows]
            for kind, rows in records.items()
        }
        for kind, built in known.items():
            for action in Action:
                want = {obj.pk for obj, fact in built if expected(role, reader_kind, kind, action, bases=bases, **fact)}
                got = set(
                    policy.scoped_queryset(user, kind, action)
                    .filter(pk__in=[obj.pk for obj, _ in built])
                    .values_list("pk", flat=True)
                )
                if got != want:
                    mismatches.append((role, reader_kind, kind, action, "scoped_queryset", sorted(got), sorted(want)))
                with policy.remembered():  # within a request: a rule that opens every record drops out of the SQL
                    in_request = set(
                        policy.scoped_queryset(user, kind, action)
                        .filter(pk__in=[obj.pk for obj, _ in built])
                        .values_list("pk", flat=True)
                    )
                if in_request != want:
                    mismatches.append(
                        (role, reader_kind, kind, action, "in a request", sorted(in_request), sorted(want))
                    )
                for obj, fact in built if action in single else ():
                    wanted = obj.pk in want
                    checked += 1
                    if action == Action.READ and policy.can(user, kind, action, obj) != wanted:
                        mismatches.append((role, reader_kind, kind, action, "can", obj.pk, fact))
                    if (
                        action in (Action.READ, Action.CHANGE)
                        and policy.allows_state(user, kind, action, obj) != wanted
                    ):
                        mismatches.append((role, reader_kind, kind, action, "allows_state", obj.pk, fact))
                    if action == Action.CREATE:
                        if kind == "person":  # a person not yet saved: nobody works with them yet
                            new_fact = {**fact, "works_with": False, "concern": False, "consent_kinds": frozenset()}
                            wanted = expected(role, reader_kind, kind, action, bases=bases, **new_fact)
                        if policy.can(user, kind, action, unsaved_copy(obj)) != wanted:
                            mismatches.append((role, reader_kind, kind, action, "can(unsaved)", fact))
                kind_level = policy.POLICY.get(role, {}).get(kind, {}).get(action, Scope.NONE) != Scope.NONE
                if kind in policy.APPEND_ONLY_KINDS and action not in (Action.READ, Action.EXPORT):
                    kind_level = False
                if action in (Action.CREATE, Action.CHANGE) and not sharing.records(reader_kind, kind):
                    kind_level = False
                if policy.can(user, kind, action) != kind_level:
                    mismatches.append((role, reader_kind, kind, action, "can(kind)"))
    return mismatches, checked


def test_superuser_sees_everything_but_still_cannot_rewrite_the_access_log(programme):
    own = f.OrganisationFactory(programme=programme, kind=K.CIVIL_SOCIETY)
    other = f.OrganisationFactory(programme=programme, kind=K.POLICE)
    records = {kind: [(build(kind, other, minor=False), other)] for kind in policy.RECORD_KINDS}
    records["access_log"] = [(build("access_log", own), own)]
    root = f.UserFactory(is_superuser=True, is_staff=True, role=m.Role.ADMINISTRATOR)
    row, _ = records["access_log"][0]
    assert policy.can(root, "person", Action.READ, build("person", other, minor=True))  # a minor of another org
    assert policy.can(root, "access_log", Action.READ, row)
    for action in (Action.CREATE, Action.CHANGE, Action.DELETE):
        assert not policy.can(root, "access_log", action, row)
        assert not policy.scoped_queryset(root, "access_log", action).exists()
    # Nor deletes by hand what no role may delete (only areas and call-ins may be): personal data
    # leaves through retention.
    deletable = {kind for kind, built in records.items() if policy.can(root, kind, Action.DELETE, built[0][0])}
    assert deletable == {"area", "call_in"}


def test_every_role_has_a_minors_rule_and_only_known_kinds():
    assert set(policy.MINORS_RULE) == set(m.Role)
    for role, kinds in policy.POLICY.items():
        assert set(kinds) <= set(policy.RECORD_KINDS), role


def test_every_model_with_personal_data_is_a_record_kind():
    """A new model about a person must be added to the policy, or nothing scopes it."""
    from django.apps import apps

    covered = {spec.model_class for spec in policy.RECORD_KINDS.values()}
    about_persons = {
        model
        for model in apps.get_app_config("gvi").get_models()
        if any(getattr(field, "related_model", None) is m.Person for field in model._meta.fields)
        and not model.__name__.startswith("Historical")
    }
    derived = {apps.get_model(label) for label in policy.DERIVED_PERSON_TABLES}
    assert about_persons <= covered | derived | {m.Person}, about_persons - covered - derived
    # A derived table is never a record kind as well: nothing lists it row by row.
    assert not derived & covered


def test_policy_doc_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == render_policy_markdown(), (
        "docs/policy.md is out of date: run `python manage.py policy_table`"
    )
    call_command("policy_table", "--check")
    from django.utils import translation

    with translation.override("sv"):  # the UI's default language; the docs stay English
        call_command("policy_table", "--check")

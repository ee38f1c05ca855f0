"""Walk the WHOLE policy table: every role × record kind × action, against records owned by
the user's own organisation, another organisation of the programme and another programme,
about adults and minors. `scoped_queryset`, `can` and `allows_state` (the same rules on a loaded
row, without a query) must agree with the table."""

import copy

import pytest
from django.core.management import call_command
from django.db.models.base import ModelState
from django.utils import timezone

from gvi import models as m
from gvi import policy
from gvi.management.commands.policy_table import DOC_PATH, render_policy_markdown
from gvi.policy import Action, Scope
from tests import factories as f
from tests.privacy.builders import WAS_MINOR, build

pytestmark = pytest.mark.django_db


def expected(role, kind, action, *, same_programme, own, minor, listing="") -> bool:
    """What the table (plus the minors rule, the listing states and the append-only rule) says,
    read literally. `minor` is true for a person under 18 today and for one who was under 18 when
    the record was made; `listing` is "", "restricted" (a contest pending) or "removed"."""
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
    owns = own or spec.organisation_path is None
    if scope == Scope.OWN and not owns:
        return False
    if minor and spec.person_path is not None:
        rule = policy.MINORS_RULE[role]
        if rule == policy.MINORS_NONE or (rule == policy.MINORS_OWN and not owns):
            return False
    return True


def unsaved_copy(obj):
    new = copy.copy(obj)
    new.pk = None
    new.id = None
    new._state = ModelState()
    return new


@pytest.fixture
def world(programme):
    own = f.OrganisationFactory(programme=programme, name="Egen organisation")
    other = f.OrganisationFactory(programme=programme, name="Annan organisation")
    foreign = f.OrganisationFactory(programme=f.ProgrammeFactory(name="Främmande satsning"), name="Främmande")
    records = {}
    for kind, spec in policy.RECORD_KINDS.items():
        ages = (False, True, WAS_MINOR) if spec.person_path is not None else (False,)
        records[kind] = [
            (build(kind, org, minor), {"same_programme": org != foreign, "own": org == own, "minor": bool(minor)})
            for org in (own, other, foreign)
            for minor in ages
        ]
    for org in (own, other, foreign):
        for minor in (False, True):
            for listing in ("restricted", "removed"):
                membership = build("membership", org, minor)
                if listing == "restricted":
                    membership.is_contested = True
                else:
                    membership.removed_at = timezone.now()
                membership.save()
                facts = {"same_programme": org != foreign, "own": org == own, "minor": minor, "listing": listing}
                records["membership"].append((membership, facts))
    users = {role: f.UserFactory(organisation=own, role=role) for role in m.Role}
    return users, records


def test_every_role_kind_and_action_agrees_with_the_table(world):
    mismatches, checked = walk(*world)
    assert not mismatches, mismatches[:20]
    # The walk really covered the table: every role, kind and action, several records each.
    assert checked >= len(m.Role) * len(policy.RECORD_KINDS) * len(Action) * 3


@pytest.mark.parametrize("scope", [Scope.OWN, Scope.SHARED])
def test_the_three_checks_agree_for_any_table(world, monkeypatch, scope):
    """Every role given `scope` on every cell: combinations today's table does not use (the
    minors-own rule on a kind no organisation owns, say) must still be read the same way."""
    everything = {role: {kind: dict.fromkeys(Action, scope) for kind in policy.RECORD_KINDS} for role in m.Role}
    monkeypatch.setattr(policy, "POLICY", everything)
    mismatches, _checked = walk(*world)
    assert not mismatches, mismatches[:20]


def walk(users, records):
    """Compare scoped_queryset, can and allows_state with `expected` in every cell of POLICY."""
    mismatches = []
    checked = 0
    for role, user in users.items():
        for kind, built in records.items():
            for action in Action:
                want = {obj.pk for obj, facts in built if expected(role, kind, action, **facts)}
                got = set(
                    policy.scoped_queryset(user, kind, action)
                    .filter(pk__in=[obj.pk for obj, _ in built])
                    .values_list("pk", flat=True)
                )
                if got != want:
                    mismatches.append((role, kind, action, "scoped_queryset", sorted(got), sorted(want)))
                for obj, facts in built:
                    wanted = expected(role, kind, action, **facts)
                    if policy.can(user, kind, action, obj) != wanted:
                        mismatches.append((role, kind, action, "can", obj.pk, facts))
                    if policy.allows_state(user, kind, action, obj) != wanted:
                        mismatches.append((role, kind, action, "allows_state", obj.pk, facts))
                    if action == Action.CREATE and policy.can(user, kind, action, unsaved_copy(obj)) != wanted:
                        mismatches.append((role, kind, action, "can(unsaved)", facts))
                    checked += 1
                kind_level = policy.POLICY.get(role, {}).get(kind, {}).get(action, Scope.NONE) != Scope.NONE
                if kind in policy.APPEND_ONLY_KINDS and action not in (Action.READ, Action.EXPORT):
                    kind_level = False
                if policy.can(user, kind, action) != kind_level:
                    mismatches.append((role, kind, action, "can(kind)"))
    return mismatches, checked


def test_superuser_sees_everything_but_still_cannot_rewrite_the_access_log(world):
    _, records = world
    root = f.UserFactory(is_superuser=True, is_staff=True, role=m.Role.ADMINISTRATOR)
    row, _ = records["access_log"][0]
    assert policy.can(root, "person", Action.READ, records["person"][1][0])  # a minor of another org
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
    assert about_persons <= covered | {m.Person}, about_persons - covered


def test_policy_doc_is_up_to_date():
    assert DOC_PATH.read_text(encoding="utf-8") == render_policy_markdown(), (
        "docs/policy.md is out of date: run `python manage.py policy_table`"
    )
    call_command("policy_table", "--check")
    from django.utils import translation

    with translation.override("sv"):  # the UI's default language; the docs stay English
        call_command("policy_table", "--check")

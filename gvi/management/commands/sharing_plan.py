"""Show what each role of each partner organisation gains or loses under the sharing rules, and
give programmes the default legal bases they lack (--apply).

For every programme, organisation and role, and every record kind the role reads across the
programme, it counts the other organisations' records the role table alone would open (the
policy before sharing rules, except that partner officers then read exit cases and concern
reports of their own organisation only) and the ones the sharing rules open with the
programme's bases, plus the defaults --apply would add. Without --apply nothing is written.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from gvi import policy
from gvi.models import PartnerOrganisation, Programme, Role, User
from gvi.models.people import years_before
from gvi.services.sharing import apply_default_bases


class _Preview(Exception):
    """Raised to roll back the defaults added only to count with them."""


def role_only_count(user, kind: str) -> int:
    """Other organisations' records of `kind` the role table alone opens to the user (the minors rule applied)."""
    spec = policy.RECORD_KINDS[kind]
    model = spec.model_class
    qs = model._default_manager.filter(**{f"{spec.programme_path}_id": user.organisation.programme_id})
    qs = qs.exclude(**{f"{spec.organisation_path}_id": user.organisation_id})
    rule = policy.minors_rule_for(user)
    if spec.person_path is not None and rule != policy.MINORS_ALL:
        prefix = f"{spec.person_path}__" if spec.person_path else ""
        cutoff = years_before(timezone.localdate(), settings.GVI_MINOR_AGE)
        qs = qs.exclude(**{f"{prefix}date_of_birth__gt": cutoff})
    return qs.count()


def shared_count(user, kind: str) -> int:
    spec = policy.RECORD_KINDS[kind]
    return policy.scoped_queryset(user, kind).exclude(**{f"{spec.organisation_path}_id": user.organisation_id}).count()


def plan(programme) -> list[tuple]:
    """(organisation, role, kind, before, after) wherever the count changes."""
    changes = []
    for organisation in PartnerOrganisation.objects.filter(programme=programme).order_by("name"):
        for role in Role:
            user = User(organisation=organisation, role=role, is_active=True)
            for kind, spec in policy.RECORD_KINDS.items():
                if spec.organisation_path is None or spec.programme_path != "programme":
                    continue
                if policy.scope_for(user, kind, policy.Action.READ) != policy.Scope.SHARED:
                    continue
                before, after = role_only_count(user, kind), shared_count(user, kind)
                if before != after:
                    changes.append((organisation, role, kind, before, after))
    return changes


class Command(BaseCommand):
    help = "Print what each role and organisation kind gains or loses under the sharing rules; --apply adds defaults."

    def add_arguments(self, parser):
        parser.add_argument("--programme", type=int, help="Only this programme (id); all programmes by default.")
        parser.add_argument("--apply", action="store_true", help="Add the default legal bases the programme lacks.")

    def handle(self, *args, programme=None, apply=False, **options):
        programmes = Programme.objects.order_by("name")
        if programme is not None:
            programmes = programmes.filter(pk=programme)
            if not programmes.exists():
                raise CommandError(f"No programme with id {programme}.")
        for item in programmes:
            self.stdout.write(f"== {item.name} (id {item.pk})")
            try:
                with transaction.atomic():
                    added = apply_default_bases(item)
                    for basis in added:
                        self.stdout.write(f"  {'adds' if apply else 'would add'} the default basis of {basis.rule}")
                    changes = plan(item)
                    if not apply:
                        raise _Preview
            except _Preview:
                pass
            for organisation, role, kind, before, after in changes:
                verb = "gains" if after > before else "loses"
                self.stdout.write(
                    f"  {organisation.name} ({organisation.kind}) {role}: {kind} {verb} {abs(after - before)}"
                    f" of other organisations' records (role table alone {before}, with the sharing rules {after})"
                )
            if not changes:
                self.stdout.write("  no change in what any role sees")

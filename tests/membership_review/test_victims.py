"""Being a victim or a witness never makes anyone a member, and nothing suggests it."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from gvi import followup_rules, membership_review, scoring
from gvi import models as m
from gvi.services import incidents
from tests import factories as f

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
# Code that writes memberships (directly, through the service, or in bulk).
CREATES_MEMBERSHIP = re.compile(
    r"\bMembership\(|Membership\.objects\.(create|get_or_create|update_or_create|bulk_create)\b"
    r"|\bpropose_membership\(|MembershipFactory\b"
)
MENTIONS_INVOLVEMENT = re.compile(r"\bInvolvement\b|\bInvolvementRole\b|\binvolvements?\b")


def application_modules():
    """Every module of the running system: the domain, the API, the jobs and the UI.

    The seed (synthetic demo data, written by hand) and migrations are not paths by which
    the system itself could list or suggest anyone.
    """
    for package in ("gvi", "api", "tasks", "frontend"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts or "seed" in path.parts or path.name == "seed.py":
                continue
            yield path


def functions(path):
    """(name, source) of every function and method in a module: the unit of a code path."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{path.relative_to(ROOT).as_posix()}:{node.name}", ast.get_source_segment(source, node)


def test_no_code_path_turns_an_involvement_into_a_membership():
    writers = {
        name: source
        for path in application_modules()
        for name, source in functions(path)
        if CREATES_MEMBERSHIP.search(source)
    }
    assert "gvi/services/memberships.py:propose_membership" in writers  # the scan does find the real path
    offenders = sorted(name for name, source in writers.items() if MENTIONS_INVOLVEMENT.search(source))
    assert offenders == [], f"These functions write memberships and read involvements: {offenders}"


def test_victims_and_witnesses_are_never_listed_or_suggested(police, police_analyst, police_coordinator):
    group = f.GroupFactory(organisation=police)
    suspect, victim, witness = (f.PersonFactory(organisation=police) for _ in range(3))
    f.MembershipFactory(organisation=police, person=suspect, group=group, status="active")
    for days_ago in (2, 20, 40):
        incidents.log_incident(
            user=police_analyst,
            incident_type=m.IncidentType.SHOOTING,
            occurred_at=timezone.now() - dt.timedelta(days=days_ago),
            source=f"K-{days_ago}-26",
            confidence=m.Confidence.CONFIRMED,
            involvements=[
                {"person": suspect, "role": "suspect"},
                {"person": victim, "role": "victim"},
                {"person": witness, "role": "witness"},
            ],
            attributions=[{"group": group, "share": 1}],
        )
    # Every job that runs after an incident, run by hand.
    scoring.run_scoring(programme_id=police.programme_id, trigger="incident")
    followup_rules.run_daily_rules()
    membership_review.review_programme(programme_id=police.programme_id)

    others = [victim.pk, witness.pk]
    assert not m.Membership.objects.filter(person_id__in=others).exists()
    assert not m.Membership.objects.counting().filter(person_id__in=others).exists()
    # No follow-up about these persons tells anyone to list them as members.
    suggestions = m.FollowUp.objects.filter(person_id__in=others)
    assert not [
        fu.title for fu in suggestions if re.search(r"member|medlem", f"{fu.title} {fu.description} {fu.rule}", re.I)
    ]

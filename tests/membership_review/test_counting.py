"""Only active memberships count: proposed, rejected, lapsed and ended ones never score.

Scoring (the jobs issue) reaches persons' groups through `Membership.objects.counting()`.
Until it lands `run_scoring` is a stub; the assertions below hold before and after.
"""

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from gvi import models as m
from gvi import scoring
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_non_active_memberships_do_not_score(police):
    groups = {}
    for status in m.MembershipStatus.values:
        suspect = f.PersonFactory(organisation=police)
        group = f.GroupFactory(organisation=police, name=f"Grupp {status}")
        f.MembershipFactory(organisation=police, person=suspect, group=group, status=status, review_due=None)
        incident = f.IncidentFactory(organisation=police, occurred_at=timezone.now() - dt.timedelta(days=5))
        f.InvolvementFactory(organisation=police, incident=incident, person=suspect, role="suspect")
        groups[status] = group

    assert set(m.Membership.objects.counting().values_list("group", flat=True)) == {groups["active"].pk}
    scoring.run_scoring(programme_id=police.programme_id, trigger="test")

    def score(group):
        return m.GroupScore.objects.filter(group=group).aggregate(total=Sum("score"))["total"] or 0

    for status, group in groups.items():
        if status != m.MembershipStatus.ACTIVE:
            assert score(group) == 0, f"a {status} membership made its group score"
    if m.GroupScore.objects.exists():  # once scoring is implemented: the active one does score
        assert score(groups["active"]) > 0

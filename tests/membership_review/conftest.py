"""Fixtures for the membership review tests: a second coordinator (four eyes) and proposals."""

import datetime as dt

import pytest

from gvi import models as m
from gvi.services.memberships import propose_membership
from tests import factories as f


@pytest.fixture
def probation_coordinator(probation):
    return f.UserFactory(username="samordnare.frivard", organisation=probation, role=m.Role.COORDINATOR)


@pytest.fixture
def criteria(programme):
    return [
        f.InclusionCriterionFactory(programme=programme, code="own-statement", name="Egen uppgift"),
        f.InclusionCriterionFactory(programme=programme, code="joint-offence", name="Brott med medlemmar"),
        f.InclusionCriterionFactory(programme=programme, code="intelligence", name="Graderad underrättelse"),
    ]


@pytest.fixture
def propose(criteria, police):
    """Propose a membership as `user` with the first `n` criteria (two by default)."""

    def _propose(user, *, person=None, group=None, n=2, **kwargs):
        person = person or f.PersonFactory(organisation=police)
        group = group or f.GroupFactory(organisation=police)
        return propose_membership(
            user=user,
            person=person,
            group=group,
            start_date=kwargs.pop("start_date", dt.date(2026, 1, 1)),
            source=kwargs.pop("source", "PM-2026-1"),
            evidence=[
                {"criterion": criterion, "source_reference": f"REF-{i}"} for i, criterion in enumerate(criteria[:n])
            ],
            **kwargs,
        )

    return _propose

"""A synthetic city for the UI tests: groups, members, incidents, call-ins, scores and a flag.

Built with bulk_create so a few hundred rows cost little; `build_city(scale=n)` grows every
kind of row with n, which is what the query-count tests need.

Accessibility (WCAG 2.1 AA) is checked by default; a new page or browser test needs nothing:
- Every page a browser test opens is audited by axe-core (axe-playwright-python, bundled, works
  offline): the `browser` fixture (tests/conftest.py) watches every context and page made from
  it, runs axe on each HTML page when it loads (URLs it could not finish are audited when the
  context closes), and the autouse fixture `axe_every_page` fails the test on any violation of
  the rules tagged wcag2a, wcag2aa, wcag21a, wcag21aa. See tests/axe.py.
- tests/frontend/test_wcag.py enumerates every page of the URLconf (namespace `frontend`), fills
  in ids from this city, and for each role opens every page that role may open: it must not
  scroll sideways at 320 px (reflow, 1.4.10) and must pass axe. A new id segment is filled from
  the model of the same name; where none fits, the test says what to add to its ID_SOURCES.
- Only third-party pages are exempt (tests/axe.py EXEMPT_PATH_PREFIXES: Swagger UI, the admin).
"""

import datetime as dt
import itertools

import pytest
from django.test import Client
from django.utils import timezone

from gvi import models as m
from gvi import reach, weekly_counts
from gvi.scoring import get_config
from tests import factories as f

_serial = itertools.count(1)


def _sourced(organisation, **fields):
    return {
        "programme_id": organisation.programme_id,
        "organisation": organisation,
        "source": f"SYN-{next(_serial):06d}",
        "confidence": fields.pop("confidence", m.Confidence.PROBABLE),
        **fields,
    }


def build_city(police, probation, *, scale: int = 1, prefix: str = "", with_flags: bool = True) -> dict:
    """Groups with members under supervision, incidents over eight weeks, call-ins, notifications,
    enforcement, services, follow-ups, scoring runs and a suggested and a confirmed flag."""
    now = timezone.now()
    today = timezone.localdate()
    tag = prefix or f"s{next(_serial)}"
    programme_id = police.programme_id
    areas = m.Area.objects.bulk_create(
        m.Area(programme_id=programme_id, name=f"{tag} Område {i}") for i in range(2 + scale)
    )
    groups = m.Group.objects.bulk_create(
        m.Group(**_sourced(police, name=f"{tag} Gruppering {i}", status=m.GroupStatus.ACTIVE)) for i in range(4 * scale)
    )
    for i, group in enumerate(groups):
        group.areas.add(areas[i % len(areas)])
        m.GroupAlias.objects.create(group=group, alias=f"{tag} alias {i}")
    persons = m.Person.objects.bulk_create(
        m.Person(
            **_sourced(
                police,
                first_name=f"Förnamn{tag}{i}",
                last_name=f"Efternamn{tag}{i}",
                date_of_birth=dt.date(1995, 1, 1) if i % 7 else today - dt.timedelta(days=16 * 365),
                home_area=areas[i % len(areas)],
                confidence=m.Confidence.UNVERIFIED if i % 5 == 0 else m.Confidence.PROBABLE,
            )
        )
        for i in range(40 * scale)
    )
    m.Person.objects.fill_adult_on()  # bulk_create skips save(), which sets it
    memberships = m.Membership.objects.bulk_create(
        m.Membership(
            **_sourced(
                police,
                person=person,
                group=groups[i % len(groups)],
                start_date=dt.date(2024, 1, 1),
                status=m.MembershipStatus.PROPOSED if i % 9 == 0 else m.MembershipStatus.ACTIVE,
                is_key_individual=i % 4 == 0,
            )
        )
        for i, person in enumerate(persons)
    )
    m.Supervision.objects.bulk_create(
        m.Supervision(
            **_sourced(probation, person=person, kind=m.SupervisionKind.PROBATION, start_date=dt.date(2025, 1, 1))
        )
        for i, person in enumerate(persons)
        if i % 2 == 0
    )
    incidents = m.Incident.objects.bulk_create(
        m.Incident(
            **_sourced(
                police,
                incident_type=m.IncidentType.SHOOTING if i % 3 else m.IncidentType.EXPLOSION,
                occurred_at=now - dt.timedelta(days=i % 56, hours=1),
                area=areas[i % len(areas)],
                verification_status=m.VerificationStatus.VERIFIED,
            )
        )
        for i in range(30 * scale)
    )
    m.GroupAttribution.objects.bulk_create(
        m.GroupAttribution(**_sourced(police, incident=incident, group=groups[i % len(groups)]))
        for i, incident in enumerate(incidents)
    )
    m.Involvement.objects.bulk_create(
        m.Involvement(
            **_sourced(police, incident=incident, person=persons[i % len(persons)], role=m.InvolvementRole.SUSPECT)
        )
        for i, incident in enumerate(incidents)
    )
    m.Involvement.objects.bulk_create(
        m.Involvement(
            **_sourced(police, incident=incident, person=persons[(i + 3) % len(persons)], role=m.InvolvementRole.VICTIM)
        )
        for i, incident in enumerate(incidents)
    )
    call_in = m.CallIn.objects.create(
        programme_id=programme_id,
        organisation=police,
        scheduled_at=now - dt.timedelta(days=10),
        venue=f"{tag} Stadshuset",
        status=m.CallInStatus.HELD,  # it took place: attendance is recorded
    )
    m.Invitation.objects.bulk_create(
        m.Invitation(
            **_sourced(
                police,
                call_in=call_in,
                person=person,
                status=m.InvitationStatus.ATTENDED if i % 2 else m.InvitationStatus.NO_SHOW,
            )
        )
        for i, person in enumerate(persons[: 10 * scale])
    )
    notifications = m.CustomNotification.objects.bulk_create(
        m.CustomNotification(
            **_sourced(
                probation,
                person=person,
                group=groups[0],
                delivered_on=today - dt.timedelta(days=3),
                response=m.NotificationResponse.LISTENED,
            )
        )
        for person in persons[10 * scale : 15 * scale]
    )
    for notification in notifications:
        notification.delivering_organisations.add(probation)
    m.EnforcementAction.objects.bulk_create(
        m.EnforcementAction(
            **_sourced(
                police,
                group=groups[i % len(groups)],
                kind=m.EnforcementKind.CONTROL,
                performed_on=today - dt.timedelta(days=i % 10),
            )
        )
        for i in range(10 * scale)
    )
    m.ServiceReferral.objects.bulk_create(
        m.ServiceReferral(
            **_sourced(probation, person=person, kind=m.ServiceKind.EMPLOYMENT, offered_on=today - dt.timedelta(days=2))
        )
        for person in persons[: 10 * scale]
    )
    m.RiskAssessment.objects.bulk_create(
        m.RiskAssessment(
            **_sourced(
                probation,
                person=person,
                kind=m.RiskKind.THREAT_FROM,
                level=m.RiskLevel.HIGH,
                assessed_on=today,
                next_review_on=today + dt.timedelta(days=30),
            )
        )
        for person in persons[: 5 * scale]
    )
    m.FollowUp.objects.bulk_create(
        m.FollowUp(
            programme_id=programme_id,
            owner_organisation=police if i % 2 else probation,
            title=f"{tag} Uppföljning {i}",
            due_date=today + dt.timedelta(days=(i % 10) - 5),
            person=persons[i % len(persons)],
            group=groups[i % len(groups)],
        )
        for i in range(20 * scale)
    )
    m.GroupRelation.objects.bulk_create(
        m.GroupRelation(
            **_sourced(
                police,
                group_a=groups[i],
                group_b=groups[(i + 1) % len(groups)],
                kind=m.RelationKind.CONFLICT if i % 2 else m.RelationKind.ALLIANCE,
                start_date=dt.date(2025, 1, 1),
            )
        )
        for i in range(len(groups))
    )
    get_config(programme_id)  # a programme that has been scored has its scoring settings
    runs = [
        m.ScoringRun.objects.create(
            programme_id=programme_id,
            as_of=now - dt.timedelta(days=7 * k),
            finished_at=now - dt.timedelta(days=7 * k),
            trigger="test",
        )
        for k in range(4, -1, -1)
    ]
    for k, run in enumerate(runs):
        m.GroupScore.objects.bulk_create(
            m.GroupScore(run=run, group=group, score=float(10 * (len(groups) - i) + k), rank=i + 1, incident_count=3)
            for i, group in enumerate(groups)
        )
    latest = runs[-1]
    top_scores = list(m.GroupScore.objects.filter(run=latest, rank__in=[1, 2]).order_by("rank"))
    attributed = {}
    for attribution in m.GroupAttribution.objects.filter(group__in=[s.group_id for s in top_scores]):
        attributed.setdefault(attribution.group_id, []).append(attribution.incident_id)
    m.ScoreContribution.objects.bulk_create(
        m.ScoreContribution(
            group_score=score, incident_id=incident_id, contribution=5.0 - j * 0.1, detail={"weight": 5}
        )
        for score in top_scores
        for j, incident_id in enumerate(attributed.get(score.group_id, []))
    )
    # Loaded in bulk around the services, as the seed does: count the weeks and reach as the seed does.
    weekly_counts.rebuild(programme_id=programme_id)
    reach.rebuild(programme_id=programme_id)
    if not with_flags:
        return {"groups": groups, "persons": persons, "call_in": call_in}
    confirmed = m.GroupFlag.objects.create(
        programme_id=programme_id,
        group=top_scores[1].group,
        run=latest,
        status=m.FlagStatus.CONFIRMED,
        score=top_scores[1].score,
        decision_reason="Bekräftad vid förra veckogenomgången",
    )
    suggested = m.GroupFlag.objects.create(
        programme_id=programme_id,
        group=top_scores[0].group,
        run=latest,
        status=m.FlagStatus.SUGGESTED,
        score=top_scores[0].score,
        runner_up=top_scores[1].group,
        runner_up_score=top_scores[1].score,
    )
    return {
        "areas": areas,
        "groups": groups,
        "persons": persons,
        "memberships": memberships,
        "incidents": incidents,
        "call_in": call_in,
        "suggested": suggested,
        "confirmed": confirmed,
    }


@pytest.fixture
def city(police, probation):
    return build_city(police, probation, scale=1, prefix="A")


@pytest.fixture
def coordinator_client(client, police_coordinator):
    client.force_login(police_coordinator)
    return client


__all__ = ["build_city", "f"]


class PurposefulClient(Client):
    """A test client whose sessions have given a purpose of access, as a user does once per
    working session (the asking itself: tests/privacy/test_purpose_and_chain.py)."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        session = self.session
        session["gvi_purpose"] = {"kind": "case", "text": "TEST-1"}
        session.save()


@pytest.fixture
def client():
    return PurposefulClient()

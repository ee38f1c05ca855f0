"""Incremental scoring (gvi.scoring_state) against the full recomputation (issue 13, item 10).

Random sequences of what a programme does (incidents logged, corrected, retracted; attributions
made and confirmed; memberships ended), each through the services, with the incremental update
taking the changes in; then the full run at the same moments must give the same scores, ranks
and counts, and the nightly check must find no drift. Runs on SQLite and PostgreSQL
(DATABASE_URL).
"""

import datetime as dt
import logging
import math
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gvi import models as m
from gvi import scoring, scoring_state
from gvi.services import incident_corrections, incidents
from gvi.services.memberships import end_membership
from tests import factories as f

C = m.Confidence
S, V = m.InvolvementRole.SUSPECT, m.InvolvementRole.VICTIM
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def world(police, police_coordinator, police_analyst):
    """Four groups, eight members (two in two groups), one programme."""
    groups = [f.GroupFactory(organisation=police, name=name) for name in ("Norr", "Söder", "Väster", "Öster")]
    persons, memberships = [], []
    for k in range(8):
        person = f.PersonFactory(organisation=police)
        persons.append(person)
        for group in {groups[k % 4], groups[(k * 3) % 4] if k % 3 == 0 else groups[k % 4]}:
            memberships.append(
                f.MembershipFactory(
                    organisation=police,
                    person=person,
                    group=group,
                    start_date=(NOW - dt.timedelta(days=1200)).date(),
                    confidence=random.Random(k).choice(list(C.values)),
                )
            )
    return {"groups": groups, "persons": persons, "memberships": memberships, "police": police}


def scores_of(run):
    return {gs.group_id: gs for gs in m.GroupScore.objects.filter(run=run)}


def assert_same(incremental_run, full_run):
    inc, full = scores_of(incremental_run), scores_of(full_run)
    assert set(inc) == set(full)
    for group_id, want in full.items():
        got = inc[group_id]
        assert got.score == pytest.approx(want.score, rel=1e-9, abs=1e-12), group_id
        assert got.exposure == pytest.approx(want.exposure, rel=1e-9, abs=1e-12), group_id
        assert (got.incident_count, got.exposure_incident_count) == (want.incident_count, want.exposure_incident_count)
    # The same order, so the same flag suggestion (ties aside).
    assert sorted(inc, key=lambda g: (-round(inc[g].score, 9), g)) == sorted(
        full, key=lambda g: (-round(full[g].score, 9), g)
    )


def play(world, rng, steps, coordinator, analyst, start):
    """Random changes through the services, each followed (or not) by an incremental update."""
    programme_id = world["police"].programme_id
    logged, open_attributions = [], []
    as_of = start
    for _step in range(steps):
        action = rng.choice(["log", "log", "log", "correct", "retract", "attribute", "confirm", "end", "tick"])
        if action == "log" or not logged:
            suspects = rng.sample(world["persons"], rng.choice([0, 1, 1, 2]))
            victims = rng.sample([p for p in world["persons"] if p not in suspects], rng.choice([0, 0, 1]))
            logged.append(
                incidents.log_incident(
                    user=analyst,
                    incident_type=rng.choice(["shooting", "explosion", "homicide", "serious_assault"]),
                    occurred_at=NOW - dt.timedelta(days=rng.uniform(0, 740)),
                    source="test",
                    confidence=rng.choice(list(C.values)),
                    verification_status=rng.choice(["reported", "verified", "verified", "disputed"]),
                    killed=rng.choice([0, 0, 1, 2]),
                    injured=rng.choice([0, 1]),
                    involvements=[{"person": p, "role": S} for p in suspects]
                    + [{"person": p, "role": V} for p in victims],
                )
            )
        elif action == "correct":
            incident_corrections.correct_incident(
                user=coordinator,
                incident=rng.choice(logged),
                reason="test correction",
                killed=rng.choice([0, 1, 3]),
                incident_type=rng.choice(["shooting", "armed_threat"]),
                verification_status=rng.choice(["verified", "disputed", "reported"]),
            )
        elif action == "retract":
            incident_corrections.retract_incident(user=coordinator, incident=rng.choice(logged), reason="unfounded")
        elif action == "attribute":
            open_attributions.append(
                incidents.attribute_to_group(
                    user=analyst,
                    incident=rng.choice(logged),
                    group=rng.choice(world["groups"]),
                    share=rng.choice([Decimal("0"), Decimal("0.4"), Decimal("1")]),
                    source="test",
                    confidence=C.PROBABLE,
                )
            )
        elif action == "confirm" and open_attributions:
            attribution = open_attributions.pop(rng.randrange(len(open_attributions)))
            incidents.confirm_attribution(user=coordinator, attribution=attribution, reason="seen")
        elif action == "end":
            active = [
                ms
                for ms in m.Membership.objects.filter(pk__in=[x.pk for x in world["memberships"]])
                if ms.status == m.MembershipStatus.ACTIVE
            ]
            if active:
                end_membership(
                    user=coordinator,
                    membership=rng.choice(active),
                    reason="left the group",
                    end_date=(NOW - dt.timedelta(days=rng.randint(0, 500))).date(),
                )
        if rng.random() < 0.6:
            # Sometimes a burst of changes is taken in at once; time moves on (the window too).
            as_of += dt.timedelta(hours=rng.choice([1, 5, 30, 24 * 5]))
            scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=as_of)
    as_of += dt.timedelta(hours=1)
    return scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=as_of)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_and_full_give_the_same_scores(world, seed, police_coordinator, police_analyst):
    programme_id = world["police"].programme_id
    rng = random.Random(seed)
    start = NOW + dt.timedelta(hours=1)
    first = scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start)
    assert first.trigger == "schedule/rebuild"  # no state yet: the full run builds it
    last = play(world, rng, 25, police_coordinator, police_analyst, start)
    assert not m.ScorePending.objects.filter(programme_id=programme_id).exists()
    full = scoring.run_scoring(
        programme_id=programme_id, trigger="full", as_of=last.as_of + dt.timedelta(microseconds=1)
    )
    assert_same(last, full)
    assert any(gs.score > 0 for gs in scores_of(full).values())
    # The nightly check agrees: nothing drifted.
    scoring.run_scoring(
        programme_id=programme_id, trigger="nightly", as_of=last.as_of + dt.timedelta(seconds=1), verify=True
    )
    check = m.ScoreState.objects.get(programme_id=programme_id).last_check
    assert (check["groups"], check["terms"], check["rebuilt"]) == (0, 0, False)


def test_a_change_reaches_the_score_and_the_flag_at_once(world, police_analyst):
    programme_id = world["police"].programme_id
    start = NOW + dt.timedelta(minutes=1)
    scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start)
    norr = world["groups"][0]
    member = m.Membership.objects.filter(group=norr).first().person
    incidents.log_incident(
        user=police_analyst,
        incident_type="homicide",
        occurred_at=NOW - dt.timedelta(hours=2),
        source="test",
        confidence=C.CONFIRMED,
        verification_status="verified",
        killed=3,
        involvements=[{"person": member, "role": S}],
    )
    run = scoring_state.run_incremental(programme_id=programme_id, as_of=start + dt.timedelta(seconds=1))
    assert run is not None and run.trigger == "incident"
    assert scores_of(run)[norr.pk].score > 0
    flag = m.GroupFlag.objects.get(programme_id=programme_id, status=m.FlagStatus.SUGGESTED)
    assert flag.run_id == run.pk
    # The flag's explanation is stored with the run and adds up to the score.
    group_score = m.GroupScore.objects.get(run=run, group_id=flag.group_id)
    rows = group_score.contributions.filter(measure=m.Measure.VIOLENCE).values_list("contribution", flat=True)
    assert math.fsum(rows) == pytest.approx(group_score.score, rel=1e-12)
    # A second update triggered by the same change finds nothing left: the burst coalesced.
    assert scoring_state.run_incremental(programme_id=programme_id, as_of=start + dt.timedelta(seconds=2)) is None


def test_the_update_does_not_grow_with_the_history(world, police_analyst):
    """The same statements whatever the number of incidents already scored."""
    programme_id = world["police"].programme_id
    person = world["persons"][0]

    def log(days):
        incidents.log_incident(
            user=police_analyst,
            incident_type="shooting",
            occurred_at=NOW - dt.timedelta(days=days),
            source="test",
            confidence=C.CONFIRMED,
            verification_status="verified",
            involvements=[{"person": person, "role": S}],
        )

    start = NOW + dt.timedelta(minutes=1)
    scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start)
    counts = []
    for n, history in enumerate((2, 40)):
        for k in range(history):
            log(10 + k)
        scoring_state.run_incremental(programme_id=programme_id, as_of=start + dt.timedelta(minutes=2 * n + 1))
        log(1)
        with CaptureQueriesContext(connection) as queries:
            scoring_state.run_incremental(programme_id=programme_id, as_of=start + dt.timedelta(minutes=2 * n + 2))
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert m.ScoreTerm.objects.filter(programme_id=programme_id).count() >= 42


def test_the_nightly_check_logs_and_repairs_drift(world, police_analyst, caplog):
    programme_id = world["police"].programme_id
    person = m.Membership.objects.filter(group=world["groups"][1]).first().person
    incidents.log_incident(
        user=police_analyst,
        incident_type="shooting",
        occurred_at=NOW - dt.timedelta(days=3),
        source="test",
        confidence=C.CONFIRMED,
        verification_status="verified",
        involvements=[{"person": person, "role": S}],
    )
    start = NOW + dt.timedelta(minutes=1)
    scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start)
    # A write around the services: the incident is made a homicide with raw SQL, nothing noted.
    m.Incident.objects.filter(programme_id=programme_id).update(incident_type="homicide", killed=2)
    stale = scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start.replace(second=30))
    with caplog.at_level(logging.WARNING, logger="gvi.scoring_state"):
        full = scoring.run_scoring(
            programme_id=programme_id, trigger="nightly", as_of=start + dt.timedelta(minutes=1), verify=True
        )
    assert "had drifted" in caplog.text
    check = m.ScoreState.objects.get(programme_id=programme_id).last_check
    assert check["rebuilt"] and check["groups"] == 1 and check["terms"] >= 1
    group_id = world["groups"][1].pk
    assert scores_of(full)[group_id].score > scores_of(stale)[group_id].score
    # Repaired: the next update agrees with the full run, and the next check finds nothing.
    after = scoring_state.run_incremental(
        programme_id=programme_id, trigger="schedule", as_of=full.as_of + dt.timedelta(microseconds=1)
    )
    assert scores_of(after)[group_id].score == pytest.approx(scores_of(full)[group_id].score, rel=1e-9)
    scoring.run_scoring(
        programme_id=programme_id, trigger="nightly", as_of=full.as_of + dt.timedelta(seconds=1), verify=True
    )
    assert m.ScoreState.objects.get(programme_id=programme_id).last_check["rebuilt"] is False


def test_a_change_of_settings_rebuilds_the_state(world, police_analyst):
    programme_id = world["police"].programme_id
    start = NOW + dt.timedelta(minutes=1)
    scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start)
    m.ScoringConfig.objects.filter(programme_id=programme_id).update(half_life_days=30)
    run = scoring_state.run_incremental(programme_id=programme_id, trigger="schedule", as_of=start.replace(second=5))
    assert run.trigger == "schedule/rebuild"


def test_only_the_explained_groups_keep_every_contribution(world, police_analyst, settings):
    """The full run stores the rows of its first ranks and of the flagged groups; another group's
    explanation is computed on demand by the same function and adds up to its score."""
    settings.GVI_SCORING_EXPLAINED_RANKS = 1
    programme_id = world["police"].programme_id
    for k, person in enumerate(world["persons"]):
        incidents.log_incident(
            user=police_analyst,
            incident_type="shooting",
            occurred_at=NOW - dt.timedelta(days=5 + k),
            source="test",
            confidence=C.CONFIRMED,
            verification_status="verified",
            involvements=[{"person": person, "role": S}],
        )
    run = scoring.run_scoring(programme_id=programme_id, trigger="test", as_of=NOW)
    scores = sorted(scores_of(run).values(), key=lambda gs: gs.rank)
    explained = {gs.group_id for gs in scores if gs.contributions.exists()}
    assert explained == {scores[0].group_id}  # rank 1, which is also the suggested flag's group
    other = next(gs for gs in scores if gs.group_id not in explained and gs.score > 0)
    rows = scoring_state.contributions_now(programme_id=programme_id, group_id=other.group_id, as_of=NOW)
    assert math.fsum(r["contribution"] for r in rows) == pytest.approx(other.score, rel=1e-12)


def test_a_full_run_now_sums_straight_and_explains_from_the_state(world, police_analyst):
    """With a current state, a full run "now" sums the scores straight from the scoring function
    and writes the leader's rows from the state's terms: the same as the temporary-table path."""
    programme_id = world["police"].programme_id
    for k, person in enumerate(world["persons"][:5]):
        incidents.log_incident(
            user=police_analyst,
            incident_type="shooting",
            occurred_at=NOW - dt.timedelta(days=3 + 10 * k),
            source="test",
            confidence=C.CONFIRMED,
            verification_status="verified",
            killed=k % 2,
            involvements=[{"person": person, "role": S}],
        )
    scoring_state.run_incremental(programme_id=programme_id, trigger="schedule")  # builds the state
    now = scoring.run_scoring(programme_id=programme_id, trigger="full")
    by_table = scoring.run_scoring(
        programme_id=programme_id, trigger="full", as_of=now.as_of + dt.timedelta(microseconds=1)
    )
    assert_same(now, by_table)
    leader = m.GroupScore.objects.get(run=now, rank=1)
    rows = list(leader.contributions.filter(measure=m.Measure.VIOLENCE).values_list("contribution", flat=True))
    assert rows and math.fsum(rows) == pytest.approx(leader.score, rel=1e-12)
    other = m.GroupScore.objects.get(run=by_table, group_id=leader.group_id)
    assert len(rows) == other.contributions.filter(measure=m.Measure.VIOLENCE).count()

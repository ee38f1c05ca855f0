"""The violence score on hand-made incident sets with answers computed by hand, and the flag."""

import datetime as dt
import math
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gvi import models as m
from gvi import scoring
from tests import factories as f

AS_OF = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)


def days_before(days: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days)


@pytest.fixture
def world(police):
    """Groups X, Y, Z, W (and a dissolved one) with members A..F."""
    g = {name: f.GroupFactory(organisation=police, name=f"Grupp {name}") for name in "XYZW"}
    g["dissolved"] = f.GroupFactory(organisation=police, name="Upplöst", status=m.GroupStatus.DISSOLVED)
    p = {name: f.PersonFactory(organisation=police) for name in "ABCDEFG"}

    def member(person, group, **kwargs):
        kwargs.setdefault("start_date", dt.date(2024, 1, 1))
        kwargs.setdefault("confidence", m.Confidence.CONFIRMED)  # a full share unless a test says otherwise
        return f.MembershipFactory(organisation=police, person=p[person], group=g[group], **kwargs)

    member("A", "X")
    member("B", "X")
    member("B", "Y")
    member("B", "dissolved")  # a dissolved group neither scores nor splits a share
    member("C", "Z")
    member("D", "W")
    member("E", "Y")
    member("F", "X", status=m.MembershipStatus.PROPOSED)
    member("F", "Z", status=m.MembershipStatus.LAPSED, review_due=dt.date(2025, 3, 1))
    member("G", "X", end_date=dt.date(2025, 1, 31))
    return {"groups": g, "persons": p, "org": police}


def incident(world, kind, occurred_at, confidence, involvements=(), attributions=(), **kwargs):
    inc = f.IncidentFactory(
        organisation=world["org"], incident_type=kind, occurred_at=occurred_at, confidence=confidence, **kwargs
    )
    for person, role, *involvement_confidence in involvements:
        f.InvolvementFactory(
            organisation=world["org"],
            incident=inc,
            person=world["persons"][person],
            role=role,
            confidence=(involvement_confidence or [C.CONFIRMED])[0],
        )
    for group, share in attributions:
        f.GroupAttributionFactory(
            organisation=world["org"], incident=inc, group=world["groups"][group], share=Decimal(share)
        )
    return inc


S, V, W = m.InvolvementRole.SUSPECT, m.InvolvementRole.VICTIM, m.InvolvementRole.WITNESS
C = m.Confidence


def scores_of(run):
    return {gs.group.name[-1] if gs.group.name.startswith("Grupp") else gs.group.name: gs for gs in run.scores.all()}


def test_defaults_are_created_with_the_config(programme):
    config = scoring.get_config(programme.pk)
    weights = scoring.severity_weights(config)
    assert weights[m.IncidentType.HOMICIDE] == 10 and weights[m.IncidentType.ARMED_THREAT] == 2
    assert set(weights) == set(m.IncidentType.values)
    assert scoring.confidence_multipliers(config)[C.UNVERIFIED] == 0.25
    assert scoring.get_config(programme.pk).pk == config.pk  # get_or_create, not twice
    assert m.IncidentTypeWeight.objects.filter(config=config).count() == len(m.IncidentType.values)


def test_scores_match_hand_computation(world):
    # Shooting (8), confirmed (1.0), one half-life old (decay 0.5):
    #   X: suspects A (X only, weight 1) and B (X and Y: 1/2 each) -> share max(1, 1/2) = 1 -> 8*.5*1*1 = 4.0
    #   Y: suspect B -> share 1/2 -> 2.0;  W: witness D -> 0
    #   Z: victim C -> no violence; exposure share 0.3 -> 1.2
    shooting = incident(world, "shooting", days_before(90), C.CONFIRMED, [("A", S), ("B", S), ("C", V), ("D", W)])
    # Homicide (10), probable (0.75), today (decay 1): analyst gives Y 0.4, which replaces suspect E's full share.
    homicide = incident(world, "homicide", days_before(0), C.PROBABLE, [("E", S)], [("Y", "0.4")])
    # Armed threat (2), unverified (.25), two half-lives (decay .25): suspect A -> X: 2*.25*1*.25 = 0.125
    incident(world, "armed_threat", days_before(180), C.UNVERIFIED, [("A", S)])
    # Nothing from these: a proposed membership, one lapsed (review date passed) and one ended
    # before the day, an unfounded incident, one outside the window, one in the future.
    incident(world, "homicide", days_before(1), C.CONFIRMED, [("F", S)])
    incident(world, "homicide", days_before(30), C.CONFIRMED, [("G", S)])
    incident(world, "homicide", days_before(1), C.CONFIRMED, [("A", S)], verification_status="unfounded")
    incident(world, "homicide", days_before(731), C.CONFIRMED, [("A", S)])
    incident(world, "homicide", AS_OF + dt.timedelta(hours=1), C.CONFIRMED, [("A", S)])

    run = scoring.run_scoring(programme_id=world["org"].programme_id, trigger="test", as_of=AS_OF)

    got = scores_of(run)
    assert set(got) == {"X", "Y", "Z", "W"}  # the dissolved group is not scored
    assert got["Y"].score == pytest.approx(2.0 + 3.0)
    assert got["X"].score == pytest.approx(4.0 + 0.125)
    assert got["Z"].score == 0 and got["Z"].exposure == pytest.approx(1.2)
    assert got["W"].score == 0
    assert [got[n].rank for n in "YXZW"] == [1, 2, 3, 3]
    assert [got[n].incident_count for n in "YXZW"] == [2, 2, 0, 0]
    assert got["Z"].exposure_incident_count == 1

    y = {c.incident_id: c for c in got["Y"].contributions.filter(measure=m.Measure.VIOLENCE)}
    assert y[homicide.pk].contribution == pytest.approx(3.0)
    assert y[homicide.pk].factor_values["share"] == pytest.approx(0.4)
    assert y[homicide.pk].factor_values["by_analyst"] == 1
    assert y[shooting.pk].factor_values["decay"] == pytest.approx(0.5)
    assert y[shooting.pk].factor_values["share"] == pytest.approx(0.5)
    assert run.finished_at is not None


def test_an_incident_counts_once_per_group_however_many_suspects(world):
    incident(world, "serious_assault", days_before(0), C.CONFIRMED, [("A", S), ("B", S), ("G", S)])
    run = scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF)
    assert scores_of(run)["X"].score == pytest.approx(3.0)


def test_configuration_changes_the_score(world):
    config = scoring.get_config(world["org"].programme_id)
    config.half_life_days = 30
    config.victim_weight = Decimal("0.5")
    config.confidence_multipliers = {"confirmed": 0.8, "probable": "not a number"}
    config.save()
    config.weights.filter(incident_type="shooting").update(weight=4)
    incident(world, "shooting", days_before(30), C.CONFIRMED, [("C", V)])
    run = scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF)
    # 0.8 for the confirmed incident, involvement and membership alike.
    assert scores_of(run)["Z"].exposure == pytest.approx(4 * 0.5 * 0.5 * 0.8**3)
    assert scoring.confidence_multipliers(config)["probable"] == 0.75  # a bad value falls back


def test_every_contribution_is_kept_and_they_sum_to_the_score(world):
    for day in range(12):
        incident(world, "armed_threat", days_before(day), C.CONFIRMED, [("A", S)])
    run = scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF)
    x = scores_of(run)["X"]
    kept = list(x.contributions.all())
    assert x.incident_count == 12 and len(kept) == 12
    assert [c.contribution for c in kept] == sorted((c.contribution for c in kept), reverse=True)
    assert math.fsum(c.contribution for c in kept) == pytest.approx(x.score, rel=1e-12)


def test_a_run_twice_for_the_same_moment_is_stored_once(world):
    incident(world, "shooting", days_before(10), C.CONFIRMED, [("A", S)])
    first = scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF)
    second = scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF, trigger="incident")
    assert second.pk == first.pk
    assert m.ScoringRun.objects.count() == 1
    assert m.GroupScore.objects.filter(run=first).count() == 4  # X, Y, Z, W: scored once
    assert m.GroupFlag.objects.count() == 1
    later = scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF + dt.timedelta(seconds=1))
    assert later.pk != first.pk and m.ScoringRun.objects.count() == 2


def test_the_database_refuses_a_second_run_for_the_same_moment(world):
    from django.db import IntegrityError, transaction

    programme_id = world["org"].programme_id
    m.ScoringRun.objects.create(programme_id=programme_id, as_of=AS_OF)
    with pytest.raises(IntegrityError), transaction.atomic():
        m.ScoringRun.objects.create(programme_id=programme_id, as_of=AS_OF)
    f.ScoringRunFactory(as_of=AS_OF)  # another programme's run of the same moment is its own


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_for_the_same_moment_store_one_run(police):
    """Two workers score the same moment at once (real PostgreSQL): one run, one suggestion."""
    from tests.conftest import in_parallel

    group = f.GroupFactory(organisation=police, name="Norr")
    inc = f.IncidentFactory(organisation=police, incident_type="shooting", occurred_at=AS_OF, confidence="confirmed")
    f.GroupAttributionFactory(organisation=police, incident=inc, group=group, share=Decimal("1"))
    scoring.get_config(police.programme_id)

    def run():
        return scoring.run_scoring(programme_id=police.programme_id, as_of=AS_OF, trigger="incident").pk

    first, second = in_parallel(run, run, start_together=True)
    assert first == second
    assert m.ScoringRun.objects.count() == 1
    assert m.GroupScore.objects.count() == 1
    assert m.GroupFlag.objects.count() == 1


def test_a_run_requested_before_a_finished_run_is_skipped(world):
    before = AS_OF.replace(year=2000)
    scoring.run_scoring(programme_id=world["org"].programme_id, as_of=AS_OF)
    assert scoring.run_scoring(programme_id=world["org"].programme_id, requested_after=before) is None
    assert m.ScoringRun.objects.count() == 1


# --- The flag and its hysteresis -----------------------------------------------------------


@pytest.fixture
def flagging(police):
    """Two groups whose score is set by analyst-attributed homicides at AS_OF (10 points each).

    All incidents happen at the same moment, so decay scales every score alike and the ratios
    the margin is about stay as added. The programme keeps the default persistence: 7 days."""
    groups = {name: f.GroupFactory(organisation=police, name=name) for name in ("Norr", "Söder")}
    programme_id = police.programme_id
    config = scoring.get_config(programme_id)
    config.confidence_multipliers = {"confirmed": 1}
    config.save()
    assert config.flag_persistence_days == 7

    def add(name, points):
        while points > 0:
            share = min(points, 10) / 10
            inc = f.IncidentFactory(
                organisation=police, incident_type="homicide", occurred_at=AS_OF, confidence="confirmed"
            )
            f.GroupAttributionFactory(organisation=police, incident=inc, group=groups[name], share=Decimal(str(share)))
            points -= 10

    def run(days=0, seconds=0):
        """Score as of AS_OF + days + seconds; return the open suggestion."""
        as_of = AS_OF + dt.timedelta(days=days, seconds=seconds)
        scoring.run_scoring(programme_id=programme_id, as_of=as_of)
        return m.GroupFlag.objects.filter(programme_id=programme_id, status=m.FlagStatus.SUGGESTED).first()

    return groups, add, run


def test_first_leader_is_suggested_with_an_explanation(flagging):
    groups, add, run = flagging
    add("Norr", 20)
    add("Söder", 10)
    flag = run()
    assert flag.group == groups["Norr"]
    assert flag.score == pytest.approx(20) and flag.runner_up == groups["Söder"]
    explanation = flag.explanation
    assert explanation["reason"] == "first_leader"
    assert explanation["score"] == pytest.approx(20)
    assert len(explanation["top_incidents"]) == 2
    assert sum(i["contribution"] for i in explanation["top_incidents"]) == pytest.approx(20)
    assert explanation["settings"]["flag_margin"] == pytest.approx(0.15)
    assert explanation["settings"]["flag_persistence_days"] == 7


def test_no_suggestion_without_violence(flagging):
    _groups, _add, run = flagging
    assert run() is None
    assert not m.GroupFlag.objects.exists()


def test_hysteresis_needs_margin_and_persistence_in_days(flagging):
    groups, add, run = flagging
    add("Norr", 20)
    first = run(0)
    assert first.group == groups["Norr"]
    add("Söder", 22)  # leads by 10 % < 15 % margin: no change, however long it lasts
    assert run(1).pk == first.pk
    assert run(20).pk == first.pk
    add("Söder", 2)  # 24 vs 20: leads by 20 % from day 21
    assert run(21).pk == first.pk
    assert run(27).pk == first.pk  # six days
    second = run(28)  # seven days with the margin in every run: the suggestion moves
    assert second.group == groups["Söder"]
    assert second.explanation["reason"] == "leader_persisted_with_margin"
    first.refresh_from_db()
    assert first.status == m.FlagStatus.SUPERSEDED
    assert (first.end_reason, first.successor) == (m.FlagEndReason.SUPERSEDED, second)
    add("Norr", 5)  # 25 vs 24: Norr leads again, but not by the margin: no flapping back
    assert run(29).pk == second.pk
    assert run(60).pk == second.pk


def test_persistence_resets_when_the_lead_is_lost(flagging):
    groups, add, run = flagging
    add("Norr", 10)
    first = run(0)
    add("Söder", 20)
    run(1)
    run(5)
    add("Norr", 20)  # Norr leads again on day 6: the challenger's lead breaks
    run(6)
    add("Söder", 30)  # 50 vs 30 from day 7
    run(7)
    assert run(13).pk == first.pk  # the lead held since day 7 only, not since day 1
    assert run(14).group == groups["Söder"]


def test_a_burst_of_incidents_in_one_night_then_a_month_of_quiet(flagging):
    """Incident-triggered runs 20 s apart prove nothing: the lead must last seven days."""
    groups, add, run = flagging
    add("Norr", 20)
    first = run(0)
    for k in range(5):  # five homicides attributed to Söder in one night, a run 20 s after each
        add("Söder", 10)
        assert run(days=1, seconds=20 * (k + 1)).pk == first.pk
    for day in range(2, 9):  # then nothing: the hourly runs, one a day here
        assert run(day).pk == first.pk
    moved = run(9)  # the first run seven days after Söder took the lead (day 1 + 60 s)
    assert moved.group == groups["Söder"]
    for day in range(10, 40):  # a month of quiet: the suggestion stands, nothing flaps
        assert run(day).pk == moved.pk
    assert m.GroupFlag.objects.count() == 2


def test_confirmed_flag_stands_until_a_challenger_persists(flagging, police_coordinator):
    from gvi.services.flags import confirm_flag

    groups, add, run = flagging
    add("Norr", 20)
    confirmed = confirm_flag(user=police_coordinator, flag=run(0), reason="Tre skjutningar")
    assert run(1) is None  # the confirmed leader is not suggested again
    add("Söder", 30)
    assert run(2) is None
    assert run(8) is None
    challenger = run(9)
    assert challenger.group == groups["Söder"]
    confirmed.refresh_from_db()
    assert confirmed.status == m.FlagStatus.CONFIRMED  # only a coordinator moves the flag


def test_the_confirmed_group_leading_again_lapses_the_challengers_suggestion(flagging, police_coordinator):
    from gvi.services.flags import confirm_flag

    groups, add, run = flagging
    add("Norr", 20)
    confirm_flag(user=police_coordinator, flag=run(0), reason="Tre skjutningar")
    add("Söder", 30)
    run(1)
    challenger = run(8)
    assert challenger.group == groups["Söder"]
    add("Norr", 30)  # 50 vs 30 from day 9
    assert run(9).pk == challenger.pk
    assert run(16) is None
    challenger.refresh_from_db()
    assert (challenger.status, challenger.end_reason) == (m.FlagStatus.SUPERSEDED, m.FlagEndReason.FLAGGED_GROUP_LEADS)
    assert challenger.successor is None


def test_a_rejected_group_returns_only_when_its_score_grows_by_the_margin(flagging, police_coordinator):
    from gvi.services.flags import reject_flag

    groups, add, run = flagging
    add("Norr", 20)
    rejected = reject_flag(user=police_coordinator, flag=run(0), reason="Fel underlag")
    assert (rejected.end_reason, rejected.ended_by) == (m.FlagEndReason.REJECTED, police_coordinator)
    assert run(1) is None
    add("Norr", 2)  # 22 < 20 * 1.15
    assert run(2) is None
    assert run(20) is None
    add("Norr", 8)  # 30: above 23 (with decay, about 25.7 at day 20 and 24.2 at day 28)
    assert run(21) is None  # and it must stay there for seven days too
    assert run(27) is None
    assert run(28).group == groups["Norr"]


def test_after_a_rejection_a_group_leading_by_a_hair_is_not_suggested(flagging, police_coordinator):
    """The practice case: a coordinator rejects a suggestion because the intelligence is old;
    the next run has another group leading by a hair. The rejection does not lower the bar."""
    from gvi.services.flags import reject_flag

    groups, add, run = flagging
    add("Norr", 20)
    add("Söder", 19)
    reject_flag(user=police_coordinator, flag=run(0), reason="Underlaget är gammalt")
    assert run(1) is None  # Söder is second: nothing to suggest
    add("Söder", 2)  # 21 vs 20: leads by a hair
    for day in (2, 3, 10, 30):
        assert run(day) is None
    add("Söder", 4)  # 25 vs 20: leads by the margin from day 31
    assert run(31) is None
    assert run(37) is None
    suggestion = run(38)
    assert suggestion.group == groups["Söder"]
    assert suggestion.explanation["reason"] == "leader_persisted_with_margin"


def test_a_flag_a_coordinator_ended_keeps_the_bar(flagging, police_coordinator):
    from gvi.services.flags import confirm_flag, end_flag

    groups, add, run = flagging
    add("Norr", 20)
    add("Söder", 19)
    confirmed = confirm_flag(user=police_coordinator, flag=run(0), reason="Tre skjutningar")
    ended = end_flag(user=police_coordinator, flag=confirmed, reason="Gruppen har splittrats")
    assert (ended.status, ended.end_reason, ended.end_note) == (
        m.FlagStatus.ENDED,
        m.FlagEndReason.ENDED_BY_COORDINATOR,
        "Gruppen har splittrats",
    )
    assert ended.ended_by == police_coordinator and ended.ended_at is not None
    assert run(1) is None  # Norr still leads, but only a score grown by the margin brings it back
    add("Söder", 4)  # 23 vs 20: by the margin from day 2 (the incidents' own run)
    assert run(2) is None
    assert run(8) is None
    assert run(9).group == groups["Söder"]


def test_only_a_confirmed_flag_can_be_ended_and_only_with_a_reason(flagging, police_coordinator, probation_officer):
    from django.core.exceptions import PermissionDenied, ValidationError

    from gvi.services.flags import confirm_flag, end_flag

    _groups, add, run = flagging
    add("Norr", 20)
    suggested = run(0)
    with pytest.raises(ValidationError):
        end_flag(user=police_coordinator, flag=suggested, reason="Slut")
    confirmed = confirm_flag(user=police_coordinator, flag=suggested, reason="Tre skjutningar")
    with pytest.raises(ValidationError):
        end_flag(user=police_coordinator, flag=confirmed, reason="  ")
    with pytest.raises(PermissionDenied):
        end_flag(user=probation_officer, flag=confirmed, reason="Slut")
    confirmed.refresh_from_db()
    assert confirmed.status == m.FlagStatus.CONFIRMED and confirmed.end_reason == ""


def test_a_new_confirmation_ends_the_old_flag_with_its_history(flagging, police_coordinator):
    from gvi.services.flags import confirm_flag

    groups, add, run = flagging
    add("Norr", 20)
    old = confirm_flag(user=police_coordinator, flag=run(0), reason="Först")
    add("Söder", 40)
    run(1)
    new = confirm_flag(user=police_coordinator, flag=run(8), reason="Söder leder nu tydligt")
    old.refresh_from_db()
    assert (old.status, new.status, new.group) == (m.FlagStatus.ENDED, m.FlagStatus.CONFIRMED, groups["Söder"])
    history = list(old.history.order_by("history_id"))
    assert [h.status for h in history] == ["suggested", "confirmed", "ended"]
    assert (history[-1].end_reason, history[-1].successor_id) == (m.FlagEndReason.REPLACED, new.pk)
    assert history[-1].ended_by_id == police_coordinator.pk
    assert new.decided_by == police_coordinator and new.decision_reason == "Söder leder nu tydligt"


def test_membership_periods_are_compared_with_the_incidents_local_date(world):
    """00:30 in Stockholm on the day a membership starts is still the day before in UTC."""
    stockholm = ZoneInfo("Europe/Stockholm")
    starts = dt.date(2025, 5, 20)
    newcomer = f.PersonFactory(organisation=world["org"])
    f.MembershipFactory(organisation=world["org"], person=newcomer, group=world["groups"]["W"], start_date=starts)
    just_after_midnight = dt.datetime(2025, 5, 20, 0, 30, tzinfo=stockholm)
    inc = f.IncidentFactory(
        organisation=world["org"], incident_type="shooting", occurred_at=just_after_midnight, confidence=C.CONFIRMED
    )
    f.InvolvementFactory(organisation=world["org"], incident=inc, person=newcomer, role=S)
    run = scoring.run_scoring(programme_id=world["org"].programme_id, trigger="test", as_of=AS_OF)
    assert scores_of(run)["W"].incident_count == 1


def test_the_persistence_check_takes_two_queries_however_many_runs(flagging, django_assert_max_num_queries):
    groups, add, run = flagging
    add("Norr", 20)
    run(0)
    add("Söder", 30)
    for hour in range(1, 60):  # many runs within the period: hourly runs and incident runs
        run(days=0, seconds=3600 * hour)
    latest = m.ScoringRun.objects.order_by("-as_of").first()
    config = scoring.get_config(latest.programme_id)
    with django_assert_max_num_queries(2):
        held = scoring.challenger_persisted(
            run=latest, challenger_id=groups["Söder"].pk, incumbent_id=groups["Norr"].pk, config=config
        )
    assert held is False  # led for 59 hours, not 7 days
    run(8)
    later = m.ScoringRun.objects.order_by("-as_of").first()
    with django_assert_max_num_queries(2):
        assert scoring.challenger_persisted(
            run=later, challenger_id=groups["Söder"].pk, incumbent_id=groups["Norr"].pk, config=config
        )

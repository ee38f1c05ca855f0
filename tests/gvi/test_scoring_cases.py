"""The score and the flag in the cases a programme meets (issue 13): one test per rule, the
worked example of docs/scoring.md, and a property test over the order of logging, correcting
and retracting incidents. Runs on SQLite and PostgreSQL like the rest of the suite."""

import datetime as dt
import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gvi import models as m
from gvi import scoring
from gvi.services import incidents as incident_services
from gvi.services.memberships import end_membership
from tests import factories as f

AS_OF = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
C = m.Confidence
S, V = m.InvolvementRole.SUSPECT, m.InvolvementRole.VICTIM


def days_before(days: float) -> dt.datetime:
    return AS_OF - dt.timedelta(days=days)


@pytest.fixture
def make(police):
    """Small builders: groups, members and incidents owned by the police in one programme."""

    class Make:
        org = police

        def group(self, name):
            return f.GroupFactory(organisation=police, name=name)

        def member(self, group, person=None, **kwargs):
            kwargs.setdefault("start_date", dt.date(2024, 1, 1))
            kwargs.setdefault("confidence", C.CONFIRMED)
            person = person or f.PersonFactory(organisation=police)
            return f.MembershipFactory(organisation=police, person=person, group=group, **kwargs)

        def incident(self, kind="shooting", when=None, confidence=C.CONFIRMED, involvements=(), **kwargs):
            inc = f.IncidentFactory(
                organisation=police,
                incident_type=kind,
                occurred_at=when or days_before(0),
                confidence=confidence,
                **kwargs,
            )
            for person, role, *conf in involvements:
                f.InvolvementFactory(
                    organisation=police, incident=inc, person=person, role=role, confidence=(conf or [C.CONFIRMED])[0]
                )
            return inc

        runs = 0

        def run(self, as_of=AS_OF):
            # One run is stored per moment (a second call for the same as-of returns the first), so
            # each rescoring after a change is a microsecond later: the decay cannot tell.
            self.runs += 1
            as_of = as_of + dt.timedelta(microseconds=self.runs)
            run = scoring.run_scoring(programme_id=police.programme_id, trigger="test", as_of=as_of)
            return {gs.group.name: gs for gs in run.scores.select_related("group")}

    return Make()


def total_of(group_score, measure=m.Measure.VIOLENCE):
    return math.fsum(group_score.contributions.filter(measure=measure).values_list("contribution", flat=True))


def is_explained(group_score) -> bool:
    """Does the run store every contribution of this group (gvi.scoring.explained_groups_sql)?
    The first GVI_SCORING_EXPLAINED_RANKS ranks and the groups of an open suggestion or a
    confirmed flag; the others' contributions are computed on demand."""
    from django.conf import settings as django_settings

    return (
        group_score.rank <= django_settings.GVI_SCORING_EXPLAINED_RANKS
        or m.GroupFlag.objects.filter(
            group_id=group_score.group_id, status__in=[m.FlagStatus.SUGGESTED, m.FlagStatus.CONFIRMED]
        ).exists()
    )


def on_demand(group_score, measure=m.Measure.VIOLENCE) -> float:
    """The group's contributions as the scoring function computes them now at the run's moment:
    the violence through gvi.scoring_state.contributions_now (the explanation of a group whose
    rows a run did not store), the exposure from the same SELECT."""
    from django.db import connection

    from gvi.scoring_state import contributions_now

    run = group_score.run
    if measure == m.Measure.VIOLENCE:
        rows = contributions_now(programme_id=run.programme_id, group_id=group_score.group_id, as_of=run.as_of)
        return math.fsum(row["contribution"] for row in rows)
    select_sql, params = scoring.contributions_select(
        scoring.get_config(run.programme_id), programme_id=run.programme_id, as_of=run.as_of
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.exposure FROM ({select_sql}) c WHERE c.group_id = %s AND c.exposure > 0",
            [*params, group_score.group_id],
        )
        return math.fsum(value or 0.0 for (value,) in cursor.fetchall())


def assert_explained(group_score, rel=1e-12, abs=1e-12):
    """An explained group's stored contributions sum to its score and exposure (and any other
    group stores none); every group's contributions computed on demand sum to them too."""
    for measure, total in ((m.Measure.VIOLENCE, group_score.score), (m.Measure.EXPOSURE, group_score.exposure)):
        if is_explained(group_score):
            assert total_of(group_score, measure) == pytest.approx(total, rel=rel, abs=abs)
        else:
            assert not group_score.contributions.filter(measure=measure).exists()
        assert on_demand(group_score, measure) == pytest.approx(total, rel=rel, abs=abs)


# --- 1. A membership counts for the incidents inside its period -------------------------------


def test_ending_or_lapsing_a_membership_keeps_the_violence_of_its_period(make, police_coordinator):
    norr = make.group("Norr")
    ended, lapsed, never = (f.PersonFactory(organisation=make.org) for _ in range(3))
    membership = make.member(norr, ended)
    make.member(norr, lapsed, status=m.MembershipStatus.LAPSED, review_due=dt.date(2025, 3, 1))
    make.member(norr, never, status=m.MembershipStatus.REJECTED)
    make.incident(when=days_before(120), involvements=[(ended, S)])  # 2025-02-01, inside both periods
    make.incident(when=days_before(120), involvements=[(lapsed, S)])
    make.incident(when=days_before(120), involvements=[(never, S)])  # never valid: never counts
    make.incident(when=days_before(10), involvements=[(lapsed, S)])  # after the lapse: does not count
    before = make.run()["Norr"]

    # The member is jailed: the coordinator ends the membership on 2025-04-01.
    end_membership(user=police_coordinator, membership=membership, reason="Dömd", end_date=dt.date(2025, 4, 1))
    make.incident(when=days_before(5), involvements=[(ended, S)])  # after the end: not the group's
    after = make.run()["Norr"]

    assert before.incident_count == after.incident_count == 2
    assert after.score == pytest.approx(before.score) == pytest.approx(2 * 8 * 0.5 ** (120 / 90))


def test_a_pending_contest_stops_a_membership_counting_until_decided(make):
    norr = make.group("Norr")
    person = f.PersonFactory(organisation=make.org)
    membership = make.member(norr, person, is_contested=True)  # a restricted listing
    make.incident(involvements=[(person, S)])
    assert make.run()["Norr"].score == 0
    m.Membership.objects.filter(pk=membership.pk).update(is_contested=False)  # the contest was rejected
    assert make.run()["Norr"].score == pytest.approx(8)


# --- 2. Violence decides the flag; exposure is shown beside it ---------------------------------


def test_victims_never_decide_the_flag(make):
    hit, shooters = make.group("Utsatta"), make.group("Skyttarna")
    victim = make.member(hit).person
    suspect = make.member(shooters).person
    for day in range(10):  # ten shootings by unknown shooters, each with a victim from one group
        make.incident(when=days_before(day), involvements=[(victim, V)])
    for day in range(2):
        make.incident(when=days_before(day), involvements=[(suspect, S)])
    got = make.run()
    assert got["Utsatta"].score == 0 and got["Utsatta"].exposure > got["Skyttarna"].score
    assert got["Skyttarna"].rank == 1
    assert m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED).group == shooters
    # Utsatta ranks below Skyttarna (its score is 0): its exposure is explained on demand.
    assert not is_explained(got["Utsatta"])
    assert got["Utsatta"].exposure == pytest.approx(on_demand(got["Utsatta"], m.Measure.EXPOSURE))
    assert_explained(got["Utsatta"])


# --- 3. Casualties weigh, with the programme's weights ------------------------------------------


def test_casualties_add_the_programmes_weights_to_the_severity(make):
    deadly, harmless = make.group("Dödlig"), make.group("Miss")
    make.incident(killed=2, injured=1, involvements=[(make.member(deadly).person, S)])
    make.incident(involvements=[(make.member(harmless).person, S)])
    got = make.run()
    assert got["Dödlig"].score == pytest.approx(8 + 2 * 5 + 1 * 2)  # the defaults: 5 per death, 2 per injury
    assert got["Miss"].score == pytest.approx(8)
    detail = got["Dödlig"].contributions.get().factor_values
    assert (detail["type_weight"], detail["killed"], detail["injured"], detail["severity"]) == (8, 2, 1, 20)

    config = scoring.get_config(make.org.programme_id)
    config.killed_weight, config.injured_weight = Decimal("10"), Decimal("0")
    config.save()
    assert make.run()["Dödlig"].score == pytest.approx(8 + 20)
    assert scoring.config_summary(config)["casualty_weights"] == {"killed": 10.0, "injured": 0.0}


# --- 5. Every contribution is kept; an old explanation stays as its run saw it ------------------


def test_an_old_explanation_survives_corrections_and_deletions(make, client, police_coordinator, settings):
    norr = make.group("Norr")
    suspect = make.member(norr).person
    incidents = [make.incident(when=days_before(day), involvements=[(suspect, S)]) for day in range(12)]
    old = make.run()["Norr"]
    assert old.contributions.count() == 12 and total_of(old) == pytest.approx(old.score, rel=1e-12)
    flag = m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED)
    client.force_login(police_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("frontend:flag_detail", args=[flag.pk])).content.decode()
    assert "The rest: 2 more incidents" in page  # ten listed, one line for the rest

    # Later the first incident is reclassified and the second found to be a duplicate and deleted.
    m.Incident.objects.filter(pk=incidents[0].pk).update(incident_type="armed_threat", killed=3)
    incidents[1].delete()
    kept = {c.occurred_at: c for c in m.ScoreContribution.objects.filter(group_score=old)}
    assert len(kept) == 12 and total_of(old) == pytest.approx(old.score, rel=1e-12)
    assert {c.incident_type for c in kept.values()} == {"shooting"}
    assert kept[incidents[1].occurred_at].incident_id is None
    assert kept[incidents[0].occurred_at].factor_values["killed"] == 0
    page = client.get(reverse("frontend:flag_detail", args=[flag.pk])).content.decode()
    assert "The incident has been deleted since this run." in page

    csv = client.get(reverse("frontend:flag_explanation_csv", args=[flag.pk])).content.decode()
    lines = [line for line in csv.splitlines() if line.startswith("Violence,")]
    assert len(lines) == 12 + 1  # every contribution, then the total
    assert "The rest" not in csv


# --- 7. Four eyes on an analyst's attribution ------------------------------------------------


def test_an_attribution_counts_only_after_a_second_person_confirms_it(
    make, police_analyst, police_coordinator, client, settings
):
    norr = make.group("Norr")
    member = make.member(norr).person
    inc = make.incident(involvements=[(member, S)])
    # An analyst sets Norr's share to 0: alone, that changes nothing.
    attribution = incident_services.attribute_to_group(
        user=police_analyst, incident=inc, group=norr, share=Decimal("0"), source="Spaning 12", confidence=C.PROBABLE
    )
    assert attribution.status == m.AttributionStatus.PROPOSED
    assert make.run()["Norr"].score == pytest.approx(8)
    with pytest.raises(PermissionDenied):
        incident_services.confirm_attribution(user=police_analyst, attribution=attribution, reason="Jag själv")
    incident_services.confirm_attribution(user=police_coordinator, attribution=attribution, reason="Bekräftad")
    got = make.run()["Norr"]
    assert got.score == 0
    zero = got.contributions.get()  # kept to explain why the suspect does not count
    assert (zero.attributed_by, zero.confirmed_by, zero.factor_values["by_analyst"]) == (
        police_analyst,
        police_coordinator,
        1,
    )

    # A changed share needs a new confirmation.
    attribution.refresh_from_db()
    attribution.share = Decimal("0.5")
    incident_services.reopen_changed_attribution(attribution, ["share"])
    attribution.save()
    assert (attribution.status, attribution.confirmed_by) == (m.AttributionStatus.PROPOSED, None)


def test_the_flag_page_names_who_attributed_and_who_confirmed(
    make, police_analyst, police_coordinator, client, settings
):
    other = make.group("Söder")
    inc = make.incident(involvements=[])
    f.GroupAttributionFactory(
        organisation=make.org,
        incident=inc,
        group=other,
        created_by=police_analyst,
        confirmed_by=police_coordinator,
    )
    make.run()
    flag = m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED)
    client.force_login(police_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("frontend:flag_detail", args=[flag.pk])).content.decode()
    assert f"Attributed by {police_analyst.get_full_name()}; confirmed by {police_coordinator.get_full_name()}" in page


# --- 8. Confidence of the involvement and of the membership; disputed incidents ----------------


def test_involvement_and_membership_confidence_enter_the_share_and_disputes_wait(make):
    norr = make.group("Norr")
    person = make.member(norr, confidence=C.POSSIBLE).person  # 0.5
    make.incident(involvements=[(person, S, C.UNVERIFIED)])  # 0.25
    disputed = make.incident(involvements=[(person, S, C.CONFIRMED)], verification_status="disputed")
    got = make.run()["Norr"]
    assert got.score == pytest.approx(8 * 0.25 * 0.5)
    assert got.contributions.get().factor_values["share"] == pytest.approx(0.125)
    m.Incident.objects.filter(pk=disputed.pk).update(verification_status="verified")  # the dispute is resolved
    assert make.run()["Norr"].score == pytest.approx(8 * 0.125 + 8 * 0.5)


# --- The worked example of docs/scoring.md, computed exactly ------------------------------------


def test_the_worked_example_of_the_docs(make, police_analyst, police_coordinator):
    norr, soder, vaster = make.group("Norr"), make.group("Söder"), make.group("Väster")
    ali, bo, cem, dan = (f.PersonFactory(organisation=make.org) for _ in range(4))
    make.member(norr, ali)
    make.member(norr, bo)
    make.member(soder, bo)
    make.member(soder, cem, confidence=C.PROBABLE, status=m.MembershipStatus.ENDED, end_date=dt.date(2025, 4, 30))
    make.member(vaster, dan)
    # 1. Shooting, 90 days old, confirmed, 1 killed and 1 injured; suspects Ali and Bo, victim Dan.
    make.incident("shooting", days_before(90), killed=1, injured=1, involvements=[(ali, S), (bo, S), (dan, V)])
    # 2. Explosion today, probable; suspect Cem (whose membership had ended); analyst: Väster 0.4, confirmed.
    explosion = make.incident("explosion", days_before(0), C.PROBABLE, involvements=[(cem, S, C.POSSIBLE)])
    attribution = incident_services.attribute_to_group(
        user=police_analyst,
        incident=explosion,
        group=vaster,
        share=Decimal("0.4"),
        source="Spaning",
        confidence=C.PROBABLE,
    )
    incident_services.confirm_attribution(user=police_coordinator, attribution=attribution, reason="Två källor")
    # 3. Serious assault, 180 days old, confirmed, 1 injured; suspect Cem (involvement possible).
    make.incident("serious_assault", days_before(180), injured=1, involvements=[(cem, S, C.POSSIBLE)])
    # 4. Homicide 10 days old, disputed; suspect Ali. 5. Shooting today, attributed to Norr, unconfirmed.
    make.incident("homicide", days_before(10), verification_status="disputed", involvements=[(ali, S)])
    unconfirmed = make.incident("shooting", days_before(0))
    incident_services.attribute_to_group(
        user=police_analyst, incident=unconfirmed, group=norr, share=1, source="Tips", confidence=C.POSSIBLE
    )

    got = make.run()
    assert got["Norr"].score == pytest.approx(7.5, abs=1e-12)
    assert got["Söder"].score == pytest.approx(3.75 + 0.46875, abs=1e-12)
    assert got["Väster"].score == pytest.approx(1.8, abs=1e-12)
    assert got["Väster"].exposure == pytest.approx(2.25, abs=1e-12)
    assert [got[name].rank for name in ("Norr", "Söder", "Väster")] == [1, 2, 3]
    assert [got[name].incident_count for name in ("Norr", "Söder", "Väster")] == [1, 2, 1]
    assert [is_explained(got[name]) for name in ("Norr", "Söder", "Väster")] == [True, False, False]
    for group_score in got.values():
        assert_explained(group_score)
    assert m.GroupFlag.objects.get(status=m.FlagStatus.SUGGESTED).group == norr


# --- Properties: contributions sum to the score; the order of events does not matter -----------

EVENT = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["shooting", "explosion", "homicide", "armed_threat"]),
        "days": st.integers(min_value=0, max_value=800),
        "confidence": st.sampled_from(list(C.values)),
        "killed": st.integers(min_value=0, max_value=3),
        "suspect": st.sampled_from(["a", "b", "ab", None]),
        "victim": st.sampled_from(["a", "b", None]),
        "correction": st.one_of(
            st.none(),
            st.fixed_dictionaries({"killed": st.integers(0, 2), "kind": st.sampled_from(["shooting", "homicide"])}),
        ),
        "retracted": st.sampled_from([None, "unfounded", "deleted"]),
    }
)


def _play(make, persons, events, order):
    """Log the events in `order`, then correct and retract them, each in its own transaction."""
    logged = {}
    for index in order:
        event = events[index]
        suspects = [persons[key] for key in (event["suspect"] or "")]
        victims = [persons[event["victim"]]] if event["victim"] else []
        logged[index] = make.incident(
            event["kind"],
            days_before(event["days"]),
            event["confidence"],
            involvements=[(p, S) for p in suspects] + [(p, V) for p in victims],
            killed=event["killed"],
        )
    for index in reversed(order):
        event, inc = events[index], logged[index]
        if event["correction"]:
            m.Incident.objects.filter(pk=inc.pk).update(
                incident_type=event["correction"]["kind"], killed=event["correction"]["killed"]
            )
        if event["retracted"] == "unfounded":
            m.Incident.objects.filter(pk=inc.pk).update(verification_status="unfounded")
        elif event["retracted"] == "deleted":
            inc.delete()
    got = make.run()
    for group_score in got.values():
        assert_explained(group_score)
    return {name: (round(gs.score, 9), round(gs.exposure, 9), gs.rank) for name, gs in got.items()}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(EVENT, min_size=1, max_size=6), data=st.data())
def test_contributions_sum_to_the_score_whatever_the_order_of_events(make, events, data):
    order = data.draw(st.permutations(range(len(events))))
    results = []
    for sequence in (list(range(len(events))), order):
        with transaction.atomic():
            groups = {"a": make.group("A"), "b": make.group("B")}
            persons = {key: make.member(group).person for key, group in groups.items()}
            results.append(_play(make, persons, events, sequence))
            transaction.set_rollback(True)
    assert results[0] == results[1]


def test_the_admin_confirms_attributions_through_the_four_eyes_service(make, police_analyst, police, client):
    admin_user = f.UserFactory(
        username="admin", organisation=police, role=m.Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )
    inc = make.incident()
    own = f.GroupAttributionFactory(
        organisation=police, incident=inc, status=m.AttributionStatus.PROPOSED, created_by=admin_user
    )
    theirs = f.GroupAttributionFactory(
        organisation=police, incident=inc, status=m.AttributionStatus.PROPOSED, created_by=police_analyst
    )
    client.force_login(admin_user)
    client.post("/admin/gvi/groupattribution/", {"action": "confirm_selected", "_selected_action": [own.pk, theirs.pk]})
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.status == m.AttributionStatus.PROPOSED  # not one's own
    assert (theirs.status, theirs.confirmed_by) == (m.AttributionStatus.CONFIRMED, admin_user)

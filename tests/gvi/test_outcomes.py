"""The outcome evaluation: the models recover a known change, refuse too short series, and the
monthly counts are local, whole months of the outcome types, scoped by the policy."""

import datetime as dt
import math

import numpy as np
import pytest
from django.utils import timezone

from gvi import models as m
from gvi.outcomes import MIN_MONTHS_EACH_SIDE, difference_in_differences, interrupted_time_series
from gvi.selectors.outcomes import add_months, programme_outcomes
from tests import factories as f

START = dt.date(2024, 1, 1)
MONTHS = [add_months(START, offset) for offset in range(-36, 36)]


def expected_counts(effect: float, *, base: float = 40.0) -> list[float]:
    """A yearly season around `base` incidents a month, times `effect` from START on."""
    return [
        base * math.exp(0.4 * math.sin(2 * math.pi * (month.month - 1) / 12)) * (effect if month >= START else 1.0)
        for month in MONTHS
    ]


def draw(expected: list[float], seed: int) -> list[int]:
    return np.random.default_rng(seed).poisson(expected).tolist()


def test_a_known_step_is_recovered_inside_the_interval():
    estimate = interrupted_time_series(MONTHS, draw(expected_counts(0.63), seed=0), START)
    assert estimate.message == ""
    assert estimate.change.lower < 0.63 < estimate.change.upper
    assert estimate.change.upper < 1  # a fall this large is told from chance
    assert (estimate.months_before, estimate.months_after) == (36, 36)


def test_the_interval_covers_the_true_change_about_as_often_as_it_says():
    changes = [
        interrupted_time_series(MONTHS, draw(expected_counts(0.63), seed=seed), START).change for seed in range(60)
    ]
    covered = sum(change.lower < 0.63 < change.upper for change in changes)
    # 95 % intervals: with 60 series, fewer than 50 covering would mean the interval lies.
    assert covered >= 50


def test_a_series_with_no_step_gives_an_interval_that_contains_one():
    estimate = interrupted_time_series(MONTHS, draw(expected_counts(1.0), seed=1), START)
    assert estimate.change.interval_contains_one


@pytest.mark.parametrize(("before", "after"), [(MIN_MONTHS_EACH_SIDE - 1, 24), (24, MIN_MONTHS_EACH_SIDE - 1), (0, 30)])
def test_too_few_months_on_either_side_give_a_message_instead_of_a_number(before, after):
    months = [add_months(START, offset) for offset in range(-before, after)]
    estimate = interrupted_time_series(months, [30] * len(months), START)
    assert estimate.change is None
    assert f"{before} before and {after} after" in estimate.message
    did = difference_in_differences(months, [30] * len(months), [30] * len(months), START)
    assert did.change is None and did.message


def test_no_incidents_at_all_give_a_message():
    assert interrupted_time_series(MONTHS, [0] * len(MONTHS), START).message


def test_difference_in_differences_finds_the_focus_areas_change_and_ignores_what_hit_both():
    # A city-wide fall (0.8) hits both arms; the focus areas fall by 0.63 beyond it.
    shared = expected_counts(0.8)
    focus = draw(
        [value * (0.63 if month >= START else 1.0) for value, month in zip(shared, MONTHS, strict=True)], seed=2
    )
    comparison = draw(shared, seed=3)
    estimate = difference_in_differences(MONTHS, focus, comparison, START)
    assert estimate.change.lower < 0.63 < estimate.change.upper
    # The time series alone, blind to the city-wide fall, credits the focus areas with all of it.
    assert interrupted_time_series(MONTHS, focus, START).change.ratio < estimate.change.ratio


# --- The monthly counts ---------------------------------------------------------------------------


def local(year, month, day, hour=12, minute=0):
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


@pytest.fixture
def evaluated(programme, police):
    programme.started_on = dt.date(2026, 3, 15)  # mid-month: March is left out
    programme.save()
    focus = f.AreaFactory(programme=programme, name="Fokusområdet")
    outside = f.AreaFactory(programme=programme, name="Jämförelseområdet", in_focus=False)
    return {"focus": focus, "outside": outside, "police": police}


def incident(evaluated, when, **fields):
    fields.setdefault("area", evaluated["focus"])
    return f.IncidentFactory(organisation=evaluated["police"], occurred_at=when, **fields)


def test_months_are_local_whole_months_of_the_outcome_types(evaluated, police_coordinator):
    incident(evaluated, local(2026, 1, 10))  # the first record: January is not whole, it is left out
    incident(evaluated, local(2026, 2, 3))
    # 00:30 on 1 February in Stockholm is still January in UTC: it counts in February.
    incident(evaluated, local(2026, 2, 1, 0, 30), incident_type=m.IncidentType.HOMICIDE)
    incident(evaluated, local(2026, 2, 4), incident_type=m.IncidentType.ARMED_THREAT)  # not an outcome type
    incident(evaluated, local(2026, 2, 5), verification_status=m.VerificationStatus.UNFOUNDED)  # did not happen
    incident(evaluated, local(2026, 4, 2), area=evaluated["outside"])
    incident(evaluated, local(2026, 5, 20), area=None)  # no area: counted with the focus
    incident(evaluated, local(2026, 6, 1))  # the current month is not whole yet

    result = programme_outcomes(police_coordinator, today=dt.date(2026, 6, 10))

    assert result.months == [dt.date(2026, 2, 1), dt.date(2026, 3, 1), dt.date(2026, 4, 1), dt.date(2026, 5, 1)]
    assert result.total == [2, 0, 1, 1]
    assert result.by_type["homicide"] == [1, 0, 0, 0]
    assert result.focus == [2, 0, 0, 1] and result.comparison == [0, 0, 1, 0]
    assert result.start_month == dt.date(2026, 4, 1) and result.left_out_month == dt.date(2026, 3, 1)
    assert [result.after(month) for month in result.months] == [False, False, True, True]
    # Far too short to estimate: said so, with the counts of each side.
    assert result.time_series.change is None and "1 before and 2 after" in result.time_series.message
    areas = {area.name: area for area in result.areas}
    assert (areas["Fokusområdet"].before, areas["Fokusområdet"].after) == (2, 0)
    assert (areas["Jämförelseområdet"].before, areas["Jämförelseområdet"].after) == (0, 1)


def test_another_programmes_incidents_never_count(evaluated, police_coordinator, other_programme_officer):
    incident(evaluated, local(2026, 2, 1))
    f.IncidentFactory(organisation=other_programme_officer.organisation, occurred_at=local(2026, 2, 1))
    assert programme_outcomes(police_coordinator, today=dt.date(2026, 6, 10)).total[0] == 1


def test_without_a_start_date_there_is_no_estimate(programme, police, police_coordinator):
    f.IncidentFactory(organisation=police, occurred_at=local(2026, 2, 1))
    result = programme_outcomes(police_coordinator, today=dt.date(2026, 6, 10))
    assert result.started_on is None and result.time_series is None and result.total == [1, 0, 0, 0]


def test_the_queries_do_not_grow_with_the_months_or_the_areas(
    evaluated, police_coordinator, django_assert_max_num_queries
):
    for month in range(1, 13):
        incident(evaluated, local(2025, month, 5))
    for n in range(10):
        f.AreaFactory(programme=evaluated["focus"].programme, name=f"Område extra {n}")
    with django_assert_max_num_queries(6):
        programme_outcomes(police_coordinator, today=dt.date(2026, 6, 10))


def test_the_seeded_demo_shows_an_effect_in_the_focus_areas(db):
    from gvi.seed.runner import run

    run(scale="small", seed=1)
    coordinator = m.User.objects.filter(role=m.Role.COORDINATOR, organisation__kind=m.OrganisationKind.POLICE).first()
    result = programme_outcomes(coordinator)
    assert result.time_series.months_before >= 24 and result.time_series.months_after >= 24
    assert result.time_series.change.upper < 1
    assert result.has_comparison_areas and result.difference_in_differences.change.upper < 1
    # The areas outside the focus did not change (no effect was seeded there).
    outside = [area for area in result.areas if not area.in_focus and area.before]
    before = sum(area.before for area in outside) / outside[0].months_before
    after = sum(area.after for area in outside) / outside[0].months_after
    assert 0.75 < after / before < 1.33

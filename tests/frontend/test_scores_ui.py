"""The UI reads scores through gvi.selectors.scores: bulk trends, the flag explained, the settings shown."""

import datetime as dt

import pytest
from django.urls import reverse

from gvi import models as m
from gvi.selectors import scores
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_score_trends_for_many_groups_in_two_queries(city, police_coordinator, django_assert_num_queries):
    ids = [group.pk for group in city["groups"]]
    with django_assert_num_queries(2):
        trends = scores.score_trends(police_coordinator, group_ids=ids)
    assert len(trends.runs) == 5
    assert [run.as_of for run in trends.runs] == sorted(run.as_of for run in trends.runs)  # oldest first
    first = city["groups"][0]
    assert trends.by_group[first.pk] == [40.0, 41.0, 42.0, 43.0, 44.0]
    assert trends.latest(first.pk) == 44.0


def test_score_trends_leave_gaps_and_skip_unfinished_runs(city, police, police_coordinator):
    newcomer = f.GroupFactory(organisation=police)
    m.ScoringRun.objects.create(
        programme_id=police.programme_id, as_of=city["suggested"].run.as_of + dt.timedelta(seconds=1), trigger="test"
    )
    trends = scores.score_trends(police_coordinator, group_ids=[newcomer.pk])
    assert len(trends.runs) == 5  # the unfinished run is not shown
    assert trends.by_group[newcomer.pk] == [None] * 5
    assert trends.latest(newcomer.pk) is None


def test_score_trends_show_another_programme_nothing(city, other_programme_officer):
    trends = scores.score_trends(other_programme_officer, group_ids=[city["groups"][0].pk])
    assert trends.runs == []
    assert trends.by_group == {city["groups"][0].pk: []}


def test_flag_explanation_and_history(city, police_coordinator, other_programme_officer):
    flag = city["suggested"]
    explanation = scores.flag_explanation(police_coordinator, flag=flag)
    assert explanation.group_score.rank == 1
    assert explanation.contributions
    values = [c.contribution for c in explanation.contributions]
    assert values == sorted(values, reverse=True)
    assert scores.flag_for(other_programme_officer, flag.pk) is None
    assert list(scores.flag_history(police_coordinator, group=flag.group)) == [flag]


@pytest.mark.parametrize("who", ["police_coordinator", "auditor"])
def test_the_flag_page_shows_how_the_score_is_computed(request, client, city, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("frontend:flag_detail", args=[city["suggested"].pk]))
    page = response.content.decode()
    assert 'id="scoring-settings"' in page
    settings = response.context["settings"]
    assert settings["half_life_days"] == 90
    assert settings["severity_weights"]["shooting"] == 8
    assert len(settings["severity"]) == len(m.IncidentType.values)
    assert settings["severity"][0][1] == max(settings["severity_weights"].values())  # heaviest first
    assert [str(label) for label in settings["enforcement_kinds"]] == ["Polisen", "Kriminalvården (frivården)"]


def test_partners_see_the_flag_but_not_the_settings(client, city, probation_officer):
    client.force_login(probation_officer)
    response = client.get(reverse("frontend:flag_detail", args=[city["suggested"].pk]))
    assert response.status_code == 200
    assert 'id="scoring-settings"' not in response.content.decode()


def test_a_flag_without_a_run_is_explained_by_the_latest_run(city, police_coordinator):
    flag = city["confirmed"]
    m.GroupFlag.objects.filter(pk=flag.pk).update(run=None)
    flag.refresh_from_db()
    explanation = scores.flag_explanation(police_coordinator, flag=flag)
    assert explanation.from_latest_run
    assert explanation.group_score.run == city["suggested"].run  # the latest run
    assert explanation.group_score.group_id == flag.group_id
    with_run = scores.flag_explanation(police_coordinator, flag=city["suggested"])
    assert not with_run.from_latest_run


def test_the_flag_explanation_rounds_the_factors(client, city, police_coordinator, settings):
    flag = city["suggested"]
    contribution = m.ScoreContribution.objects.filter(group_score__run=flag.run, group_score__group=flag.group).first()
    contribution.detail = {"decay": 0.9739412345, "by_analyst": 1}
    contribution.save()
    m.GroupScore.objects.filter(pk=contribution.group_score_id).update(incident_count=1)
    client.force_login(police_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("frontend:flag_detail", args=[flag.pk])).content.decode()
    assert "<li>Time decay: 0.974</li>" in page and "0.97394" not in page
    assert "<li>Attributed by an analyst (1 = yes, 0 = no): 1</li>" in page  # a whole number stays whole
    assert "from 1 incident: what it added" in page


def test_the_flag_explanation_names_the_factors_in_the_formulas_order(client, city, police_coordinator, settings):
    """Readable names, not the stored keys; a key without a name is shown as it is."""
    flag = city["suggested"]
    contribution = m.ScoreContribution.objects.filter(group_score__run=flag.run, group_score__group=flag.group).first()
    # As PostgreSQL's jsonb stores them: shortest key first.
    contribution.detail = {
        "decay": 0.5,
        "share": 1,
        "severity": 8,
        "by_analyst": 0,
        "new_factor": 2,
        "confidence_multiplier": 0.75,
    }
    contribution.save()
    client.force_login(police_coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("frontend:flag_detail", args=[flag.pk])).content.decode()
    listed = page[page.index('<ul class="detail">') :]
    listed = listed[: listed.index("</ul>")]
    assert listed.split("</li><li>") == [
        '<ul class="detail"><li>Severity weight: 8',
        "Time decay: 0.500",
        "Attribution share: 1",
        "Confidence multiplier: 0.750",
        "Attributed by an analyst (1 = yes, 0 = no): 0",
        "new_factor: 2</li>",
    ]
    for key in ("severity:", "decay:", "share:", "confidence_multiplier:", "by_analyst:"):
        assert f"<li>{key}" not in page


def test_score_trends_show_one_value_per_week_the_weeks_last_run(police, police_coordinator):
    import datetime as dt

    from django.utils import timezone

    group = f.GroupFactory(organisation=police)
    now = timezone.now()

    def run(at, score):
        scored = m.ScoringRun.objects.create(programme_id=police.programme_id, as_of=at, finished_at=at, trigger="t")
        m.GroupScore.objects.create(run=scored, group=group, score=score, rank=1, incident_count=1)

    monday = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time(0, 5))) - dt.timedelta(
        days=timezone.localdate(now).weekday()
    )
    run(monday - dt.timedelta(days=3), 150.0)  # last week
    run(monday - dt.timedelta(days=2), 160.0)  # last week, later: the week's value
    run(min(monday + dt.timedelta(minutes=1), now), 198.08)  # this week
    run(min(monday + dt.timedelta(minutes=2), now), 198.07)  # an hour's noise, same week

    trends = scores.score_trends(police_coordinator, group_ids=[group.pk])

    assert trends.by_group[group.pk] == [160.0, 198.07]
    assert len(trends.runs) == 2


def test_a_coordinator_ends_a_confirmed_flag_and_the_pages_say_why(client, city, police_coordinator):
    confirmed = city["confirmed"]
    client.force_login(police_coordinator)
    page = client.get(reverse("frontend:flag_detail", args=[confirmed.pk])).content.decode()
    assert 'id="end-title"' in page
    response = client.post(
        reverse("frontend:flag_detail", args=[confirmed.pk]),
        {"decision": "end", "reason": "Gruppen har splittrats"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    confirmed.refresh_from_db()
    assert (confirmed.status, confirmed.end_reason) == (m.FlagStatus.ENDED, m.FlagEndReason.ENDED_BY_COORDINATOR)
    page = client.get(reverse("frontend:flag_detail", args=[confirmed.pk]), HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert "Ended by a coordinator" in text and "Gruppen har splittrats" in text
    assert [change.status for change in page.context["changes"]] == ["confirmed", "ended"]
    assert 'id="end-title"' not in text  # an ended flag cannot be ended again
    swedish = client.get(reverse("frontend:group_detail", args=[confirmed.group_id]), HTTP_ACCEPT_LANGUAGE="sv")
    assert "Avslutad av en samordnare" in swedish.content.decode()


def test_the_group_page_shows_its_flag_history_with_why_each_ended(client, city, police_coordinator):
    from gvi.services.flags import confirm_flag

    suggested, old = city["suggested"], city["confirmed"]
    confirm_flag(user=police_coordinator, flag=suggested, reason="Leder tydligt")
    client.force_login(police_coordinator)
    response = client.get(reverse("frontend:group_detail", args=[old.group_id]), HTTP_ACCEPT_LANGUAGE="en")
    text = response.content.decode()
    assert "Flag history" in text
    assert "Replaced by another group&#x27;s confirmed flag" in text
    assert reverse("frontend:flag_detail", args=[suggested.pk]) in text  # the link to what replaced it


def test_ending_a_flag_without_a_reason_keeps_it_and_says_why(client, city, police_coordinator):
    confirmed = city["confirmed"]
    client.force_login(police_coordinator)
    response = client.post(
        reverse("frontend:flag_detail", args=[confirmed.pk]),
        {"decision": "end", "reason": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    confirmed.refresh_from_db()
    assert confirmed.status == m.FlagStatus.CONFIRMED

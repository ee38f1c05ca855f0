"""Supervisions, exit cases, concern reports, group relations and risk assessments in the API:
each partner's own work, with the policy by organisation kind, idempotency and field errors."""

import datetime as dt

import pytest
from django.utils import timezone

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _days(n):
    return str(TODAY() + dt.timedelta(days=n))


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """`with jobs():` runs the jobs a write dispatches on commit, in-process (no broker)."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield lambda: django_capture_on_commit_callbacks(execute=True)
    app.conf.task_always_eager = previous


@pytest.fixture
def exit_org(programme):
    return f.OrganisationFactory(programme=programme, name="Exit Teststad", kind=m.OrganisationKind.EXIT)


@pytest.fixture
def exit_worker(exit_org):
    return f.UserFactory(username="handlaggare.exit", organisation=exit_org, role=m.Role.PARTNER_OFFICER)


@pytest.fixture
def police_officer(police):
    return f.UserFactory(username="utredare.polis", organisation=police, role=m.Role.PARTNER_OFFICER)


@pytest.fixture
def person(probation):
    return f.PersonFactory(organisation=probation, date_of_birth=dt.date(2000, 4, 1))


def _supervision(person, **changes):
    return {"person": person.pk, "kind": "probation", "start_date": str(TODAY()), "source": "KVV-7", **changes}


class TestSupervisions:
    URL = "/api/v1/supervisions/"

    def test_probation_records_one_and_a_retry_replays_it(self, client_for, probation_officer, person, jobs):
        client = client_for(probation_officer)
        body = _supervision(person, end_date=_days(20))
        with jobs():
            first = client.post(self.URL, body, format="json", HTTP_IDEMPOTENCY_KEY="sup-1")
        again = client.post(self.URL, body, format="json", HTTP_IDEMPOTENCY_KEY="sup-1")
        assert first.status_code == again.status_code == 201, first.json()
        assert again["Idempotent-Replayed"] == "true"
        assert again.content == first.content
        supervision = m.Supervision.objects.get()
        assert supervision.organisation == probation_officer.organisation
        assert supervision.history.count() == 1 and supervision.history.get().history_user == probation_officer
        # An end within 30 days made the follow-up to plan what happens after.
        assert m.FollowUp.objects.filter(rule="supervision_ending", person=person).exists()
        assert client.get(f"{self.URL}{supervision.pk}/").json()["end_date"] == _days(20)

    def test_moving_the_end_date_moves_the_open_follow_up(self, client_for, probation_officer, person, jobs):
        client = client_for(probation_officer)
        with jobs():
            pk = client.post(self.URL, _supervision(person, end_date=_days(20)), format="json").json()["id"]
        follow_up = m.FollowUp.objects.get(rule="supervision_ending")
        response = client.patch(f"{self.URL}{pk}/", {"end_date": _days(25)}, format="json")
        assert response.status_code == 200, response.json()
        follow_up.refresh_from_db()
        assert follow_up.due_date == TODAY() + dt.timedelta(days=11)
        assert _days(25) in follow_up.title

    def test_another_kind_of_partner_may_not_record_one(self, client_for, police_officer, person):
        response = client_for(police_officer).post(self.URL, _supervision(person), format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert not m.Supervision.objects.exists()

    def test_civil_society_sees_no_supervision(self, client_for, civil_society_partner, person, probation):
        f.SupervisionFactory(person=person, organisation=probation)
        assert client_for(civil_society_partner).get(self.URL).json()["results"] == []

    def test_an_end_before_the_start_is_a_field_error(self, client_for, probation_officer, person):
        client = client_for(probation_officer)
        response = client.post(self.URL, _supervision(person, end_date=_days(-3)), format="json")
        assert response.status_code == 400
        assert "end_date" in response.json()["errors"]
        assert not m.Supervision.objects.exists()

    def test_an_empty_change_changes_nothing(self, client_for, probation_officer, person, probation):
        supervision = f.SupervisionFactory(person=person, organisation=probation)
        response = client_for(probation_officer).patch(f"{self.URL}{supervision.pk}/", {}, format="json")
        assert response.status_code == 200
        assert supervision.history.count() == 1

    def test_another_probation_office_cannot_change_it(self, client_for, programme, person, probation):
        supervision = f.SupervisionFactory(person=person, organisation=probation)
        other = f.OrganisationFactory(programme=programme, name="Frivården Annanstad", kind="probation")
        officer = f.UserFactory(organisation=other, role=m.Role.PARTNER_OFFICER)
        response = client_for(officer).patch(f"{self.URL}{supervision.pk}/", {"end_date": _days(9)}, format="json")
        assert response.status_code in (403, 404)
        supervision.refresh_from_db()
        assert supervision.end_date is None


class TestExitCases:
    URL = "/api/v1/exit-cases/"

    def test_the_exit_organisation_opens_and_closes_a_case(self, client_for, exit_worker, exit_org):
        person = f.PersonFactory(organisation=exit_org)
        threat = f.RiskAssessmentFactory(person=person, organisation=exit_org)
        client = client_for(exit_worker)
        body = {
            "person": person.pk,
            "opened_on": str(TODAY()),
            "plan": "Bostad i annan stad",
            "contacts": "Mentor",
            "risk_assessment": threat.pk,
            "source": "Avhopp-1",
        }
        created = client.post(self.URL, body, format="json", HTTP_IDEMPOTENCY_KEY="exit-1")
        assert created.status_code == 201, created.json()
        assert created.json()["risk_assessment"] == threat.pk
        done = client.patch(f"{self.URL}{created.json()['id']}/", {"status": "completed"}, format="json")
        assert done.status_code == 200, done.json()
        assert done.json()["closed_on"] == str(TODAY())
        reopened = client.patch(f"{self.URL}{created.json()['id']}/", {"status": "active"}, format="json")
        assert reopened.json()["closed_on"] is None

    def test_a_threat_assessment_of_another_person_is_refused(self, client_for, exit_worker, exit_org):
        person = f.PersonFactory(organisation=exit_org)
        other = f.RiskAssessmentFactory(organisation=exit_org)
        body = {"person": person.pk, "opened_on": str(TODAY()), "risk_assessment": other.pk, "source": "A"}
        response = client_for(exit_worker).post(self.URL, body, format="json")
        assert response.status_code == 400
        assert "risk_assessment" in response.json()["errors"]
        assert not m.ExitCase.objects.exists()

    def test_police_cannot_open_one(self, client_for, police_officer, police):
        person = f.PersonFactory(organisation=police)
        body = {"person": person.pk, "opened_on": str(TODAY()), "source": "A"}
        assert client_for(police_officer).post(self.URL, body, format="json").status_code == 403


class TestConcernReports:
    URL = "/api/v1/concern-reports/"

    def test_police_files_one_and_social_services_see_it_and_the_minor(
        self, client_for, police_officer, police, social_services_officer, social_services, jobs
    ):
        minor = f.PersonFactory(organisation=police, date_of_birth=TODAY() - dt.timedelta(days=15 * 365))
        body = {"person": minor.pk, "reported_on": str(TODAY()), "reason": "Oro", "source": "K-9"}
        with jobs():
            created = client_for(police_officer).post(self.URL, body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
        assert created.status_code == 201, created.json()
        social = client_for(social_services_officer)
        assert [r["id"] for r in social.get(self.URL).json()["results"]] == [created.json()["id"]]
        # Social services own the follow-up and can see whom it is about.
        follow_up = m.FollowUp.objects.get(rule="concern_report_minor")
        assert follow_up.owner_organisation == social_services
        assert social.get(f"/api/v1/follow-ups/{follow_up.pk}/").status_code == 200
        assert social.get(f"/api/v1/persons/{minor.pk}/").status_code == 200
        done = social.patch(f"/api/v1/follow-ups/{follow_up.pk}/", {"status": "done"}, format="json")
        assert done.status_code == 200

    def test_an_adult_is_a_field_error(self, client_for, police_officer, police):
        adult = f.PersonFactory(organisation=police, date_of_birth=dt.date(1990, 1, 1))
        body = {"person": adult.pk, "reported_on": str(TODAY()), "reason": "Oro", "source": "K-9"}
        response = client_for(police_officer).post(self.URL, body, format="json")
        assert response.status_code == 400
        assert "person" in response.json()["errors"]
        assert not m.ConcernReport.objects.exists()

    def test_civil_society_sees_no_concern_report(self, client_for, civil_society_partner, police):
        f.ConcernReportFactory(organisation=police)
        assert client_for(civil_society_partner).get(self.URL).json()["results"] == []


class TestGroupRelations:
    URL = "/api/v1/group-relations/"

    def test_a_coordinator_records_and_ends_a_conflict(self, client_for, police_coordinator, police):
        a, b = f.GroupFactory(organisation=police), f.GroupFactory(organisation=police)
        client = client_for(police_coordinator)
        body = {"group_a": a.pk, "group_b": b.pk, "kind": "conflict", "start_date": str(TODAY()), "source": "U-1"}
        created = client.post(self.URL, body, format="json", HTTP_IDEMPOTENCY_KEY="rel-1")
        assert created.status_code == 201, created.json()
        ended = client.patch(f"{self.URL}{created.json()['id']}/", {"end_date": str(TODAY())}, format="json")
        assert ended.status_code == 200
        assert [r["id"] for r in client.get(f"{self.URL}?group={b.pk}").json()["results"]] == [created.json()["id"]]

    def test_a_group_with_itself_is_a_field_error(self, client_for, police_coordinator, police):
        a = f.GroupFactory(organisation=police)
        body = {"group_a": a.pk, "group_b": a.pk, "kind": "alliance", "start_date": str(TODAY()), "source": "U"}
        response = client_for(police_coordinator).post(self.URL, body, format="json")
        assert response.status_code == 400
        assert "group_b" in response.json()["errors"]
        assert not m.GroupRelation.objects.exists()

    def test_a_partner_officer_may_only_read(self, client_for, probation_officer, police):
        a, b = f.GroupFactory(organisation=police), f.GroupFactory(organisation=police)
        body = {"group_a": a.pk, "group_b": b.pk, "kind": "conflict", "start_date": str(TODAY()), "source": "U"}
        assert client_for(probation_officer).post(self.URL, body, format="json").status_code == 403


class TestRiskAssessments:
    URL = "/api/v1/risk-assessments/"

    def test_protective_measures_and_a_new_review_date(self, client_for, probation_officer, person, jobs):
        client = client_for(probation_officer)
        body = {
            "person": person.pk,
            "kind": "threat_to",
            "level": "high",
            "assessed_on": str(TODAY()),
            "next_review_on": _days(7),
            "protection": "Larm",
            "support": "Brottsofferjouren",
            "actor_measures": "Samtal",
            "contact_ban": True,
            "source": "Bed-1",
        }
        with jobs():
            created = client.post(self.URL, body, format="json", HTTP_IDEMPOTENCY_KEY="risk-1")
        assert created.status_code == 201, created.json()
        assert created.json()["contact_ban"] is True and created.json()["protection"] == "Larm"
        follow_up = m.FollowUp.objects.get(rule="risk_review")
        changed = client.patch(f"{self.URL}{created.json()['id']}/", {"next_review_on": _days(10)}, format="json")
        assert changed.status_code == 200, changed.json()
        follow_up.refresh_from_db()
        assert str(follow_up.due_date) == _days(10)

    def test_a_review_before_the_assessment_is_a_field_error(self, client_for, probation_officer, person, probation):
        assessment = f.RiskAssessmentFactory(person=person, organisation=probation)
        response = client_for(probation_officer).patch(
            f"{self.URL}{assessment.pk}/", {"next_review_on": _days(-1), "level": "low"}, format="json"
        )
        assert response.status_code == 400
        assert "next_review_on" in response.json()["errors"]
        assessment.refresh_from_db()
        assert assessment.level == "high"

    def test_another_partner_cannot_see_or_change_it(self, client_for, social_services_officer, person, probation):
        assessment = f.RiskAssessmentFactory(person=person, organisation=probation)
        client = client_for(social_services_officer)
        assert client.get(f"{self.URL}{assessment.pk}/").status_code == 404
        assert client.patch(f"{self.URL}{assessment.pk}/", {"level": "low"}, format="json").status_code == 404

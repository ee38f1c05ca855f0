"""Each partner's own work in the app: forms through the services, the policy by organisation
kind, field errors tied to their inputs, and nothing stored from bad input."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


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
def person(police):
    return f.PersonFactory(organisation=police, date_of_birth=dt.date(2001, 2, 3))


def _login(client, user):
    client.force_login(user)
    return client


def _source(**fields):
    return {"source": "KVV-1", "confidence": "confirmed", **fields}


class TestSupervisions:
    def test_probation_registers_and_changes_a_supervision(self, client, probation_officer, person):
        _login(client, probation_officer)
        url = f"/persons/{person.pk}/supervisions/new/"
        assert client.get(url).status_code == 200
        response = client.post(url, _source(kind="probation", start_date=str(TODAY())))
        assert response.status_code == 302
        supervision = m.Supervision.objects.get()
        assert supervision.organisation == probation_officer.organisation
        assert supervision.history.get().history_user == probation_officer
        page = client.get("/work/supervisions/")
        assert f"/work/supervisions/{supervision.pk}/change/" in page.content.decode()
        end = str(TODAY() + dt.timedelta(days=200))
        body = _source(kind="probation", start_date=str(TODAY()), end_date=end)
        assert client.post(f"/work/supervisions/{supervision.pk}/change/", body).status_code == 302
        supervision.refresh_from_db()
        assert str(supervision.end_date) == end
        assert supervision.history.count() == 2

    def test_an_end_before_the_start_is_a_field_error_tied_to_its_input(self, client, probation_officer, person):
        _login(client, probation_officer)
        body = _source(kind="probation", start_date=str(TODAY()), end_date=str(TODAY() - dt.timedelta(days=1)))
        response = client.post(f"/persons/{person.pk}/supervisions/new/", body)
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="id_end_date_error"' in html
        assert 'aria-describedby="id_end_date_error id_end_date_helptext"' in html
        assert 'aria-invalid="true"' in html
        assert not m.Supervision.objects.exists()

    def test_a_date_far_off_is_a_field_error(self, client, probation_officer, person):
        _login(client, probation_officer)
        response = client.post(
            f"/persons/{person.pk}/supervisions/new/", _source(kind="probation", start_date="1900-01-01")
        )
        assert response.status_code == 400
        assert 'id="id_start_date_error"' in response.content.decode()

    def test_police_may_not_register_one_and_has_no_link(self, client, police_officer, person):
        _login(client, police_officer)
        assert client.get(f"/persons/{person.pk}/supervisions/new/").status_code == 403
        post = client.post(
            f"/persons/{person.pk}/supervisions/new/", _source(kind="probation", start_date="2026-01-01")
        )
        assert post.status_code == 403
        assert not m.Supervision.objects.exists()
        html = client.get(f"/persons/{person.pk}/").content.decode()
        assert "/work/supervisions/" not in html and "/supervisions/new/" not in html
        assert "/risk-assessments/new/" in html  # every partner assesses risk

    def test_another_probation_office_cannot_change_it(self, client, programme, person, probation):
        supervision = f.SupervisionFactory(person=person, organisation=probation)
        other = f.OrganisationFactory(programme=programme, name="Frivården B", kind=m.OrganisationKind.PROBATION)
        _login(client, f.UserFactory(organisation=other, role=m.Role.PARTNER_OFFICER))
        assert client.get(f"/work/supervisions/{supervision.pk}/change/").status_code == 404


class TestConcernReports:
    def test_police_files_and_social_services_follow_up_and_close(
        self,
        client,
        police_officer,
        police,
        social_services,
        social_services_officer,
        django_capture_on_commit_callbacks,
    ):
        from config.celery import app

        minor = f.PersonFactory(organisation=police, date_of_birth=TODAY() - dt.timedelta(days=15 * 365))
        _login(client, police_officer)
        assert "/concern-reports/new/" in client.get(f"/persons/{minor.pk}/").content.decode()
        app.conf.task_always_eager = True
        try:
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(
                    f"/persons/{minor.pk}/concern-reports/new/", _source(reported_on=str(TODAY()), reason="Oro")
                )
        finally:
            app.conf.task_always_eager = False
        assert response.status_code == 302
        report = m.ConcernReport.objects.get()
        follow_up = m.FollowUp.objects.get(
            cause_type=ContentType.objects.get_for_model(m.ConcernReport), cause_id=report.pk
        )
        assert follow_up.owner_organisation == social_services

        client.logout()
        _login(client, social_services_officer)
        assert "/work/concern-reports/" in client.get("/").content.decode()  # in the navigation
        page = client.get("/work/concern-reports/").content.decode()
        assert f'id="report-{report.pk}"' in page and str(minor) in page
        assert f"/follow-ups/{follow_up.pk}/status/" in page  # theirs to close
        assert "Minderåriga" in page or "Minors" in page
        assert client.get(f"/persons/{minor.pk}/").status_code == 200  # what the follow-up is about
        client.post(f"/follow-ups/{follow_up.pk}/status/", {f"f{follow_up.pk}-status": "done"})
        follow_up.refresh_from_db()
        assert follow_up.status == m.FollowUpStatus.DONE

    def test_an_adult_is_refused_with_nothing_stored(self, client, police_officer, person):
        _login(client, police_officer)
        response = client.post(
            f"/persons/{person.pk}/concern-reports/new/", _source(reported_on=str(TODAY()), reason="Oro")
        )
        assert response.status_code == 400
        assert "form-errors" in response.content.decode()
        assert not m.ConcernReport.objects.exists()

    def test_civil_society_has_no_concern_report_page(self, client, civil_society_partner, police):
        f.ConcernReportFactory(organisation=police)
        _login(client, civil_society_partner)
        assert "/work/concern-reports/" not in client.get("/").content.decode()
        page = client.get("/work/concern-reports/")
        assert page.status_code == 200
        assert "Oro för barnets säkerhet" not in page.content.decode()


class TestExitCases:
    def test_the_exit_organisation_opens_a_case_linked_to_a_threat_assessment(self, client, exit_worker, exit_org):
        person = f.PersonFactory(organisation=exit_org)
        threat = f.RiskAssessmentFactory(person=person, organisation=exit_org)
        _login(client, exit_worker)
        assert "/work/exit-cases/" in client.get("/").content.decode()
        url = f"/persons/{person.pk}/exit-cases/new/"
        assert str(threat.pk) in client.get(url).content.decode()
        body = _source(
            opened_on=str(TODAY()), status="active", plan="Bostad", contacts="Mentor", risk_assessment=threat.pk
        )
        assert client.post(url, body).status_code == 302
        case = m.ExitCase.objects.get()
        assert (case.plan, case.contacts, case.risk_assessment) == ("Bostad", "Mentor", threat)
        change = _source(status="completed", plan="Bostad", contacts="Mentor", risk_assessment=threat.pk)
        assert client.post(f"/work/exit-cases/{case.pk}/change/", change).status_code == 302
        case.refresh_from_db()
        assert case.status == "completed" and case.closed_on == TODAY()

    def test_a_closing_date_on_an_open_case_is_a_field_error(self, client, exit_worker, exit_org):
        case = f.ExitCaseFactory(organisation=exit_org)
        _login(client, exit_worker)
        response = client.post(f"/work/exit-cases/{case.pk}/change/", _source(status="active", closed_on=str(TODAY())))
        assert response.status_code == 400
        assert 'id="id_closed_on_error"' in response.content.decode()
        case.refresh_from_db()
        assert case.closed_on is None

    def test_police_may_not_open_one(self, client, police_officer, person):
        _login(client, police_officer)
        assert client.get(f"/persons/{person.pk}/exit-cases/new/").status_code == 403


class TestRiskAssessments:
    def test_every_partner_records_measures_and_reviews(self, client, social_services_officer, social_services):
        person = f.PersonFactory(organisation=social_services)
        _login(client, social_services_officer)
        body = _source(
            kind="threat_to",
            level="high",
            assessed_on=str(TODAY()),
            next_review_on=str(TODAY() + dt.timedelta(days=14)),
            protection="Larm",
            support="Stödsamtal",
            actor_measures="Samtal med hotaktören",
            contact_ban="on",
        )
        assert client.post(f"/persons/{person.pk}/risk-assessments/new/", body).status_code == 302
        assessment = m.RiskAssessment.objects.get()
        assert assessment.contact_ban and assessment.protection == "Larm"
        page = client.get("/work/risk-assessments/").content.decode()
        assert "Samtal med hotaktören" in page
        review = _source(level="medium", next_review_on=str(TODAY() + dt.timedelta(days=30)), protection="Larm")
        assert client.post(f"/work/risk-assessments/{assessment.pk}/change/", review).status_code == 302
        assessment.refresh_from_db()
        assert assessment.level == "medium" and not assessment.contact_ban

    def test_a_review_before_the_assessment_is_a_field_error(self, client, social_services_officer, social_services):
        person = f.PersonFactory(organisation=social_services)
        _login(client, social_services_officer)
        body = _source(
            kind="threat_to", level="high", assessed_on=str(TODAY()), next_review_on=str(TODAY() - dt.timedelta(days=1))
        )
        response = client.post(f"/persons/{person.pk}/risk-assessments/new/", body)
        assert response.status_code == 400
        assert 'id="id_next_review_on_error"' in response.content.decode()
        assert not m.RiskAssessment.objects.exists()

    def test_another_organisation_cannot_review_it(self, client, police_officer, probation):
        assessment = f.RiskAssessmentFactory(organisation=probation)
        _login(client, police_officer)
        assert client.get(f"/work/risk-assessments/{assessment.pk}/change/").status_code == 404


class TestFollowUps:
    def test_a_partner_officer_gives_it_to_its_own_organisation_only(self, client, probation_officer, police, person):
        _login(client, probation_officer)
        page = client.get(f"/follow-ups/new/?person={person.pk}").content.decode()
        assert police.name not in page
        body = {"title": "Ring upp", "due_date": str(TODAY() + dt.timedelta(days=3)), "person": person.pk}
        body["owner_organisation"] = police.pk
        response = client.post("/follow-ups/new/", body)
        assert response.status_code == 400 and not m.FollowUp.objects.exists()
        body["owner_organisation"] = probation_officer.organisation_id
        assert client.post("/follow-ups/new/", body).status_code == 302
        follow_up = m.FollowUp.objects.get()
        assert follow_up.person == person and follow_up.owner_organisation == probation_officer.organisation

    def test_a_coordinator_gives_it_to_another_partner(self, client, police_coordinator, social_services):
        _login(client, police_coordinator)
        body = {"title": "Kontakta familjen", "due_date": str(TODAY()), "owner_organisation": social_services.pk}
        assert client.post("/follow-ups/new/", body).status_code == 302
        assert m.FollowUp.objects.get().owner_organisation == social_services

    def test_a_due_date_in_the_past_is_a_field_error(self, client, police_coordinator):
        _login(client, police_coordinator)
        body = {"title": "X", "due_date": "1900-01-01", "owner_organisation": police_coordinator.organisation_id}
        response = client.post("/follow-ups/new/", body)
        assert response.status_code == 400
        assert 'id="id_due_date_error"' in response.content.decode()


def _concern_report_with_follow_up(police, social_services):
    report = f.ConcernReportFactory(organisation=police)
    f.FollowUpFactory(
        owner_organisation=social_services,
        programme=police.programme,
        person=report.person,
        origin=m.FollowUpOrigin.RULE,
        rule="concern_report_minor",
        cause_type=ContentType.objects.get_for_model(m.ConcernReport),
        cause_id=report.pk,
    )


LISTS = {
    "/work/supervisions/": ("probation_officer", lambda orgs: f.SupervisionFactory(organisation=orgs["probation"])),
    "/work/concern-reports/": (
        "social_services_officer",
        lambda orgs: _concern_report_with_follow_up(orgs["police"], orgs["social_services"]),
    ),
    "/work/exit-cases/": (
        "social_services_officer",
        lambda orgs: f.ExitCaseFactory(
            organisation=orgs["social_services"],
            risk_assessment=f.RiskAssessmentFactory(organisation=orgs["social_services"]),
        ),
    ),
    "/work/risk-assessments/": (
        "probation_officer",
        lambda orgs: f.RiskAssessmentFactory(organisation=orgs["probation"]),
    ),
}


@pytest.mark.parametrize("url", sorted(LISTS))
def test_list_pages_do_not_grow_in_queries(client, request, url, police, probation, social_services):
    who, build = LISTS[url]
    orgs = {"police": police, "probation": probation, "social_services": social_services}
    _login(client, request.getfixturevalue(who))

    def count(rows):
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    for _ in range(2):
        build(orgs)
    few = count(2)
    for _ in range(6):
        build(orgs)
    assert count(8) == few

"""Every admin page renders (changelists with a bounded number of queries), and decisions are
made through the services, not in the admin."""

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse

from gvi import models as m
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(police):
    return f.UserFactory(
        username="admin", organisation=police, role=m.Role.ADMINISTRATOR, is_staff=True, is_superuser=True
    )


def populate(police, n):
    for _ in range(n):
        membership = f.MembershipFactory(organisation=police)
        f.InvolvementFactory(organisation=police, person=membership.person)
        f.GroupAttributionFactory(organisation=police, group=membership.group)
        f.InvitationFactory(organisation=police, person=membership.person)
        f.CustomNotificationFactory(organisation=police, person=membership.person, group=membership.group)
        f.EnforcementActionFactory(organisation=police, group=membership.group, person=membership.person)
        f.ServiceReferralFactory(organisation=police, person=membership.person)
        f.RiskAssessmentFactory(organisation=police, person=membership.person)
        f.ConcernReportFactory(organisation=police)
        f.SupervisionFactory(organisation=police, person=membership.person)
        f.FollowUpFactory(owner_organisation=police, person=membership.person)


def changelist_queries(client, django_assert_max_num_queries, model_admin, limit, query=""):
    url = reverse(f"admin:{model_admin.model._meta.app_label}_{model_admin.model._meta.model_name}_changelist")
    with django_assert_max_num_queries(limit):
        response = client.get(url + query)
    assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize(
    "model",
    [model for model in admin.site._registry if model._meta.app_label == "gvi"],
    ids=lambda model: model.__name__,
)
def test_changelist_has_no_n_plus_one(client, superuser, police, model, django_assert_max_num_queries):
    client.force_login(superuser)
    populate(police, 3)
    # The same bound holds with 3 and with 12 rows: queries do not grow with the rows.
    model_admin = admin.site._registry[model]
    changelist_queries(client, django_assert_max_num_queries, model_admin, 20)
    populate(police, 9)
    changelist_queries(client, django_assert_max_num_queries, model_admin, 20)
    if model_admin.search_fields:
        changelist_queries(client, django_assert_max_num_queries, model_admin, 20, "?q=Efternamn")


def test_partner_officer_sees_only_what_policy_allows_in_admin(client, police, probation, probation_officer):
    probation_officer.is_staff = True
    probation_officer.save()
    own = f.RiskAssessmentFactory(organisation=probation)
    theirs = f.RiskAssessmentFactory(organisation=police)
    client.force_login(probation_officer)
    response = client.get(reverse("admin:gvi_riskassessment_changelist"))
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {own.pk}
    assert client.get(reverse("admin:gvi_riskassessment_change", args=[theirs.pk])).status_code in (302, 403, 404)


# Decisions with consequences are made through the services, never by editing a row in the admin:
# attendance (follow-ups), follow-up status (completion), data subject requests (a contest upheld
# rejects the membership), memberships (four eyes) and flags (a person confirms, with a reason).


@pytest.fixture
def staff_coordinator(police_coordinator):
    police_coordinator.is_staff = True
    police_coordinator.save()
    return police_coordinator


@pytest.mark.parametrize(
    "model, decided_fields",
    [
        (m.Invitation, {"status"}),
        (m.FollowUp, {"status", "completed_at", "escalated_at", "origin", "rule", "cause_type", "cause_id"}),
        (m.Membership, {"status", "review_due", "decided_by", "decided_at", "decision_reason", "is_contested"}),
    ],
)
def test_the_admin_form_has_no_decided_fields(model, decided_fields, rf, staff_coordinator):
    request = rf.get("/admin/")
    request.user = staff_coordinator
    model_admin = admin.site._registry[model]
    for change in (False, True):
        form = model_admin.get_form(request, obj=None, change=change)
        assert not decided_fields & set(form.base_fields), model
        assert decided_fields <= set(model_admin.get_readonly_fields(request))  # still shown


@pytest.mark.parametrize("kind", ["flag", "data_subject_request"])
def test_flags_and_requests_are_only_shown_in_the_admin(client, staff_coordinator, police, kind):
    from tests.privacy.builders import build

    record = build(kind, police)
    before = model_to_dict(record)
    client.force_login(staff_coordinator)
    base = f"/admin/gvi/{type(record)._meta.model_name}/"
    page = client.get(f"{base}{record.pk}/change/")
    assert page.status_code == 200 and b'name="status"' not in page.content
    assert client.post(f"{base}{record.pk}/change/", {"status": "confirmed", "score": "1"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    record.refresh_from_db()
    assert model_to_dict(record) == before


def test_old_versions_are_shown_never_restored(client, staff_coordinator, police, auditor):
    """simple-history would save a POST to a version's page after checking only that the user may
    read the record: a reader could restore an old version, and a coordinator decide a flag there."""
    group = f.GroupFactory(organisation=police, name="Före")
    first = group.history.earliest()
    group.name = "Efter"
    group.save()
    flag = f.GroupFlagFactory(group=group, programme=police.programme, status=m.FlagStatus.SUGGESTED)
    auditor.is_staff = True
    auditor.save()
    for user, record, version, data in [
        (auditor, group, first, {"name": "Före"}),
        (staff_coordinator, flag, flag.history.earliest(), {"status": m.FlagStatus.CONFIRMED}),
    ]:
        client.force_login(user)
        url = f"/admin/gvi/{type(record)._meta.model_name}/{record.pk}/history/{version.history_id}/"
        assert client.get(url).status_code == 200
        fields = {name: value for name, value in model_to_dict(version.instance).items() if value is not None}
        assert client.post(url, {**fields, **data}).status_code == 403
    group.refresh_from_db()
    flag.refresh_from_db()
    assert group.name == "Efter" and flag.status == m.FlagStatus.SUGGESTED


def test_an_inline_row_of_another_organisation_is_not_changed_through_the_parent(client, police, probation):
    """A police officer reads probation's involvements (a sharing rule) but changes only its own
    organisation's."""
    officer = f.UserFactory(organisation=police, role=m.Role.PARTNER_OFFICER, is_staff=True)
    incident = f.IncidentFactory(organisation=police)
    theirs = f.InvolvementFactory(organisation=probation, incident=incident)
    client.force_login(officer)
    url = f"/admin/gvi/incident/{incident.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200  # its own organisation's incident
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "occurred_at_0": incident.occurred_at.date().isoformat(),
            "occurred_at_1": incident.occurred_at.time().strftime("%H:%M:%S"),
            "involvements-TOTAL_FORMS": "1",
            "involvements-INITIAL_FORMS": "1",
            "involvements-0-id": theirs.pk,
            "involvements-0-incident": incident.pk,
            "involvements-0-person": theirs.person_id,
            "involvements-0-role": theirs.role,
            "involvements-0-source": theirs.source,
            "involvements-0-confidence": theirs.confidence,
            "involvements-0-organisation": police.pk,  # taking it over
            "involvements-0-programme": theirs.programme_id,
            "attributions-TOTAL_FORMS": "0",
            "attributions-INITIAL_FORMS": "0",
        }
    )
    refused = client.post(url, data)
    assert refused.status_code == 200
    theirs.refresh_from_db()
    assert theirs.organisation == probation


@pytest.mark.parametrize("role", [m.Role.COORDINATOR, m.Role.ADMINISTRATOR])
def test_every_admin_page_renders(client, police, probation, role):
    """Each registered model's list, add and change page that the role may see, with a city's rows."""
    from tests.frontend.conftest import build_city

    build_city(police, probation)
    client.force_login(f.UserFactory(organisation=police, role=role, is_staff=True))
    checked = 0
    for model in admin.site._registry:
        meta = model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        listing = client.get(base)
        assert listing.status_code in (200, 403), base
        if listing.status_code == 403:
            continue
        assert client.get(f"{base}add/").status_code in (200, 403), base
        obj = listing.context["cl"].result_list.first()
        if obj is not None:
            assert client.get(f"{base}{obj.pk}/change/").status_code == 200, base
            checked += 1
    assert checked >= (15 if role == m.Role.COORDINATOR else 3)


def test_an_incident_logged_in_the_admin_rescores_its_programme(
    client, staff_coordinator, superuser, police, monkeypatch, django_capture_on_commit_callbacks
):
    from tasks.scoring import score_programme

    dispatched = []
    monkeypatch.setattr(score_programme, "delay", lambda *args: dispatched.append(args))
    client.force_login(staff_coordinator)
    person = f.PersonFactory(organisation=police)
    form = {
        "incident_type": m.IncidentType.SHOOTING,
        "occurred_at_0": "2026-11-20",
        "occurred_at_1": "22:15",
        "verification_status": "reported",
        "killed": "0",
        "injured": "1",
        "source": "POL-2026-0001",
        "confidence": m.Confidence.PROBABLE,
        "organisation": police.pk,
        "programme": police.programme_id,
        "involvements-TOTAL_FORMS": "1",
        "involvements-INITIAL_FORMS": "0",
        "involvements-0-person": person.pk,
        "involvements-0-role": m.InvolvementRole.SUSPECT,
        "involvements-0-source": "POL-2026-0001",
        "involvements-0-confidence": m.Confidence.PROBABLE,
        "involvements-0-organisation": police.pk,
        "involvements-0-programme": police.programme_id,
        "attributions-TOTAL_FORMS": "0",
        "attributions-INITIAL_FORMS": "0",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/gvi/incident/add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = m.Incident.objects.get(source="POL-2026-0001")
    assert incident.involvements.get().person == person
    assert dispatched == [(police.programme_id, "incident")]
    # Nobody deletes incidents by hand, superusers included: retention anonymises them.
    for user in (staff_coordinator, superuser):
        client.force_login(user)
        assert client.post(f"/admin/gvi/incident/{incident.pk}/delete/", {"post": "yes"}).status_code == 403
    assert m.Incident.objects.filter(pk=incident.pk).exists()


@pytest.fixture
def staff_probation_coordinator(probation):
    # Supervision is probation's own record (gvi.sharing.RECORDED_BY): its coordinator enters it.
    return f.UserFactory(organisation=probation, role=m.Role.COORDINATOR, is_staff=True)


def test_the_admin_refuses_to_save_a_record_the_role_may_not_save_as_it_stands(
    client, staff_probation_coordinator, police, probation
):
    """Supervisions are created by one's own organisation only: not for another one, even in the admin."""
    person = f.PersonFactory(organisation=police)
    client.force_login(staff_probation_coordinator)
    form = {
        "programme": police.programme_id,
        "organisation": police.pk,
        "source": "KVV-1",
        "confidence": m.Confidence.CONFIRMED,
        "person": person.pk,
        "kind": m.SupervisionKind.PROBATION,
        "start_date": "2026-01-01",
    }
    refused = client.post("/admin/gvi/supervision/add/", form)
    assert refused.status_code == 200
    errors = str(refused.context["adminform"].form.non_field_errors())
    assert "Din roll får inte spara posten så som den ser ut" in errors  # Swedish first
    assert not m.Supervision.objects.exists()
    assert client.post("/admin/gvi/supervision/add/", {**form, "organisation": probation.pk}).status_code == 302
    assert m.Supervision.objects.get().organisation == probation


def test_another_kind_of_partner_cannot_add_a_supervision_in_the_admin(client, staff_coordinator):
    client.force_login(staff_coordinator)  # police
    assert client.get("/admin/gvi/supervision/add/").status_code == 403


def test_a_form_missing_its_person_shows_the_error_not_a_crash(client, staff_probation_coordinator, probation):
    client.force_login(staff_probation_coordinator)
    form = {
        "programme": probation.programme_id,
        "organisation": probation.pk,
        "source": "KVV-1",
        "confidence": m.Confidence.CONFIRMED,
        "kind": m.SupervisionKind.PROBATION,
        "start_date": "2026-01-01",
    }
    response = client.post("/admin/gvi/supervision/add/", form)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"person"}
    assert not m.Supervision.objects.exists()


def test_admin_inlines_follow_the_policy(client, staff_coordinator, police, probation, minor_birth_date):
    """A coordinator edits a group's aliases in the admin (Django's model permissions would hide them),
    and an analyst sees no minor's involvement on an incident's page."""
    group = f.GroupFactory(organisation=police)
    client.force_login(staff_coordinator)
    page = client.get(f"/admin/gvi/group/{group.pk}/change/")
    assert [formset.formset.prefix for formset in page.context["inline_admin_formsets"]] == ["aliases"]
    analyst = f.UserFactory(organisation=police, role=m.Role.ANALYST, is_staff=True)
    incident = f.IncidentFactory(organisation=police)
    adult = f.InvolvementFactory(organisation=police, incident=incident)
    minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    f.InvolvementFactory(organisation=police, incident=incident, person=minor)
    client.force_login(analyst)
    page = client.get(f"/admin/gvi/incident/{incident.pk}/change/")
    involvements = next(fs for fs in page.context["inline_admin_formsets"] if fs.formset.prefix == "involvements")
    assert [form.instance for form in involvements.formset.initial_forms] == [adult]


def test_the_bulk_delete_action_deletes_only_what_the_user_may_delete_row_by_row(
    client, staff_coordinator, police, probation
):
    """A coordinator deletes its own organisation's call-ins, not another's selected beside them
    (Django asks has_delete_permission for each selected row, which asks the policy)."""
    own = f.CallInFactory(organisation=police)
    theirs = f.CallInFactory(organisation=probation)
    client.force_login(staff_coordinator)
    action = {"action": "delete_selected", "post": "yes"}
    refused = client.post("/admin/gvi/callin/", {**action, "_selected_action": [own.pk, theirs.pk]})
    assert refused.status_code == 403
    assert m.CallIn.objects.filter(pk__in=[own.pk, theirs.pk]).count() == 2
    client.post("/admin/gvi/callin/", {**action, "_selected_action": [own.pk]})
    assert list(m.CallIn.objects.values_list("pk", flat=True)) == [theirs.pk]


# --- One write path: the admin saves through gvi.services (issue 15) ---------------------------


def test_a_custom_notification_is_only_shown_in_the_admin(client, staff_coordinator, police):
    """Logged through gvi.services.notifications, which offers its services as referrals, checks
    the delivering organisations and runs the follow-up rules: a model form could do none of it."""
    notification = f.CustomNotificationFactory(organisation=police)
    client.force_login(staff_coordinator)
    base = "/admin/gvi/customnotification/"
    assert client.get(f"{base}{notification.pk}/change/").status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}{notification.pk}/change/", {"response": "declined"}).status_code == 403


def test_a_supervision_added_in_the_admin_runs_its_follow_up_rules(
    client, staff_probation_coordinator, police, probation, monkeypatch, django_capture_on_commit_callbacks
):
    from tasks.followups import apply_rules_for

    dispatched = []
    monkeypatch.setattr(apply_rules_for, "delay", lambda *args: dispatched.append(args))
    # Supervision is probation's own record (gvi.sharing.RECORDED_BY): its coordinator enters it.
    client.force_login(staff_probation_coordinator)
    form = {
        "programme": probation.programme_id,
        "organisation": probation.pk,
        "source": "KVV-2",
        "confidence": m.Confidence.CONFIRMED,
        "person": f.PersonFactory(organisation=police).pk,
        "kind": m.SupervisionKind.PROBATION,
        "start_date": "2026-01-01",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/admin/gvi/supervision/add/", form).status_code == 302
    supervision = m.Supervision.objects.get()
    assert dispatched == [("supervision", supervision.pk)]
    assert supervision.created_by == staff_probation_coordinator
    assert supervision.history.get().history_user == staff_probation_coordinator


def test_a_programme_added_in_the_admin_starts_with_its_settings(client, superuser):
    client.force_login(superuser)
    page = client.get("/admin/gvi/programme/add/")
    fields = page.context["adminform"].form.fields
    form = {name: field.initial for name, field in fields.items() if field.initial is not None}
    form.update({"name": "Ny satsning", "city": "Nystad"})
    for formset in page.context["inline_admin_formsets"]:
        form.update({f"{formset.formset.prefix}-TOTAL_FORMS": "0", f"{formset.formset.prefix}-INITIAL_FORMS": "0"})
    response = client.post("/admin/gvi/programme/add/", form)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    programme = m.Programme.objects.get(name="Ny satsning")
    config = m.ScoringConfig.objects.get(programme=programme)
    assert config.weights.count() == len(m.IncidentType.values)
    assert m.SharingBasis.objects.filter(programme=programme).exists()


def test_a_bulk_delete_in_the_admin_deletes_through_the_services_one_by_one(client, staff_coordinator, police):
    calls = [f.CallInFactory(organisation=police) for _ in range(2)]
    client.force_login(staff_coordinator)
    action = {"action": "delete_selected", "post": "yes", "_selected_action": [c.pk for c in calls]}
    assert client.post("/admin/gvi/callin/", action).status_code == 302
    assert not m.CallIn.objects.exists()
    # One history row per deleted call-in, naming who deleted it.
    deleted = m.CallIn.history.filter(history_type="-")
    assert deleted.count() == 2 and {row.history_user for row in deleted} == {staff_coordinator}

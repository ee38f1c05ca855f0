"""The record forms and lists, through the test client: policy (403/404), field errors (400,
nothing stored), identity-number search through the keyed hash, the logged global search, and
query counts that do not grow with the rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gvi import crypto
from gvi import models as m
from gvi.services.people import register_person
from tests import factories as f
from tests.frontend.conftest import build_city
from tests.privacy.identity import make_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def login(client, user):
    client.force_login(user)
    return client


# --- Policy: a role that may not create gets 403, and sees no link to the form ------------------

FORBIDDEN = [
    ("probation_officer", "frontend:group_create", None),
    ("police_analyst", "frontend:person_create", None),
    ("auditor", "frontend:incident_create", None),
    ("auditor", "frontend:person_create", None),
    ("civil_society_partner", "frontend:group_create", None),
]


@pytest.mark.parametrize("role, url_name, _", FORBIDDEN)
def test_a_role_that_may_not_create_gets_403(request, client, role, url_name, _):
    user = request.getfixturevalue(role)
    login(client, user)
    assert client.get(reverse(url_name)).status_code == 403
    assert client.post(reverse(url_name), {"name": "X", "source": "S"}).status_code == 403
    assert not m.Group.objects.exists() and not m.Person.objects.exists() and not m.Incident.objects.exists()


def test_partner_officers_get_403_for_relations_attributions_and_see_no_links(client, probation_officer, police):
    group = f.GroupFactory(organisation=police)
    incident = f.IncidentFactory(organisation=police)
    login(client, probation_officer)
    assert client.get(reverse("frontend:group_relation_create", args=[group.pk])).status_code == 403
    assert client.get(reverse("frontend:attribution_create", args=[incident.pk])).status_code == 403
    assert client.get(reverse("frontend:group_edit", args=[group.pk])).status_code == 403
    # Another organisation's incident: visible, not theirs to correct or retract.
    assert client.get(reverse("frontend:incident_correct", args=[incident.pk])).status_code == 403
    assert client.post(reverse("frontend:incident_retract", args=[incident.pk]), {"reason": "x"}).status_code == 403
    page = client.get(reverse("frontend:group_list")).content.decode()
    assert reverse("frontend:group_create") not in page
    page = client.get(reverse("frontend:group_detail", args=[group.pk])).content.decode()
    assert reverse("frontend:group_relation_create", args=[group.pk]) not in page
    assert reverse("frontend:group_edit", args=[group.pk]) not in page
    page = client.get(reverse("frontend:incident_detail", args=[incident.pk])).content.decode()
    assert reverse("frontend:incident_correct", args=[incident.pk]) not in page
    assert reverse("frontend:attribution_create", args=[incident.pk]) not in page


def test_coordinator_sees_the_links_to_the_forms(coordinator_client, police):
    group = f.GroupFactory(organisation=police)
    incident = f.IncidentFactory(organisation=police)
    assert reverse("frontend:group_create") in coordinator_client.get(reverse("frontend:group_list")).content.decode()
    assert reverse("frontend:person_create") in coordinator_client.get(reverse("frontend:person_list")).content.decode()
    assert (
        reverse("frontend:incident_create")
        in coordinator_client.get(reverse("frontend:incident_list")).content.decode()
    )
    page = coordinator_client.get(reverse("frontend:group_detail", args=[group.pk])).content.decode()
    assert reverse("frontend:group_relation_create", args=[group.pk]) in page
    page = coordinator_client.get(reverse("frontend:incident_detail", args=[incident.pk])).content.decode()
    assert reverse("frontend:incident_retract", args=[incident.pk]) in page
    assert reverse("frontend:incident_list") in page  # the menu


def test_another_programmes_records_are_not_found(client, other_programme_officer, police):
    group, incident = f.GroupFactory(organisation=police), f.IncidentFactory(organisation=police)
    person = f.PersonFactory(organisation=police)
    login(client, other_programme_officer)
    assert client.get(reverse("frontend:group_edit", args=[group.pk])).status_code == 404
    assert client.get(reverse("frontend:incident_correct", args=[incident.pk])).status_code == 404
    assert client.get(reverse("frontend:person_edit", args=[person.pk])).status_code == 404
    assert client.get(reverse("frontend:membership_propose", args=[person.pk])).status_code == 404


# --- Forms: happy path and bad input -----------------------------------------------------------


def test_register_a_person_with_an_identity_number(coordinator_client, programme):
    area = f.AreaFactory(programme=programme, name="Centrum")
    number = make_number(dt.date(1998, 3, 14))
    response = coordinator_client.post(
        reverse("frontend:person_create"),
        {
            "first_name": "Testa",
            "last_name": "Testsson",
            "personnummer": number,
            "sex": "male",
            "home_area": area.pk,
            "source": "K-2026-7",
            "confidence": "probable",
        },
    )
    person = m.Person.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("frontend:person_detail", args=[person.pk])
    assert person.date_of_birth == dt.date(1998, 3, 14)
    assert person.personnummer_hash == crypto.search_hash(number) and number not in person.personnummer_encrypted
    assert (person.source, person.confidence, person.home_area) == ("K-2026-7", "probable", area)


def test_a_bad_identity_number_is_a_field_error_and_nothing_is_stored(coordinator_client):
    response = coordinator_client.post(
        reverse("frontend:person_create"),
        {
            "first_name": "A",
            "last_name": "B",
            "personnummer": "19990421-1111",
            "sex": "unknown",
            "source": "S",
            "confidence": "unverified",
        },
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "personnummer" in form.errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert 'aria-describedby="id_personnummer_error id_personnummer_helptext"' in response.content.decode()
    assert not m.Person.objects.exists()


def test_no_date_of_birth_and_no_number_is_a_field_error(coordinator_client):
    response = coordinator_client.post(
        reverse("frontend:person_create"), {"first_name": "A", "last_name": "B", "sex": "unknown", "source": "S"}
    )
    assert response.status_code == 400 and "date_of_birth" in response.context["form"].errors


def test_correct_a_person_keeps_the_number_and_the_reason(coordinator_client, police_coordinator):
    number = make_number(dt.date(1990, 5, 5))
    person = register_person(
        user=police_coordinator, first_name="Gammal", last_name="Namn", personnummer=number, source="S"
    )
    url = reverse("frontend:person_edit", args=[person.pk])
    page = coordinator_client.get(url).content.decode()
    assert number not in page and number[2:] not in page  # the number is never shown back
    data = {
        "first_name": "Ny",
        "last_name": "Namn",
        "date_of_birth": "1990-05-05",
        "sex": "unknown",
        "source": "S",
        "confidence": "probable",
        "personnummer": "",
    }
    assert coordinator_client.post(url, data).status_code == 400  # no reason given
    response = coordinator_client.post(url, {**data, "reason": "Rättelse efter begäran"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.first_name == "Ny" and person.personnummer_hash == crypto.search_hash(number)
    assert person.history.first().history_change_reason == "Rättelse efter begäran"


def test_register_and_change_a_group(coordinator_client, programme):
    area = f.AreaFactory(programme=programme)
    response = coordinator_client.post(
        reverse("frontend:group_create"),
        {
            "name": "Västra",
            "status": "active",
            "aliases": "V-gänget\nVäst",
            "areas": [area.pk],
            "source": "Lägesbild",
            "confidence": "probable",
        },
    )
    group = m.Group.objects.get()
    assert response.status_code == 302
    assert sorted(group.aliases.values_list("alias", flat=True)) == ["V-gänget", "Väst"]
    response = coordinator_client.post(
        reverse("frontend:group_create"),
        {"name": "Västra", "status": "active", "source": "S", "confidence": "probable"},
    )
    assert response.status_code == 400 and response.context["form"].errors  # the name is taken
    assert m.Group.objects.count() == 1
    response = coordinator_client.post(
        reverse("frontend:group_edit", args=[group.pk]),
        {
            "name": "Västra",
            "status": "dormant",
            "aliases": "Väst",
            "source": "Lägesbild",
            "confidence": "probable",
            "reason": "Inaktiv sedan våren",
        },
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.status == "dormant" and list(group.aliases.values_list("alias", flat=True)) == ["Väst"]


def test_record_a_relation_and_a_bad_period(coordinator_client, police):
    a, b = f.GroupFactory(organisation=police), f.GroupFactory(organisation=police)
    url = reverse("frontend:group_relation_create", args=[a.pk])
    data = {
        "other_group": b.pk,
        "kind": "conflict",
        "start_date": "2026-01-10",
        "source": "Lägesbild",
        "confidence": "probable",
    }
    bad = coordinator_client.post(url, {**data, "end_date": "2025-01-01"})
    assert bad.status_code == 400 and "end_date" in bad.context["form"].errors
    assert coordinator_client.post(url, data).status_code == 302
    relation = m.GroupRelation.objects.get()
    assert (relation.group_a, relation.group_b, relation.kind) == (a, b, "conflict")


def test_propose_a_membership_with_criteria_into_the_approval_queue(coordinator_client, police, programme):
    person, group = f.PersonFactory(organisation=police), f.GroupFactory(organisation=police)
    own = f.InclusionCriterionFactory(programme=programme, code="own", name="Egen uppgift")
    joint = f.InclusionCriterionFactory(programme=programme, code="joint", name="Brott med medlemmar")
    url = reverse("frontend:membership_propose", args=[person.pk])
    data = {
        "group": group.pk,
        "role": "member",
        "start_date": "2026-01-01",
        "source": "PM-1",
        "confidence": "probable",
        f"criterion_{own.pk}": "on",
        f"criterion_{own.pk}_reference": "Förhör 2026-01-02",
    }
    response = coordinator_client.post(url, data)  # one criterion: too few
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    response = coordinator_client.post(url, {**data, f"criterion_{joint.pk}": "on"})  # cited without a reference
    assert response.status_code == 400 and f"criterion_{joint.pk}_reference" in response.context["form"].errors
    assert not m.Membership.objects.exists()
    response = coordinator_client.post(
        url, {**data, f"criterion_{joint.pk}": "on", f"criterion_{joint.pk}_reference": "Dom B 12-26"}
    )
    assert response.status_code == 302
    membership = m.Membership.objects.get()
    assert membership.status == m.MembershipStatus.PROPOSED
    assert sorted(membership.evidence.values_list("source_reference", flat=True)) == [
        "Dom B 12-26",
        "Förhör 2026-01-02",
    ]


def test_log_an_incident_add_a_person_attribute_correct_and_retract(coordinator_client, police, police_analyst, client):
    area = f.AreaFactory(programme=police.programme)
    when = timezone.localtime() - dt.timedelta(days=1)
    data = {
        "incident_type": "shooting",
        "date": when.date().isoformat(),
        "time": "21:30",
        "area": area.pk,
        "place": "Torget",
        "killed": "1",
        "injured": "2",
        "verification_status": "reported",
        "source": "K-2026-900",
        "confidence": "probable",
    }
    bad = coordinator_client.post(reverse("frontend:incident_create"), {**data, "killed": "-1"})
    assert bad.status_code == 400 and "killed" in bad.context["form"].errors
    future = coordinator_client.post(reverse("frontend:incident_create"), {**data, "date": "2099-01-01"})
    assert future.status_code == 400 and "date" in future.context["form"].errors
    assert not m.Incident.objects.exists()
    assert coordinator_client.post(reverse("frontend:incident_create"), data).status_code == 302
    incident = m.Incident.objects.get()
    assert (incident.killed, incident.injured, incident.source) == (1, 2, "K-2026-900")

    person = f.PersonFactory(organisation=police, first_name="Inblandad", last_name="Persson")
    url = reverse("frontend:involvement_create", args=[incident.pk])
    found = coordinator_client.get(url, {"person_q": "Inblandad"})
    assert found.context["offered"] == [person]
    response = coordinator_client.post(
        url,
        {
            "person_q": "Inblandad",
            "person": person.pk,
            "role": "suspect",
            "source": "K-2026-900",
            "confidence": "probable",
        },
    )
    assert response.status_code == 302
    assert m.Involvement.objects.get().role == "suspect"

    group = f.GroupFactory(organisation=police)
    login(client, police_analyst)
    bad = client.post(
        reverse("frontend:attribution_create", args=[incident.pk]),
        {"group": group.pk, "share": "1.5", "source": "A", "confidence": "possible"},
    )
    assert bad.status_code == 400 and "share" in bad.context["form"].errors
    ok = client.post(
        reverse("frontend:attribution_create", args=[incident.pk]),
        {"group": group.pk, "share": "0.5", "source": "Analys", "confidence": "possible"},
    )
    assert ok.status_code == 302 and m.GroupAttribution.objects.get().status == "proposed"

    correct = reverse("frontend:incident_correct", args=[incident.pk])
    assert coordinator_client.post(correct, {**data, "killed": "2"}).status_code == 400  # no reason
    assert coordinator_client.post(correct, {**data, "killed": "2", "reason": "Ett offer avled"}).status_code == 302
    incident.refresh_from_db()
    assert incident.killed == 2
    retract = reverse("frontend:incident_retract", args=[incident.pk])
    assert coordinator_client.post(retract, {"reason": ""}).status_code == 400
    assert coordinator_client.post(retract, {"reason": "Dubblett"}).status_code == 302
    incident.refresh_from_db()
    assert incident.verification_status == "unfounded"


# --- Lists and the global search ---------------------------------------------------------------


def test_person_search_by_identity_number_goes_through_the_keyed_hash(coordinator_client, police_coordinator):
    number = make_number(dt.date(2001, 7, 9))
    person = register_person(
        user=police_coordinator, first_name="Hash", last_name="Sökt", personnummer=number, source="S"
    )
    register_person(
        user=police_coordinator, first_name="Annan", last_name="Person", date_of_birth=dt.date(2001, 7, 9), source="S"
    )
    with CaptureQueriesContext(connection) as queries:
        response = coordinator_client.get(reverse("frontend:person_list"), {"q": number})
    assert list(response.context["page"]) == [person]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert number not in sql and number[2:] not in sql  # never compared in plain text
    assert crypto.search_hash(number) in sql
    log = m.AccessLog.objects.filter(action="search").latest("pk")
    assert number not in log.path and log.person_id == person.pk


def test_person_list_filters_and_sorts(coordinator_client, police, programme, minor_birth_date):
    area = f.AreaFactory(programme=programme)
    adult = f.PersonFactory(organisation=police, last_name="Äldre", home_area=area, date_of_birth=dt.date(1980, 1, 1))
    minor = f.PersonFactory(organisation=police, last_name="Yngre", home_area=area, date_of_birth=minor_birth_date)
    f.PersonFactory(organisation=police, last_name="Annanstans")
    page = coordinator_client.get(reverse("frontend:person_list"), {"area": area.pk, "order": "-born"}).context["page"]
    assert list(page) == [minor, adult]
    page = coordinator_client.get(reverse("frontend:person_list"), {"minors": "only"}).context["page"]
    assert list(page) == [minor]


def test_global_search_groups_results_by_kind_and_logs_every_search(coordinator_client, police, police_coordinator):
    group = f.GroupFactory(organisation=police, name="Kvarnligan")
    m.GroupAlias.objects.create(group=group, alias="Kvarnen")
    person = f.PersonFactory(organisation=police, first_name="Kvarn", last_name="Olsson")
    incident = f.IncidentFactory(organisation=police, place="Kvarngatan 3")
    before = m.AccessLog.objects.count()
    response = coordinator_client.get(reverse("frontend:search"), {"q": "kvarn"})
    results = response.context["results"]
    assert (results.persons, results.groups, results.incidents) == ([person], [group], [incident])
    logged = m.AccessLog.objects.filter(pk__gt=0).order_by("-pk")[: m.AccessLog.objects.count() - before]
    assert [(row.action, row.person_id, row.reason) for row in logged] == [("search", person.pk, "TEST-1")]
    assert "kvarn" not in logged[0].path
    # A search with no hits is logged too, naming nobody.
    response = coordinator_client.get(reverse("frontend:search"), {"q": "finnsinte"})
    assert response.context["results"].total == 0
    last = m.AccessLog.objects.latest("pk")
    assert (last.action, last.person_id, last.user) == ("search", None, police_coordinator)


def test_global_search_is_scoped_by_the_policy(client, police_analyst, police, minor_birth_date):
    f.PersonFactory(organisation=police, first_name="Minderårig", date_of_birth=minor_birth_date)
    login(client, police_analyst)
    assert client.get(reverse("frontend:search"), {"q": "Minderårig"}).context["results"].persons == []


def test_global_search_asks_for_a_purpose_first(police_coordinator):
    from django.test import Client

    plain = Client()
    plain.force_login(police_coordinator)
    response = plain.get(reverse("frontend:search"), {"q": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("frontend:purpose"))


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "gvi_accesslog"')]
    return len(queries) - max(len(inserts) - 1, 0)


def test_list_query_counts_do_not_grow_with_rows(coordinator_client, police, probation, django_assert_max_num_queries):
    build_city(police, probation, scale=1, prefix="Q")
    pages = {
        "persons, searched": reverse("frontend:person_list") + "?q=Förnamn&order=-born",
        "persons, by area": reverse("frontend:person_list") + "?minors=none&order=-created",
        "groups, sorted": reverse("frontend:group_list") + "?order=-members",
        "incidents": reverse("frontend:incident_list"),
        "incidents, filtered": reverse("frontend:incident_list") + "?incident_type=shooting&order=-casualties",
        "approval queue": reverse("frontend:membership_queue"),
        "approval queue, searched": reverse("frontend:membership_queue") + "?q=Förnamn",
        "search": reverse("frontend:search") + "?q=Q",
    }
    small = {name: _count(coordinator_client, url) for name, url in pages.items()}
    build_city(police, probation, scale=4, prefix="R", with_flags=False)
    for name, url in pages.items():
        with django_assert_max_num_queries(30):
            large = _count(coordinator_client, url)
        assert large == small[name], f"{name}: {small[name]} queries with few rows, {large} with many"


def test_record_pages_are_labelled_and_have_nothing_inline(coordinator_client, police, programme):
    from tests.frontend.test_accessibility import PageAudit

    person, group = f.PersonFactory(organisation=police), f.GroupFactory(organisation=police)
    incident = f.IncidentFactory(organisation=police)
    f.InclusionCriterionFactory(programme=programme, code="own", name="Egen uppgift")
    urls = [
        reverse("frontend:person_create"),
        reverse("frontend:person_edit", args=[person.pk]),
        reverse("frontend:group_create"),
        reverse("frontend:group_edit", args=[group.pk]),
        reverse("frontend:group_relation_create", args=[group.pk]),
        reverse("frontend:membership_propose", args=[person.pk]),
        reverse("frontend:incident_list"),
        reverse("frontend:incident_create"),
        reverse("frontend:incident_detail", args=[incident.pk]),
        reverse("frontend:incident_correct", args=[incident.pk]),
        reverse("frontend:incident_retract", args=[incident.pk]),
        reverse("frontend:involvement_create", args=[incident.pk]) + "?person_q=" + person.last_name,
        reverse("frontend:attribution_create", args=[incident.pk]),
        reverse("frontend:search") + "?q=x",
        reverse("frontend:membership_queue"),
    ]
    for url in urls:
        for response in (coordinator_client.get(url), coordinator_client.post(url, {})):
            if response.status_code in (302, 405):
                continue
            audit = PageAudit()
            audit.feed(response.content.decode())
            assert audit.problems == [], url
            assert audit.unlabelled() == [], url
            assert audit.landmarks == {"header", "nav", "main", "footer"}, url


def test_one_helper_saves_or_puts_the_services_refusal_on_the_form(police, police_coordinator):
    """save_or_show_errors: the record, or the service's reasons on the form with nothing stored."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from frontend.pages.common import save_or_show_errors
    from frontend.record_forms import RetractForm

    form = RetractForm({"reason": "Felregistrerad"})
    assert form.is_valid()
    assert save_or_show_errors(form, lambda: "the record") == "the record"

    def half_then_refused():
        f.AreaFactory(programme=police.programme, name="Halvskrivet")
        raise ValidationError({"reason": "Skälet räcker inte."})

    assert save_or_show_errors(form, half_then_refused) is None
    assert form.errors["reason"] == ["Skälet räcker inte."]
    assert form.fields["reason"].widget.attrs["aria-invalid"] == "true"
    assert not m.Area.objects.filter(name="Halvskrivet").exists()

    refused = RetractForm({"reason": "Felregistrerad"})
    refused.is_valid()

    def not_yours():
        raise PermissionDenied

    assert save_or_show_errors(refused, not_yours) is None
    assert refused.non_field_errors() == ["You may not do this."]

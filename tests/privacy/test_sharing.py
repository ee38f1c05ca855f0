"""Sharing between partners by organisation kind: what civil society, social services and
probation see of each other's records, consent, and the disclosure log."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gvi import models as m
from gvi.exports import write_csv
from gvi.policy import scoped_queryset
from gvi.services.sharing import record_consent, withdraw_consent
from gvi.services.subject_access import export_person_data
from gvi.sharing import SHARING_RULES
from tests import factories as f
from tests.frontend.conftest import PurposefulClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """The pages are read in a working session that gave its purpose (the data protection rule)."""
    return PurposefulClient()


@pytest.fixture
def listed(police, probation):
    """A person the police listed, under probation's supervision and suspected in a shooting."""
    person = f.PersonFactory(organisation=police, first_name="Adam", last_name="Listad")
    f.MembershipFactory(organisation=police, person=person)
    f.SupervisionFactory(organisation=probation, person=person)
    f.InvolvementFactory(organisation=police, person=person, role=m.InvolvementRole.SUSPECT)
    f.RiskAssessmentFactory(organisation=police, person=person)
    f.EnforcementActionFactory(organisation=police, person=person)
    return person


@pytest.fixture
def mentored(listed, civil_society):
    """Civil society works with the listed person: it owns a referral about him."""
    f.ServiceReferralFactory(organisation=civil_society, person=listed)
    return listed


def test_civil_society_sees_the_persons_it_works_with_and_nothing_of_supervision_or_suspects(
    mentored, civil_society_partner, police
):
    stranger = f.PersonFactory(organisation=police)
    assert list(scoped_queryset(civil_society_partner, "person")) == [mentored]
    assert scoped_queryset(civil_society_partner, "membership").filter(person=mentored).exists()
    assert scoped_queryset(civil_society_partner, "group").exists()  # the group picture
    for kind in ("supervision", "involvement", "risk_assessment", "enforcement_action"):
        assert not scoped_queryset(civil_society_partner, kind).exists(), kind
    assert not scoped_queryset(civil_society_partner, "person").filter(pk=stranger.pk).exists()


def test_a_civil_society_coordinator_exports_no_supervision_or_suspect_roles(mentored, civil_society):
    coordinator = f.UserFactory(organisation=civil_society, role=m.Role.COORDINATOR)
    for kind in ("supervision", "involvement", "enforcement_action"):
        stream = io.StringIO()
        assert write_csv(stream, user=coordinator, kind=kind) == 0, kind
    assert write_csv(io.StringIO(), user=coordinator, kind="person") == 1


def test_civil_society_pages_show_no_supervision_or_suspect_role(client, mentored, civil_society_partner):
    client.force_login(civil_society_partner)
    response = client.get(reverse("frontend:person_detail", args=[mentored.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Listad" in page
    assert "skyddstillsyn" not in page.lower()
    assert not client.get(reverse("frontend:person_list") + "?q=Listad").content.decode().count("skyddstillsyn")


def test_social_services_see_concern_reports_and_the_minors_in_them(
    police, social_services_officer, probation_officer, minor_birth_date
):
    minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    report = f.ConcernReportFactory(organisation=police, person=minor)
    other_minor = f.PersonFactory(organisation=police, date_of_birth=minor_birth_date)
    own = f.FollowUpFactory(owner_organisation=social_services_officer.organisation, person=minor)
    assert list(scoped_queryset(social_services_officer, "concern_report")) == [report]
    assert list(scoped_queryset(social_services_officer, "person")) == [minor]  # not other_minor
    assert list(scoped_queryset(social_services_officer, "follow_up")) == [own]
    # Probation must not see the concern report, nor the minor.
    assert not scoped_queryset(probation_officer, "concern_report").exists()
    assert not scoped_queryset(probation_officer, "person").filter(pk__in=[minor.pk, other_minor.pk]).exists()


def test_probation_sees_supervision_enforcement_and_the_call_in(listed, probation_officer, police):
    for kind in ("supervision", "enforcement_action", "person", "membership"):
        assert (
            scoped_queryset(probation_officer, kind).filter(person=listed).exists()
            if kind != "person"
            else (scoped_queryset(probation_officer, kind).filter(pk=listed.pk).exists())
        ), kind
    assert not scoped_queryset(probation_officer, "involvement").exists()  # police intelligence


def test_consent_widens_what_the_named_partner_sees_until_withdrawn(listed, civil_society_partner, police_coordinator):
    assert not scoped_queryset(civil_society_partner, "person").exists()
    consent = record_consent(
        user=police_coordinator,
        person=listed,
        organisation=civil_society_partner.organisation,
        scope=m.ConsentScope.CONTACT,
        given_on=timezone.localdate(),
        source="Undertecknad blankett 2026-11",
    )
    assert list(scoped_queryset(civil_society_partner, "person")) == [listed]
    assert not scoped_queryset(civil_society_partner, "supervision").exists()  # not within the scope
    withdraw_consent(user=police_coordinator, consent=consent, note="Återkallat muntligt")
    assert not scoped_queryset(civil_society_partner, "person").exists()
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None


def test_a_consent_dated_in_the_future_is_refused(listed, civil_society_partner, police_coordinator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        record_consent(
            user=police_coordinator,
            person=listed,
            organisation=civil_society_partner.organisation,
            scope=m.ConsentScope.CONTACT,
            given_on=timezone.localdate() + timezone.timedelta(days=2),
            source="Blankett",
        )
    assert not m.Consent.objects.exists()


def test_every_cross_organisation_read_leaves_a_disclosure(client, listed, probation_officer, police, probation):
    own = f.SupervisionFactory(organisation=probation, person=f.PersonFactory(organisation=probation))
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:person_detail", args=[listed.pk])).status_code == 200
    rows = m.AccessLog.objects.filter(user=probation_officer)
    person_row = rows.get(record_kind="person", object_id=str(listed.pk))
    assert person_row.owner_organisation == police
    assert person_row.sharing_rule == "call_in"
    assert person_row.legal_basis.startswith("OSL 10 kap. 2 §")
    membership = rows.get(record_kind="membership")
    assert membership.owner_organisation == police and membership.sharing_rule == "call_in"
    # Probation's own supervision of him is no disclosure.
    assert rows.get(record_kind="supervision").owner_organisation is None
    client.get(reverse("frontend:person_detail", args=[own.person_id]))
    assert not rows.filter(person_id=own.person_id, owner_organisation__isnull=False).exists()


def test_an_export_logs_each_disclosed_record(listed, police_coordinator, probation):
    write_csv(io.StringIO(), user=police_coordinator, kind="supervision")
    row = m.AccessLog.objects.get(action=m.AccessAction.EXPORT, record_kind="supervision")
    assert row.owner_organisation == probation
    assert row.sharing_rule == "supervision_and_enforcement"


def test_the_dpo_report_by_pair_basis_and_month(client, listed, probation_officer, auditor, police, probation):
    client.force_login(probation_officer)
    client.get(reverse("frontend:person_detail", args=[listed.pk]))
    client.force_login(auditor)
    response = client.get(reverse("frontend:audit_disclosures"))
    assert response.status_code == 200
    rows = response.context["rows"]
    pair = [r for r in rows if r["organisation__name"] == probation.name and r["sharing_rule"] == "call_in"]
    assert pair and pair[0]["owner_organisation__name"] == police.name and pair[0]["persons"] == 1
    exported = client.get(reverse("frontend:audit_disclosures_csv"))
    lines = list(csv.reader(io.StringIO(exported.content.decode())))
    assert len(lines[0]) == 7  # month, read by, owner, rule, basis, reads, persons
    assert any(line[1] == probation.name and line[3] == "call_in" for line in lines[1:])
    # Not for a partner officer.
    client.force_login(probation_officer)
    assert client.get(reverse("frontend:audit_disclosures")).status_code == 403


def test_the_subject_access_report_lists_who_outside_the_owner_saw_the_data(
    client, listed, probation_officer, police_coordinator, probation
):
    client.force_login(probation_officer)
    client.get(reverse("frontend:person_detail", args=[listed.pk]))
    data = export_person_data(user=police_coordinator, person=listed, reason="Registerutdrag DSR-9")
    recipients = {(d["recipient"], d["record_kind"], d["rule"]) for d in data["disclosures"]}
    assert (probation.name, "person", "call_in") in recipients
    assert all(d["legal_basis"] for d in data["disclosures"])


def test_sharing_plan_prints_gains_and_losses_and_applies_the_defaults(listed, civil_society, social_services):
    programme = listed.programme
    m.SharingBasis.objects.filter(programme=programme).delete()
    out = io.StringIO()
    call_command("sharing_plan", "--programme", str(programme.pk), stdout=out)
    text = out.getvalue()
    assert "would add the default basis of works_with" in text
    assert f"{civil_society.name} (civil_society) partner_officer: supervision loses 1 of" in text
    assert not m.SharingBasis.objects.filter(programme=programme).exists()  # a preview writes nothing
    call_command("sharing_plan", "--programme", str(programme.pk), "--apply", stdout=io.StringIO())
    assert m.SharingBasis.objects.filter(programme=programme).count() == len(SHARING_RULES)


def test_the_consent_page_records_and_withdraws_a_consent(client, listed, civil_society, police_coordinator):
    client.force_login(police_coordinator)
    page = reverse("frontend:person_consents", args=[listed.pk])
    assert client.get(page).status_code == 200
    bad = client.post(
        reverse("frontend:person_consent_record", args=[listed.pk]),
        {"organisation": civil_society.pk, "scope": "contact", "given_on": "2999-01-01", "source": "Blankett"},
    )
    assert bad.status_code == 400 and not m.Consent.objects.exists()
    done = client.post(
        reverse("frontend:person_consent_record", args=[listed.pk]),
        {"organisation": civil_society.pk, "scope": "contact", "given_on": "2026-01-05", "source": "Blankett S-1"},
    )
    assert done.status_code == 302
    consent = m.Consent.objects.get()
    assert consent.organisation == civil_society and consent.is_active
    assert client.get(page).context["may_withdraw"] == {consent.pk}
    withdrawn = client.post(reverse("frontend:person_consent_withdraw", args=[listed.pk, consent.pk]), {"note": "Nej"})
    assert withdrawn.status_code == 302
    consent.refresh_from_db()
    assert not consent.is_active and consent.withdrawal_note == "Nej"
    again = client.post(reverse("frontend:person_consent_withdraw", args=[listed.pk, consent.pk]))
    assert again.status_code == 400  # already withdrawn: a clear error, nothing changed


def test_a_partner_cannot_open_the_consents_of_a_person_it_does_not_see(client, listed, civil_society_partner):
    client.force_login(civil_society_partner)
    assert client.get(reverse("frontend:person_consents", args=[listed.pk])).status_code == 404

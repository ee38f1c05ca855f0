import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from gvi import models as m
from gvi.models.people import age_on, years_before
from tests import factories as f

pytestmark = pytest.mark.django_db


class TestMinors:
    def test_age_turns_on_the_birthday(self):
        born = dt.date(2008, 11, 25)
        assert age_on(born, dt.date(2026, 11, 24)) == 17
        assert age_on(born, dt.date(2026, 11, 25)) == 18

    def test_leap_day_birthday(self):
        assert years_before(dt.date(2024, 2, 29), 18) == dt.date(2006, 2, 28)

    def test_minor_is_derived_from_date_of_birth(self, police, today):
        minor = f.PersonFactory(organisation=police, date_of_birth=years_before(today, 18) + dt.timedelta(days=1))
        adult = f.PersonFactory(organisation=police, date_of_birth=years_before(today, 18))
        assert minor.is_minor() and not adult.is_minor()
        assert list(m.Person.objects.minors()) == [minor]
        assert list(m.Person.objects.adults()) == [adult]

    def test_someone_minor_last_year_is_an_adult_now(self, police, today):
        person = f.PersonFactory(organisation=police, date_of_birth=years_before(today, 18))
        assert person.is_minor(on=today - dt.timedelta(days=1))
        assert not person.is_minor(on=today)

    def test_date_of_birth_in_future_is_refused(self, police, today):
        person = f.PersonFactory.build(
            organisation=police, programme=police.programme, date_of_birth=today + dt.timedelta(days=1)
        )
        with pytest.raises(ValidationError) as error:
            person.full_clean()
        assert "date_of_birth" in error.value.message_dict


class TestMembershipPeriods:
    def test_end_before_start_is_refused_by_validation(self, police):
        membership = f.MembershipFactory.build(
            organisation=police,
            programme=police.programme,
            start_date=dt.date(2025, 5, 1),
            end_date=dt.date(2025, 4, 1),
        )
        with pytest.raises(ValidationError) as error:
            membership.clean()
        assert "end_date" in error.value.message_dict

    def test_end_before_start_is_refused_by_the_database(self, police):
        membership = f.MembershipFactory(organisation=police, start_date=dt.date(2025, 5, 1))
        membership.end_date = dt.date(2025, 4, 1)
        with pytest.raises(IntegrityError), transaction.atomic():
            membership.save()

    def test_overlapping_membership_of_the_same_group_is_refused(self, police):
        first = f.MembershipFactory(organisation=police, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 6, 30))
        overlapping = m.Membership(
            programme=police.programme,
            organisation=police,
            source="X",
            person=first.person,
            group=first.group,
            start_date=dt.date(2025, 6, 1),
        )
        with pytest.raises(ValidationError):
            overlapping.clean()
        later = m.Membership(
            programme=police.programme,
            organisation=police,
            source="X",
            person=first.person,
            group=first.group,
            start_date=dt.date(2025, 7, 1),
        )
        later.clean()  # a new period after the first has ended is fine

    def test_only_active_memberships_count(self, police):
        active = f.MembershipFactory(organisation=police, status=m.MembershipStatus.ACTIVE)
        for status in (m.MembershipStatus.PROPOSED, m.MembershipStatus.REJECTED, m.MembershipStatus.LAPSED):
            f.MembershipFactory(organisation=police, status=status)
        assert list(m.Membership.objects.counting()) == [active]

    def test_current_respects_the_period(self, police):
        ended = f.MembershipFactory(organisation=police, start_date=dt.date(2024, 1, 1), end_date=dt.date(2024, 12, 31))
        current = f.MembershipFactory(organisation=police, start_date=dt.date(2025, 1, 1))
        assert list(m.Membership.objects.current(on=dt.date(2025, 3, 1))) == [current]
        assert list(m.Membership.objects.current(on=dt.date(2024, 6, 1))) == [ended]


class TestValidation:
    def test_group_cannot_relate_to_itself(self, police):
        group = f.GroupFactory(organisation=police)
        relation = m.GroupRelation(
            programme=police.programme,
            organisation=police,
            source="X",
            group_a=group,
            group_b=group,
            kind=m.RelationKind.CONFLICT,
            start_date=dt.date(2025, 1, 1),
        )
        with pytest.raises(ValidationError) as error:
            relation.clean()
        assert "group_b" in error.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            relation.save()

    def test_attribution_share_must_be_between_0_and_1(self, police):
        attribution = f.GroupAttributionFactory.build(organisation=police, programme=police.programme, share=2)
        with pytest.raises(ValidationError) as error:
            attribution.full_clean(exclude=["incident", "group"])
        assert "share" in error.value.message_dict

    def test_source_is_required(self, police):
        person = f.PersonFactory.build(organisation=police, programme=police.programme, source="")
        with pytest.raises(ValidationError) as error:
            person.full_clean()
        assert "source" in error.value.message_dict

    def test_incident_in_the_future_is_refused(self, police):
        from django.utils import timezone

        incident = f.IncidentFactory.build(
            organisation=police, programme=police.programme, occurred_at=timezone.now() + dt.timedelta(days=1)
        )
        with pytest.raises(ValidationError) as error:
            incident.full_clean()
        assert "occurred_at" in error.value.message_dict

    def test_same_person_cannot_be_invited_twice(self, police):
        invitation = f.InvitationFactory(organisation=police)
        with pytest.raises(IntegrityError), transaction.atomic():
            f.InvitationFactory(organisation=police, call_in=invitation.call_in, person=invitation.person)

    def test_validation_messages_are_translated(self, police, today):
        from django.utils import translation

        person = f.PersonFactory.build(
            organisation=police, programme=police.programme, date_of_birth=today + dt.timedelta(days=1)
        )
        with translation.override("sv"):
            with pytest.raises(ValidationError) as error:
                person.clean()
            assert error.value.message_dict["date_of_birth"] == ["Födelsedatum kan inte ligga i framtiden."]


class TestHistory:
    def test_changes_are_kept_with_before_and_after(self, police):
        person = f.PersonFactory(organisation=police, last_name="Före")
        person.last_name = "Efter"
        person.save()
        names = list(person.history.order_by("history_date").values_list("last_name", flat=True))
        assert names == ["Före", "Efter"]

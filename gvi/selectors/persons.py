"""Reads for the person pages. Each part is scoped by its own record kind, so a partner sees
only the parts of a person's record that its role needs (e.g. another organisation's risk
assessments stay hidden)."""

from dataclasses import dataclass

from django.db.models import Q

from gvi.policy import restricted_listing_counts, scoped_queryset


def person_list(user, *, q: str = ""):
    persons = scoped_queryset(user, "person").select_related("home_area")
    if q:
        for word in q.split():
            persons = persons.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return persons


@dataclass
class PersonPage:
    person: object
    memberships: list
    supervisions: list
    involvements: list
    invitations: list
    notifications: list
    services: list
    risk_assessments: list
    follow_ups: list
    # Listings restricted by a pending contest that the user sees only as existing.
    restricted_listings: int = 0

    def parts(self) -> dict[str, list]:
        """The records shown beside the person, by record kind (for the access log)."""
        return {
            "membership": self.memberships,
            "supervision": self.supervisions,
            "involvement": self.involvements,
            "invitation": self.invitations,
            "custom_notification": self.notifications,
            "service_referral": self.services,
            "risk_assessment": self.risk_assessments,
            "follow_up": self.follow_ups,
        }


def person_detail(user, person_id: int) -> PersonPage | None:
    """A person's record as far as the user may see it; None when the person is not visible."""
    person = scoped_queryset(user, "person").select_related("home_area").filter(pk=person_id).first()
    if person is None:
        return None

    def part(kind, *related, order=()):
        qs = scoped_queryset(user, kind).filter(person=person).select_related("organisation", *related)
        return list(qs.order_by(*order) if order else qs)

    return PersonPage(
        person=person,
        memberships=part("membership", "group"),
        supervisions=part("supervision"),
        involvements=part("involvement", "incident", "incident__area", order=("-incident__occurred_at",)),
        invitations=part("invitation", "call_in", order=("-call_in__scheduled_at",)),
        notifications=list(
            scoped_queryset(user, "custom_notification")
            .filter(person=person)
            .select_related("organisation", "group")
            .prefetch_related("delivering_organisations")
        ),
        services=part("service_referral"),
        risk_assessments=part("risk_assessment"),
        follow_ups=list(
            scoped_queryset(user, "follow_up")
            .filter(person=person)
            .select_related("owner_organisation", "owner_user")
            .order_by("due_date")
        ),
        restricted_listings=restricted_listing_counts(user, [person.pk]).get(person.pk, 0),
    )

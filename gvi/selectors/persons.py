"""Reads for the person pages. Each part is scoped by its own record kind, so a partner sees
only the parts of a person's record that its role needs (e.g. another organisation's risk
assessments stay hidden)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from gvi import personnummer as pnr
from gvi.models.people import years_before
from gvi.policy import restricted_listing_counts, scoped_queryset

# How a person list can be sorted: a key of the form → the ordering (every one ends on a unique key).
PERSON_ORDERINGS = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "born": ("date_of_birth", "id"),
    "-born": ("-date_of_birth", "-id"),
    "-created": ("-created_at", "-id"),
}


def identity_number_in(q: str) -> str | None:
    """The identity number in normal form when the search text is one, else None.

    Only a well-formed number is searched for, and only through its keyed hash: the plain number is
    never compared with anything stored, and never logged."""
    text = (q or "").strip()
    if sum(ch.isdigit() for ch in text) < 10:
        return None
    try:
        return pnr.normalise(text)
    except ValidationError:
        return None


def search_persons(persons, q: str):
    """Filter `persons` by a search text: an identity number (through the keyed hash) or the words
    of a name, each matching the first or the last name."""
    number = identity_number_in(q)
    if number is not None:
        return persons.filter(personnummer_hash=pnr.search_hash(number))
    for word in (q or "").split():
        persons = persons.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return persons


def person_list(
    user,
    *,
    q: str = "",
    area_id: int | None = None,
    minors: str = "",
    confidence: str = "",
    order: str = "name",
):
    """The persons `user` may read, searched, filtered and sorted.

    `minors`: "only" for persons under 18 today, "none" for adults only, "" for everyone."""
    persons = scoped_queryset(user, "person").select_related("home_area")
    if q:
        persons = search_persons(persons, q)
    if area_id:
        persons = persons.filter(home_area_id=area_id)
    if minors:
        cutoff = years_before(timezone.localdate(), settings.GVI_MINOR_AGE)
        persons = (
            persons.filter(date_of_birth__gt=cutoff) if minors == "only" else persons.exclude(date_of_birth__gt=cutoff)
        )
    if confidence:
        persons = persons.filter(confidence=confidence)
    return persons.order_by(*PERSON_ORDERINGS.get(order, PERSON_ORDERINGS["name"]))


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

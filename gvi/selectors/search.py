"""The global search: persons, groups and incidents matching a text, each list scoped by the policy."""

from dataclasses import dataclass

from django.db.models import Q

from gvi.policy import scoped_queryset
from gvi.selectors.incidents import incident_list
from gvi.selectors.persons import identity_number_in, search_persons

RESULTS_PER_KIND = 10


@dataclass
class SearchResults:
    persons: list
    person_count: int
    groups: list
    group_count: int
    incidents: list
    incident_count: int
    by_identity_number: bool

    @property
    def total(self) -> int:
        return self.person_count + self.group_count + self.incident_count


def _first(queryset, limit: int) -> tuple[list, int]:
    """The first `limit` rows, and how many there are (a count query only when there are more)."""
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, len(rows)
    return rows[:limit], queryset.count()


def search_everything(user, q: str, *, limit: int = RESULTS_PER_KIND) -> SearchResults:
    """What `user` may read that matches `q`: persons by name or identity number (keyed hash),
    groups by name or alias, incidents by source reference or place. An identity number searches
    persons only."""
    q = " ".join((q or "").split())
    by_number = identity_number_in(q) is not None
    persons, person_count = _first(
        search_persons(scoped_queryset(user, "person").select_related("home_area"), q).order_by(
            "last_name", "first_name", "id"
        ),
        limit,
    )
    groups, group_count, incidents, incident_count = [], 0, [], 0
    if not by_number:
        matching = scoped_queryset(user, "group")
        for word in q.split():
            matching = matching.filter(Q(name__icontains=word) | Q(pk__in=_groups_by_alias(word)))
        groups, group_count = _first(matching.order_by("name", "id"), limit)
        incidents, incident_count = _first(incident_list(user, q=q), limit)
    return SearchResults(
        persons=persons,
        person_count=person_count,
        groups=groups,
        group_count=group_count,
        incidents=incidents,
        incident_count=incident_count,
        by_identity_number=by_number,
    )


def _groups_by_alias(word: str):
    from gvi.models import GroupAlias

    return GroupAlias.objects.filter(alias__icontains=word).values("group_id")

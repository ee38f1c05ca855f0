"""Finding a person by identity number: through the keyed hash, scoped by the policy, logged."""

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from gvi import personnummer as pnr
from gvi.audit import log_access
from gvi.models import AccessAction
from gvi.policy import Action, scoped_queryset


def find_person_by_personnummer(*, user, personnummer: str, channel: str = "ui", reason: str = "") -> QuerySet:
    """The persons `user` may read whose identity number is `personnummer` (usually none or one).

    The number is validated first (ValidationError on a malformed one) and never stored or logged
    in plain text: the search goes through the keyed hash, and the access log gets a SEARCH row
    naming the persons found (or none).
    """
    try:
        normalised = pnr.normalise(personnummer)
    except ValidationError as error:
        raise ValidationError({"personnummer": error.messages}) from error
    found = scoped_queryset(user, "person", Action.READ).filter(personnummer_hash=pnr.search_hash(normalised))
    people = list(found)
    log_access(
        user=user, action=AccessAction.SEARCH, record_kind="person", objects=people, channel=channel, reason=reason
    )
    return found.filter(pk__in=[person.pk for person in people])

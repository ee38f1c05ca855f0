"""Registering and correcting persons, and their supervision."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gvi import personnummer as pnr
from gvi.models import Confidence, Person, Supervision
from gvi.policy import Action, scoped_queryset
from gvi.selectors.identity import find_person_by_personnummer  # noqa: F401  (the selector lives there)
from gvi.services.common import as_changed_by, create_record, create_record_with_rules, require_visible, update_record

# Fields a correction may change; identity numbers go through `personnummer=`.
CORRECTABLE_FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "home_area", "source", "confidence")


def _apply_personnummer(*, user, person: Person, personnummer: str) -> None:
    """Validate, encrypt and hash an identity number onto `person`, refusing a visible duplicate."""
    try:
        number = pnr.set_on(person, personnummer)
    except ValidationError as error:
        raise ValidationError({"personnummer": error.messages}) from error
    if person.date_of_birth and person.date_of_birth != number.date_of_birth:
        raise ValidationError({"date_of_birth": _("The date of birth does not match the identity number.")})
    person.date_of_birth = number.date_of_birth
    # Only persons the user may read are compared, so the check reveals nothing new.
    duplicates = scoped_queryset(user, "person", Action.READ).filter(personnummer_hash=person.personnummer_hash)
    if person.pk:
        duplicates = duplicates.exclude(pk=person.pk)
    if duplicates.exists():
        raise ValidationError({"personnummer": _("A person with this identity number is already registered.")})


@transaction.atomic
def register_person(
    *,
    user,
    first_name: str,
    last_name: str,
    date_of_birth=None,
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    sex: str = "unknown",
    home_area=None,
    personnummer: str = "",
) -> Person:
    """Register a person known to the programme.

    `personnummer` (or samordningsnummer) is optional; when given it is validated, stored only
    encrypted with a keyed search hash, and the date of birth is taken from it (a given date of
    birth must match it).
    """
    require_visible(user, "area", home_area, "home_area")
    person = Person(
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        sex=sex,
        home_area=home_area,
        source=source,
        confidence=confidence,
    )
    if personnummer:
        _apply_personnummer(user=user, person=person, personnummer=personnummer)
    if person.date_of_birth is None:
        raise ValidationError({"date_of_birth": _("Enter a date of birth or an identity number.")})
    return create_record(person, user=user, kind="person")


@transaction.atomic
def correct_person(*, user, person: Person, reason: str, personnummer: str | None = None, **changes) -> Person:
    """Correct a person's record (e.g. after a request for correction); the history keeps the before/after
    and `reason`. `personnummer=""` removes a stored identity number."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the correction.")})
    as_changed_by(person, user, reason)  # the history row keeps the reason (and refuses a too long one)
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be corrected here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    require_visible(user, "person", person, "person")
    require_visible(user, "area", changes.get("home_area"), "home_area")
    if personnummer is not None:
        if personnummer:
            person.date_of_birth = changes.pop("date_of_birth", None)
            _apply_personnummer(user=user, person=person, personnummer=personnummer)
        else:
            person.personnummer_encrypted = ""
            person.personnummer_hash = ""
    return update_record(person, user=user, kind="person", **changes)


@transaction.atomic
def register_supervision(
    *, user, person, kind: str, start_date, end_date=None, source: str, confidence: str = Confidence.CONFIRMED
) -> Supervision:
    """Record a period of supervision (skyddstillsyn, villkorlig frigivning)."""
    require_visible(user, "person", person, "person")
    supervision = create_record_with_rules(
        Supervision(
            person=person, kind=kind, start_date=start_date, end_date=end_date, source=source, confidence=confidence
        ),
        user=user,
        kind="supervision",
    )
    return supervision

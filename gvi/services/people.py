"""Registering persons and their supervision."""

from django.db import transaction

from gvi.models import Confidence, Person, Supervision
from gvi.services.common import create_record, require_visible


@transaction.atomic
def register_person(
    *,
    user,
    first_name: str,
    last_name: str,
    date_of_birth,
    source: str,
    confidence: str = Confidence.UNVERIFIED,
    sex: str = "unknown",
    home_area=None,
) -> Person:
    """Register a person known to the programme."""
    require_visible(user, "area", home_area, "home_area")
    return create_record(
        Person(
            first_name=first_name,
            last_name=last_name,
            date_of_birth=date_of_birth,
            sex=sex,
            home_area=home_area,
            source=source,
            confidence=confidence,
        ),
        user=user,
        kind="person",
    )


@transaction.atomic
def register_supervision(
    *, user, person, kind: str, start_date, end_date=None, source: str, confidence: str = Confidence.CONFIRMED
) -> Supervision:
    """Record a period of supervision (skyddstillsyn, villkorlig frigivning)."""
    require_visible(user, "person", person, "person")
    return create_record(
        Supervision(
            person=person, kind=kind, start_date=start_date, end_date=end_date, source=source, confidence=confidence
        ),
        user=user,
        kind="supervision",
    )

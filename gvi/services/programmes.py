"""Programmes: what a new programme starts with."""

from django.db import transaction

from gvi import scoring
from gvi.services.sharing import apply_default_bases


@transaction.atomic
def programme_created(programme, *, user=None) -> None:
    """Give a new programme its starting settings: the default legal basis of every sharing rule
    it has none for (its lawyers replace them) and the scoring configuration with the default
    weights, so that no page creates them on a read."""
    apply_default_bases(programme, user=user)
    scoring.get_config(programme.pk)

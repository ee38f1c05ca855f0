"""Issue an API key for a partner organisation (optionally for one person). Prints the key once."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from api.models import OrganisationAPIKey
from gvi.models import PartnerOrganisation, User


class Command(BaseCommand):
    help = "Issue an API key for a partner organisation. The key is printed once and stored only hashed."

    def add_arguments(self, parser):
        parser.add_argument("--organisation", required=True, help="The organisation's id or exact name.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'Case system integration'.")
        parser.add_argument(
            "--user",
            help="Username of the person who acts through the key (default: none, the "
            "organisation's service account, a partner officer).",
        )
        parser.add_argument("--expires-in-days", type=int, default=365, help="Days until the key expires (365).")

    def handle(self, *args, organisation, name, user=None, expires_in_days=365, **options):
        if expires_in_days < 1:
            raise CommandError("--expires-in-days must be at least 1.")
        org = self._organisation(organisation)
        acting = None
        if user:
            acting = User.objects.filter(username=user).first()
            if acting is None:
                raise CommandError(f"No user {user!r}.")
        with transaction.atomic():
            api_key = OrganisationAPIKey(
                name=name,
                organisation=org,
                user=acting,
                expiry_date=timezone.now() + timedelta(days=expires_in_days),
            )
            try:
                api_key.full_clean(exclude=["id", "prefix", "hashed_key"])
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            key = OrganisationAPIKey.objects.assign_key(api_key)
            api_key.save()  # assign_key made the organisation's service account for a key without a person
        self.stderr.write(
            f"API key {api_key.prefix} for {org} ({acting or 'service account'}), "
            f"expires {api_key.expiry_date:%Y-%m-%d}. Store it now: it is shown only once."
        )
        self.stdout.write(key)

    def _organisation(self, value: str) -> PartnerOrganisation:
        matches = (
            PartnerOrganisation.objects.filter(pk=int(value))
            if value.isdigit()
            else (PartnerOrganisation.objects.filter(name=value))
        )
        matches = list(matches[:2])
        if not matches:
            raise CommandError(f"No organisation {value!r}.")
        if len(matches) > 1:
            raise CommandError(f"Several organisations are called {value!r}: give the id.")
        return matches[0]

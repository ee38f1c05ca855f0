"""Create (or reset) the demo coordinator login and print it. Development only."""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gvi.models import PartnerOrganisation
from gvi.services import accounts

DEMO_USERNAME = "demo.samordnare"


class Command(BaseCommand):
    help = "Create or reset the demo coordinator login and print its password."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_login is refused in production.")
        organisation = PartnerOrganisation.objects.order_by("id").first()
        if organisation is None:
            raise CommandError("No partner organisation exists yet: run `manage.py seed` first.")
        password = secrets.token_urlsafe(12)
        accounts.reset_demo_coordinator(username=DEMO_USERNAME, organisation=organisation, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: username {DEMO_USERNAME}  password {password}  (coordinator at {organisation.name})"
            )
        )

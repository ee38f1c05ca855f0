"""Create the periodic jobs (django-celery-beat rows) an administrator can then edit in the admin."""

from django.core.management.base import BaseCommand

from tasks.schedules import setup_schedules


class Command(BaseCommand):
    help = "Create the periodic jobs (scoring, follow-up rules, escalation, digest). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Restore the default timing of every job.")

    def handle(self, *args, reset=False, **options):
        for name, outcome in setup_schedules(reset=reset).items():
            self.stdout.write(f"{outcome:8} {name}")

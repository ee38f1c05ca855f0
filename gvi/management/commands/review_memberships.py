"""Run the membership review job now: reminders, lapses and the coordinators' follow-ups."""

from django.core.management.base import BaseCommand, CommandError

from gvi import membership_review
from gvi.models import Programme


class Command(BaseCommand):
    help = "Remind owners of membership reviews due soon, lapse memberships past review, tell the coordinators."

    def add_arguments(self, parser):
        parser.add_argument("--programme", type=int, help="Only this programme (id); all programmes by default.")

    def handle(self, *args, programme=None, **options):
        if programme is None:
            result = membership_review.review_all_programmes()
        elif not Programme.objects.filter(pk=programme).exists():
            raise CommandError(f"No programme with id {programme}.")
        else:
            result = membership_review.review_programme(programme_id=programme)
        self.stdout.write(" ".join(f"{key}={value}" for key, value in result.as_dict().items()))

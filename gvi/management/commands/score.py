"""Score a programme (or all) now, outside the schedule, and print the leaders."""

import time

from django.core.management.base import BaseCommand, CommandError

from gvi.models import FlagStatus, GroupFlag, Programme
from gvi.scoring import run_scoring


class Command(BaseCommand):
    help = "Compute violence scores now and update the flag suggestion."

    def add_arguments(self, parser):
        parser.add_argument("--programme", type=int, help="Programme id (default: every programme).")
        parser.add_argument("--top", type=int, default=5, help="How many leading groups to print.")

    def handle(self, *args, programme=None, top=5, **options):
        programmes = Programme.objects.order_by("pk")
        if programme is not None:
            programmes = programmes.filter(pk=programme)
            if not programmes.exists():
                raise CommandError(f"No programme with id {programme}.")
        for prog in programmes:
            started = time.perf_counter()
            run = run_scoring(programme_id=prog.pk, trigger="manual")
            seconds = time.perf_counter() - started
            self.stdout.write(f"{prog}: run {run.pk}, {run.scores.count()} groups in {seconds:.2f} s")
            for score in run.scores.select_related("group").order_by("rank", "group_id")[:top]:
                self.stdout.write(
                    f"  {score.rank:>3}. {score.group.name}: {score.score:.2f} ({score.incident_count} incidents)"
                )
            flag = GroupFlag.objects.filter(programme=prog, status=FlagStatus.SUGGESTED).select_related("group").first()
            if flag:
                self.stdout.write(f"  suggested flag: {flag.group.name} (a coordinator confirms or rejects it)")

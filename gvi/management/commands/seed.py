"""`manage.py seed`: synthetic, plausible data for a demo or a benchmark. Never in production."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gvi.models import Programme
from gvi.seed.context import SCALES
from gvi.seed.runner import SeedRefused, run


class Command(BaseCommand):
    help = "Fill the database with synthetic data: small (demo), city or national (benchmark)."

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if a programme already exists.")
        parser.add_argument("--city", help="Name of the invented city (to seed a second programme).")

    def handle(self, *args, scale, seed, if_empty, city, verbosity, **options):
        if settings.PRODUCTION:
            raise CommandError("seed is refused in production.")
        if if_empty and Programme.objects.exists():
            self.stdout.write("A programme exists already: nothing seeded.")
            return
        log = self.stdout.write if verbosity > 1 else (lambda message: None)
        try:
            counts = run(scale=scale, seed=seed, city=city, log=log)
        except SeedRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        summary = ", ".join(f"{label.split('.')[-1]} {count}" for label, count in sorted(counts.items()) if count)
        self.stdout.write(self.style.SUCCESS(f"Seeded scale {scale} (seed {seed}): {summary}"))

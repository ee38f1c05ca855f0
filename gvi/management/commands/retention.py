"""`manage.py retention [--dry-run]`: purge or anonymise what is due, or list it."""

import json

from django.core.management.base import BaseCommand

from gvi import retention


class Command(BaseCommand):
    help = (
        "Purge persons and anonymise incidents whose retention period has run out, and delete old "
        "scoring runs and digest marks (see gvi/retention.py)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be purged or anonymised.")

    def handle(self, *args, dry_run=False, **options):
        record = retention.run(dry_run=dry_run)
        summary = record.summary
        verb = "Would purge" if dry_run else "Purged"
        statistics = summary["statistics"]
        self.stdout.write(
            f"{verb} {summary['persons']} persons and "
            f"{'would anonymise' if dry_run else 'anonymised'} {summary['incidents']} incidents "
            f"(retention run {record.pk})."
        )
        self.stdout.write(
            f"{'Would delete' if dry_run else 'Deleted'} {statistics['scoring_runs_deleted']} scoring runs "
            f"({statistics['group_scores_deleted']} group scores) and "
            f"{statistics['digest_deliveries_deleted']} digest delivery marks."
        )
        if statistics["scoring_runs_left"]:
            left = statistics["scoring_runs_left"]
            self.stdout.write(f"{left} more scoring runs are due; the next runs delete them.")
        if options["verbosity"] > 1 or dry_run:
            self.stdout.write(json.dumps(summary, indent=2, ensure_ascii=False, default=str))

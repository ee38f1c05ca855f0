"""`manage.py prune_access_log`: the access log's own retention job (GVI_ACCESS_LOG_KEEP_DAYS)."""

from django.core.management.base import BaseCommand

from gvi import access_chain


class Command(BaseCommand):
    help = "Delete access log entries older than GVI_ACCESS_LOG_KEEP_DAYS, keeping the chain checkable."

    def handle(self, *args, **options):
        pruned = access_chain.prune()
        if pruned is None:
            self.stdout.write("Nothing in the access log is older than its retention period.")
        else:
            self.stdout.write(
                f"Deleted {pruned.entries_deleted} access log entries logged before {pruned.cutoff:%Y-%m-%d}."
            )

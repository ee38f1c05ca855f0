"""Delete expired idempotency records (safe to run at any time; the beat schedule runs it daily)."""

from django.core.management.base import BaseCommand

from api.idempotency import purge_expired_records


class Command(BaseCommand):
    help = "Delete idempotency records whose expiry has passed."

    def handle(self, *args, **options):
        self.stdout.write(f"Deleted {purge_expired_records()} expired idempotency records.")

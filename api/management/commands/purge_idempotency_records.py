"""Delete expired idempotency records (safe to run at any time, e.g. daily from the beat schedule)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from api.models import IdempotencyRecord


class Command(BaseCommand):
    help = "Delete idempotency records whose expiry has passed."

    def handle(self, *args, **options):
        deleted, _by_model = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
        self.stdout.write(f"Deleted {deleted} expired idempotency records.")

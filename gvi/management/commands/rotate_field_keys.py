"""Re-encrypt every stored identity number with the newest FIELD_ENCRYPTION_KEY and re-hash it
with the current SEARCH_HASH_KEY. Run after putting a new key first; then drop the old key."""

from django.core.management.base import BaseCommand

from gvi.crypto import rotate_stored_identity_numbers


class Command(BaseCommand):
    help = "Re-encrypt identity numbers with the newest key and refresh their search hashes."

    def handle(self, *args, **options):
        count = rotate_stored_identity_numbers()
        self.stdout.write(f"Re-encrypted {count} identity numbers.")

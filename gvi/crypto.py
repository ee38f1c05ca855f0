"""Encryption at rest and the keyed search hash for identity numbers.

Encryption uses cryptography's MultiFernet: settings.FIELD_ENCRYPTION_KEYS lists the keys, the
newest first. New values are encrypted with the first key; every listed key can decrypt, so a
key is rotated by putting a new one first and running `manage.py rotate_field_keys`, then
dropping the old one. The search hash is an HMAC-SHA256 with settings.SEARCH_HASH_KEY: equal
numbers give equal hashes, but the hash cannot be reversed or recomputed without the key.
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY is empty.")
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEY holds an invalid Fernet key: {error}") from error


def fernet() -> MultiFernet:
    # Keyed by the current setting, so tests that override the keys get a fresh MultiFernet.
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode() if plaintext else ""


def decrypt(token: str) -> str:
    """The plaintext of `token`; raises ValueError when no configured key opens it."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("No configured FIELD_ENCRYPTION_KEY decrypts this value.") from error


def rotate(token: str) -> str:
    """Re-encrypt `token` with the newest key."""
    return fernet().rotate(token.encode()).decode() if token else ""


def search_hash(normalised: str) -> str:
    """The keyed hash by which an encrypted value is found (hex, 64 characters)."""
    key = settings.SEARCH_HASH_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode()


def rotate_stored_identity_numbers(batch_size: int = 500) -> int:
    """Re-encrypt every stored identity number with the newest key and refresh its search hash.

    Idempotent and safe to re-run; a plain `update` so no history row repeats the (encrypted) value.
    """
    from gvi.models import Person

    count = 0
    people = Person.objects.exclude(personnummer_encrypted="").only("pk", "personnummer_encrypted")
    for person in people.iterator(chunk_size=batch_size):
        plaintext = decrypt(person.personnummer_encrypted)
        Person.objects.filter(pk=person.pk).update(
            personnummer_encrypted=encrypt(plaintext), personnummer_hash=search_hash(plaintext)
        )
        count += 1
    return count

"""Personal numbers at rest: the encrypted field that keeps them, and the keyed digest that finds
a person without decrypting. No models, no queries: the dispute and meeting models use them,
and the privacy app (subject access, retention) reads them.

SealedCharField: an encrypted text field that stays encrypted when the database is dumped.

django-fernet-encrypted-fields decrypts on read, and Django's serialisers write what was read:
`jiefen dumpdata` would print every phone and ID number in plain text. This field serialises
its ciphertext instead; loading it back decrypts it (to_python) and saving encrypts it again,
so a dump round-trips with the same keys and is useless without them.

`digest`: keyed digests of parties' phone and ID numbers, so a person can be found without
decrypting.

Fernet ciphertext is randomised: the same number encrypts differently every time, so a lookup by
value is impossible. Beside each encrypted number, Party keeps HMAC-SHA256(key, normalised
number). The key is derived (HKDF) from FIELD_ENCRYPTION_KEY, the secret that already guards
parties' numbers and lives outside the database: a plain hash would not do, because ID and
phone numbers are so few (a region, a birth date and a sequence; 11 digits) that a dump of the
database could be reversed by trying them all. SECRET_KEY is not used: it protects sessions and
is rotated for their sake, and rotating it would silently break every lookup. After
FIELD_ENCRYPTION_KEY changes, `jiefen privacy reindex` recomputes the digests.
"""

import hashlib
import hmac
import re
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from encrypted_fields.fields import EncryptedCharField, EncryptedIntegerField, EncryptedTextField


class SealedCharField(EncryptedCharField):
    def value_to_string(self, obj: Any) -> Any:
        value = self.value_from_object(obj)
        return self.get_prep_value(value) if value else value


class SealedIntegerField(EncryptedIntegerField):
    """A whole number (a party's age) kept like SealedCharField: ciphertext at rest and in dumps."""

    def value_from_object(self, obj: Any) -> Any:
        # As text: Django's serialisers write an int as it is, without value_to_string.
        value = super().value_from_object(obj)
        return None if value is None else str(value)

    def value_to_string(self, obj: Any) -> Any:
        value = getattr(obj, self.attname)
        return self.get_prep_value(value) if value is not None else value


class SealedTextField(EncryptedTextField):
    """Free text about a person (a party's message) kept like SealedCharField."""

    def value_to_string(self, obj: Any) -> Any:
        value = self.value_from_object(obj)
        return self.get_prep_value(value) if value else value


def _fernet() -> Any:
    """The encrypted fields' own Fernet (FIELD_ENCRYPTION_KEY, with SALT_KEY rotation)."""
    return SealedCharField().f


def seal_bytes(data: bytes) -> bytes:
    """A whole file encrypted like the fields (an export's workbook kept for its owner)."""
    return _fernet().encrypt(data)


def open_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


_SPACES = re.compile(r"[\s\-()（）]")
_COUNTRY = re.compile(r"^(?:\+86|0086|86)(?=1\d{10}$)")


def normalise(value: str | None) -> str:
    """The form a number is stored and matched in: no spaces or hyphens, no +86 before a mobile
    number, upper case (an ID's check character X)."""
    value = _SPACES.sub("", value or "").upper()
    return _COUNTRY.sub("", value)


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"jiefen party lookup v1"
    ).derive(secret.encode("utf-8"))


def digest(value: str | None) -> str:
    """The lookup digest of a phone or ID number; "" for nothing."""
    value = normalise(value)
    if not value:
        return ""
    key = _key(settings.FIELD_ENCRYPTION_KEY)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

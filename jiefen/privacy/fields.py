"""An encrypted text field that stays encrypted when the database is dumped.

django-fernet-encrypted-fields decrypts on read, and Django's serialisers write what was read:
`jiefen dumpdata` would print every phone and ID number in plain text. This field serialises
its ciphertext instead; loading it back decrypts it (to_python) and saving encrypts it again,
so a dump round-trips with the same keys and is useless without them.
"""

from typing import Any

from encrypted_fields.fields import EncryptedCharField, EncryptedIntegerField


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

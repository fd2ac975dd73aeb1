"""The encrypted fields of personal data; they live in jiefen.lib.sealed (the models below the
privacy app use them), and the migrations name them here."""

from jiefen.lib.sealed import SealedCharField, SealedIntegerField

__all__ = ["SealedCharField", "SealedIntegerField"]

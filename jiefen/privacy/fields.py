"""The encrypted field of personal numbers; it lives in jiefen.lib.sealed (the models below the
privacy app use it), and the migrations name it here."""

from jiefen.lib.sealed import SealedCharField

__all__ = ["SealedCharField"]

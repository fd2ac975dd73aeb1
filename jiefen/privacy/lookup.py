"""The keyed lookup digests of phone and ID numbers; they live in jiefen.lib.sealed (the dispute
models compute them), and are named here for the privacy app's readers."""

from jiefen.lib.sealed import digest, normalise

__all__ = ["digest", "normalise"]

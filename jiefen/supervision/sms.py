"""Text messages to staff: one small interface, a provider chosen by settings.

settings.JIEFEN_SMS_PROVIDER is the dotted path of a class with `send(*, phone, text)`; the
default only logs (with the number masked), so nothing leaves the machine until an operator
plugs in a real gateway. OutboxSmsProvider keeps messages in memory, for tests and the demo.
"""

from __future__ import annotations

import logging
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from jiefen.lib.personal import mask_phone

log = logging.getLogger(__name__)

DEFAULT = "jiefen.supervision.sms.LoggingSmsProvider"


class SmsProvider(Protocol):
    """Send one text message; raise on failure (the caller retries later)."""

    def send(self, *, phone: str, text: str) -> None: ...


class LoggingSmsProvider(SmsProvider):
    def send(self, *, phone: str, text: str) -> None:
        log.info("SMS to %s: %s", mask_phone(phone), text)


class OutboxSmsProvider(SmsProvider):
    """Keeps (phone, text) pairs in `outbox`, like Django's locmem e-mail backend."""

    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, *, phone: str, text: str) -> None:
        self.outbox.append((phone, text))


def sms_provider() -> SmsProvider:
    path = getattr(settings, "JIEFEN_SMS_PROVIDER", "") or DEFAULT
    return import_string(path)()

"""Text messages to staff: one small interface, a provider chosen by settings, and the check
every text passes before it leaves.

settings.JIEFEN_SMS_PROVIDER names the provider: "logging" (the default: it only logs, with
the number masked, so nothing leaves the machine until an operator plugs in a gateway),
"aliyun" or "tencent" (sms_providers.py), or the dotted path of any class with
`send(*, phone, text, kind, params) -> message id`. OutboxSmsProvider keeps messages in
memory, for tests and the demo.

Gateways in China send only texts made from a template the operator registered with them:
the provider gets the message kind (a notification kind) and its parameters, in order, and
maps the kind onto its template id (settings.JIEFEN_SMS["templates"]); the plain providers
send `text`, the sentence the template stands for.

settings.JIEFEN_SMS holds the rest (read from the environment in settings.py): sign_name,
templates, access_key_id, access_key_secret, app_id (Tencent's SmsSdkAppId), region, endpoint
(only to point a provider elsewhere, e.g. a test's stand-in), daily_cap, max_attempts,
retry_seconds, timeout_seconds, param_limit. The secret is never logged nor kept in an error.

`refusal()` is the last check before a provider: a text (or a template parameter) that holds
an 18-digit ID number, or a mobile number other than the recipient's, is refused. The texts
are built from scrubbed words (notifications.scrub) and should never hold one; this check
stands behind that, whatever another app registers.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from jiefen.lib.personal import mask_phone
from jiefen.lib.sealed import normalise

log = logging.getLogger(__name__)

DEFAULT = "jiefen.supervision.sms.LoggingSmsProvider"
ALIASES = {
    "logging": DEFAULT,
    "outbox": "jiefen.supervision.sms.OutboxSmsProvider",
    "aliyun": "jiefen.supervision.sms_providers.AliyunSmsProvider",
    "tencent": "jiefen.supervision.sms_providers.TencentSmsProvider",
}
DEFAULTS: dict[str, Any] = {
    "sign_name": "",
    "templates": {},
    "access_key_id": "",
    "access_key_secret": "",
    "app_id": "",
    "region": "",
    "endpoint": "",
    "daily_cap": 10,
    "max_attempts": 5,
    "retry_seconds": 60,
    "timeout_seconds": 10,
    "param_limit": 20,
}


class SmsError(Exception):
    """A provider did not take the message. `code` is the provider's (or "network");
    `retry` is False when sending again cannot help (no template for the kind)."""

    def __init__(self, code: str, message: str = "", *, retry: bool = True) -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.retry = retry


class SmsProvider(Protocol):
    """Send one text message; return the provider's message id ("" if it gives none); raise
    (SmsError or any other exception) on failure: the caller retries later."""

    name: str

    def send(
        self, *, phone: str, text: str, kind: str = "", params: Mapping[str, str] | None = None
    ) -> str: ...


class LoggingSmsProvider:
    name = "logging"

    def send(
        self, *, phone: str, text: str, kind: str = "", params: Mapping[str, str] | None = None
    ) -> str:
        log.info("SMS to %s: %s", mask_phone(phone), text)
        return ""


class OutboxSmsProvider:
    """Keeps (phone, text) pairs in `outbox`, like Django's locmem e-mail backend, and the
    (phone, kind, params) a templated gateway would get in `templated`."""

    name = "outbox"
    outbox: ClassVar[list[tuple[str, str]]] = []
    templated: ClassVar[list[tuple[str, str, dict[str, str]]]] = []

    def send(
        self, *, phone: str, text: str, kind: str = "", params: Mapping[str, str] | None = None
    ) -> str:
        self.outbox.append((phone, text))
        self.templated.append((phone, kind, dict(params or {})))
        return f"outbox-{len(self.outbox)}"


def sms_settings() -> dict[str, Any]:
    return {**DEFAULTS, **(getattr(settings, "JIEFEN_SMS", None) or {})}


def sms_provider() -> SmsProvider:
    path = getattr(settings, "JIEFEN_SMS_PROVIDER", "") or DEFAULT
    return import_string(ALIASES.get(path, path))()


def provider_name(provider: Any) -> str:
    return str(getattr(provider, "name", "") or type(provider).__name__)[:20]


# ---------------------------------------------------------------------------------------------
# What a text may not say

# Digits with single spaces or dashes between them are read as one number. A dispute number
# (330681109-2026-000001) is taken out first: its digits are no one's.
_DISPUTE_NUMBER = re.compile(r"(?<!\d)\d{6,9}-20\d\d-\d{6}(?!\d)")
_JOINED = re.compile(r"(?<=\d)[ \-](?=\d)")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?![\dX])", re.IGNORECASE)
_MOBILE = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")


def refusal(*, phone: str, text: str, params: Mapping[str, Any] | None = None) -> str:
    """Why this text may not go to `phone` ("" when it may): it holds an ID number, or a
    mobile number other than the recipient's."""
    own = normalise(phone)
    for part in (text, *(str(v) for v in (params or {}).values())):
        flat = _JOINED.sub("", _DISPUTE_NUMBER.sub(" ", part or ""))
        if _ID_NUMBER.search(flat):
            return "an ID number in the text"
        if any(normalise(m.group()) != own for m in _MOBILE.finditer(flat)):
            return "a phone number other than the recipient's in the text"
    return ""

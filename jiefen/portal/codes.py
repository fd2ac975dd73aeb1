"""One-time codes sent by SMS to a party's phone on file: the way a party proves who they are
(signing in to their space, recovering a lost query code) and what they agree to (confirming
the agreement's text).

A code is six digits, valid for CODE_TTL, good for one use and for one purpose: a code sent to
confirm an agreement's text cannot sign anyone in, and a code for one text cannot confirm a
changed text (the purpose names the text's digest). Only a keyed digest of the code is kept,
in the shared cache. A wrong code counts against that code (CODE_TRIES, then it is spent);
sending is limited per phone (SEND_RATE) so the real party can always ask again later, and
nobody can be locked out by a stranger's guesses: guesses spend the guesser's code, not the
party's next one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from jiefen.disputes.models import Party
from jiefen.lib.errors import Invalid
from jiefen.lib.personal import mask_phone
from jiefen.lib.sealed import normalise
from jiefen.supervision.models import SmsStatus
from jiefen.supervision.sms import refusal
from jiefen.supervision.sms_delivery import sms_queue_to_party

CODE_TTL = 10 * 60
CODE_TRIES = 5
SEND_RATE = "5/h"  # codes sent to one phone, every purpose together
CODE_SALT = "jiefen.portal.codes"


@dataclass(frozen=True)
class Sent:
    """What the person is told: the masked phone the code went to and how long it lasts."""

    phone_masked: str
    minutes: int


def _key(party: Party, purpose: str) -> str:
    return "portal-code:" + salted_hmac(CODE_SALT, f"{party.pk}:{purpose}").hexdigest()


def _digest(code: str) -> str:
    return salted_hmac(CODE_SALT, code).hexdigest()


def _limited(phone_digest: str) -> bool:
    usage = get_usage(
        group="portal-code-send",
        key=lambda _group, _request: phone_digest,
        rate=SEND_RATE,
        increment=True,
        request=None,
    )
    return bool(usage and usage["should_limit"])


def code_send(*, party: Party, purpose: str, text: str) -> Sent:
    """Send a new code for `purpose` to `party`'s phone on file; `text` has `{code}` in it.
    A new code replaces the previous one for the same purpose."""
    phone = normalise(party.phone or "")
    if not phone or party.anonymised_at is not None:
        raise Invalid(_("该当事人没有登记可接收短信的手机号码，请联系调解组织"))
    if _limited(party.phone_digest):
        raise Invalid(_("验证码发送过于频繁，请 1 小时后再试"))
    code = f"{secrets.randbelow(10**6):06d}"
    body = text.format(code=code)
    refused = refusal(phone=phone, text=body, params={"code": code})
    if refused:
        raise Invalid(refused)
    cache.set(_key(party, purpose), {"digest": _digest(code), "tries": 0}, CODE_TTL)
    message = sms_queue_to_party(party=party, kind="party_code", text=body, params={"code": code})
    if message is None or message.status == SmsStatus.CAPPED:
        cache.delete(_key(party, purpose))
        raise Invalid(_("今天发送到该号码的短信已达上限，请明天再试或联系调解组织"))
    return Sent(phone_masked=mask_phone(phone), minutes=CODE_TTL // 60)


def code_check(*, party: Party, purpose: str, code: str) -> None:
    """Spend the code for `purpose` if `code` is it; raise Invalid otherwise (expired,
    already used, wrong, or too many wrong tries)."""
    key = _key(party, purpose)
    held = cache.get(key)
    if not held:
        raise Invalid(_("验证码已失效，请重新获取"), fields={"code": [_("验证码已失效")]})
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(typed) == 6 and hmac.compare_digest(held["digest"], _digest(typed)):
        cache.delete(key)
        return
    tries = held["tries"] + 1
    if tries >= CODE_TRIES:
        cache.delete(key)
        raise Invalid(
            _("验证码错误次数过多，已失效，请重新获取"), fields={"code": [_("验证码已失效")]}
        )
    cache.set(key, {**held, "tries": tries}, CODE_TTL)
    raise Invalid(_("验证码不正确"), fields={"code": [_("验证码不正确")]})

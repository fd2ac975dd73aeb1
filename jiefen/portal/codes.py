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

A code may be bound to the browser that asked for it (`holder`, guard.browser_key): it is
then good in that browser only, so a stranger guessing elsewhere meets no code at all and
cannot even spend the party's. The codes that sign a party in or recover a lost query code go
only to a phone the holding body verified (identity.phone_verified); the public doors ask for
them with a number and a phone typed by anyone, and get the same answer whether these match
a party or not (code_decoy: a code that exists nowhere but is checked the same way).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import NoReturn

from django.core.cache import cache
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from jiefen.disputes.models import Party
from jiefen.lib.errors import Invalid
from jiefen.lib.personal import mask_phone
from jiefen.lib.sealed import digest, normalise
from jiefen.portal.identity import phone_verified
from jiefen.supervision.models import SmsStatus
from jiefen.supervision.sms import refusal
from jiefen.supervision.sms_delivery import sms_queue_to_party

CODE_TTL = 10 * 60
CODE_TRIES = 5
SEND_RATE = "5/h"  # codes sent to one phone, every purpose together
CODE_SALT = "jiefen.portal.codes"
SIGN_IN = "sign-in"
RECOVER = "recover"
# The purposes for which only a verified phone receives a code (the ways in).
VERIFIED_PURPOSES = frozenset({SIGN_IN, RECOVER})

__all__ = ["CODE_TTL", "RECOVER", "SIGN_IN", "Sent", "code_check", "code_send", "phone_verified"]


def _clock() -> float:
    return time.time()


@dataclass(frozen=True)
class Sent:
    """What the person is told: the masked phone the code went to and how long it lasts."""

    phone_masked: str
    minutes: int


def _key(party: Party, purpose: str, holder: str = "") -> str:
    basis = f"{party.pk}:{purpose}" + (f":{holder}" if holder else "")
    return "portal-code:" + salted_hmac(CODE_SALT, basis).hexdigest()


def _decoy_key(subject: str, purpose: str, holder: str) -> str:
    basis = f"{subject}:{purpose}:{holder}"
    return "portal-code:decoy:" + salted_hmac(CODE_SALT, basis).hexdigest()


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


def _too_often() -> Invalid:
    return Invalid(_("验证码发送过于频繁，请 1 小时后再试"))


def _held(code: str) -> dict[str, object]:
    return {"digest": _digest(code), "tries": 0, "until": _clock() + CODE_TTL}


def code_send(*, party: Party, purpose: str, text: str, holder: str = "") -> Sent:
    """Send a new code for `purpose` to `party`'s phone on file; `text` has `{code}` in it.
    A new code replaces the previous one for the same purpose (and holder). With `holder`,
    the code is good only where `holder` is given again (the browser that asked)."""
    phone = normalise(party.phone or "")
    if not phone or party.anonymised_at is not None:
        raise Invalid(_("该当事人没有登记可接收短信的手机号码，请联系调解组织"))
    if purpose in VERIFIED_PURPOSES and not phone_verified(party):
        raise Invalid(
            _(
                "该手机号码尚未经调解组织核实，不能接收验证码。"
                "请携带身份证件到承办的调解组织核实手机号码，或凭编号和查询码查询。"
            )
        )
    if _limited(party.phone_digest):
        raise _too_often()
    code = f"{secrets.randbelow(10**6):06d}"
    body = text.format(code=code)
    refused = refusal(phone=phone, text=body, params={"code": code})
    if refused:
        raise Invalid(refused)
    key = _key(party, purpose, holder)
    cache.set(key, _held(code), CODE_TTL)
    message = sms_queue_to_party(party=party, kind="party_code", text=body, params={"code": code})
    if message is None or message.status == SmsStatus.CAPPED:
        cache.delete(key)
        raise Invalid(_("今天发送到该号码的短信已达上限，请明天再试或联系调解组织"))
    return Sent(phone_masked=mask_phone(phone), minutes=CODE_TTL // 60)


def code_decoy(*, phone: str, subject: str, purpose: str, holder: str) -> Sent:
    """What code_send answers, for a number and phone that match no verified party: the same
    limit on the phone typed, a code held and checked the same way (decoy_check), no text."""
    phone = normalise(phone)
    if _limited(digest(phone)):
        raise _too_often()
    cache.set(_decoy_key(subject, purpose, holder), _held(secrets.token_hex(8)), CODE_TTL)
    return Sent(phone_masked=mask_phone(phone), minutes=CODE_TTL // 60)


def code_check(*, party: Party, purpose: str, code: str, holder: str = "") -> None:
    """Spend the code for `purpose` if `code` is it; raise Invalid otherwise (expired,
    already used, wrong, or too many wrong tries)."""
    _spend(_key(party, purpose, holder), code)


def decoy_check(*, subject: str, purpose: str, holder: str, code: str) -> NoReturn:
    """code_check of a decoy: never right, refused with the same words."""
    _spend(_decoy_key(subject, purpose, holder), code)
    raise Invalid(_("验证码不正确"), fields={"code": [_("验证码不正确")]})  # pragma: no cover


def _spend(key: str, code: str) -> None:
    held = cache.get(key)
    if held and _clock() > held.get("until", float("inf")):
        cache.delete(key)
        held = None
    if not held:
        raise Invalid(_("验证码已失效，请重新获取"), fields={"code": [_("验证码已失效")]})
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(typed) == 6 and hmac.compare_digest(held["digest"], _digest(typed)):
        # cache.delete answers whether the key was there: of two requests with the same
        # code at once, one spends it.
        if cache.delete(key) is False:
            raise Invalid(_("验证码已失效，请重新获取"), fields={"code": [_("验证码已失效")]})
        return
    tries = held["tries"] + 1
    if tries >= CODE_TRIES:
        cache.delete(key)
        raise Invalid(
            _("验证码错误次数过多，已失效，请重新获取"), fields={"code": [_("验证码已失效")]}
        )
    cache.set(key, {**held, "tries": tries}, CODE_TTL)
    raise Invalid(_("验证码不正确"), fields={"code": [_("验证码不正确")]})
